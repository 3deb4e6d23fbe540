/**
 * Decides how `wrangler dev` runs real containers on this machine and returns the environment for it.
 *
 * Why: current workerd needs a Docker engine, a networking sidecar image and a docker CLI that can
 * build what wrangler asks. On a machine with Docker Hub access and buildx the platform defaults work;
 * offline or on Debian's docker.io they do not. `resolveLocalEngine()` finds the engine, picks the
 * official sidecar when it is present or pullable and Moorage's own otherwise (or when forced), makes
 * sure Moorage's images exist (cached builds), and returns the env vars to start wrangler with.
 * Used by `moorage dev`, `moorage doctor` and the real-container test harness.
 * Boundary: Node-only; talks to the Docker engine API and runs the engine/ build scripts; never starts
 * a daemon (that is provision.sh's job: `moorage engine up`) and never edits the user's project.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { delimiter, join } from "node:path";
import { type ErrorCode, MoorageError } from "../errors.js";
import { LOCAL_ENGINE } from "./constants.js";
import { engineVersion, imageExists, tryPull } from "./docker-api.js";

export type SidecarKind = "official" | "moorage";
export type SidecarChoice = "auto" | SidecarKind;

export interface ResolveLocalEngineOptions {
  /** Which sidecar to use; default: env MOORAGE_SIDECAR, else `auto`. */
  sidecar?: SidecarChoice;
  /** Engine to use; default: env DOCKER_HOST, else provisioning's own dockerd, else /var/run/docker.sock. */
  dockerHost?: string;
  /** Base environment (PATH, DOCKER_HOST, MOORAGE_SIDECAR...); default process.env. */
  env?: NodeJS.ProcessEnv;
  /**
   * Moorage images: `ensure` (default) runs the cached build scripts (about 1 s when up to date),
   * `check` only verifies they exist, `skip` does neither.
   */
  images?: "ensure" | "check" | "skip";
  /** Budget for trying to pull the official sidecar in `auto`/`official` mode (default 8 s). */
  pullTimeoutMs?: number;
  /**
   * In `auto` mode a failed pull is remembered for this long (default 10 min), so an offline machine does
   * not pay the pull attempt on every start. 0 disables the memory.
   */
  pullFailureTtlMs?: number;
  /** Progress lines (image builds, decisions). */
  log?: (line: string) => void;
}

export interface LocalEngine {
  /** Variables to add to wrangler's environment (merge over process.env). */
  env: Record<string, string>;
  sidecar: SidecarKind;
  /** One sentence: why this sidecar. */
  reason: string;
  dockerHost: string;
  /** Whether the real docker CLI has buildx (if not, the shim translates wrangler's build flags). */
  buildx: boolean;
  engineVersion: string;
  /** The real docker CLI the shim calls. */
  dockerCli: string;
  images: { nodeBase: string; sidecar: string };
}

export type LocalEngineProblem = Extract<
  ErrorCode,
  "docker-unreachable" | "docker-cli-missing" | "official-sidecar-unavailable" | "image-missing" | "image-build-failed"
>;

/** A `MoorageError` (`src/errors.ts`) whose `code` is the problem and whose `hint` is the one-line fix. */
export class LocalEngineError extends MoorageError<LocalEngineProblem> {
  override name = "LocalEngineError";
  /** What to do about it, one line. */
  declare readonly hint: string;
  constructor(code: LocalEngineProblem, message: string, fix: string) {
    super(code, `${message}\n  -> ${fix}`, { hint: fix });
  }
}

/** The DOCKER_HOST to use when none is given: env, then provisioning's dockerd, then the system socket. */
export function defaultDockerHost(env: NodeJS.ProcessEnv = process.env): string {
  if (env.DOCKER_HOST) return env.DOCKER_HOST;
  if (existsSync(LOCAL_ENGINE.paths.ownDockerSocket)) return `unix://${LOCAL_ENGINE.paths.ownDockerSocket}`;
  return LOCAL_ENGINE.defaultDockerHost;
}

/** First executable `docker` on PATH that is not Moorage's shim. */
export function findDockerCli(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const explicit = env[LOCAL_ENGINE.envVars.realDocker];
  if (explicit) return existsSync(explicit) ? explicit : undefined;
  for (const dir of (env.PATH ?? "").split(delimiter)) {
    const candidate = join(dir, "docker");
    if (dir && candidate !== LOCAL_ENGINE.paths.dockerShim && existsSync(candidate)) return candidate;
  }
  return undefined;
}

function run(
  file: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
): Promise<{ ok: boolean; out: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { env, timeout: timeoutMs, maxBuffer: 8 * 1024 * 1024 }, (err, stdout, stderr) => {
      resolve({ ok: !err, out: `${stdout}${stderr}`.trim() });
    });
  });
}

function sidecarChoice(opts: ResolveLocalEngineOptions, env: NodeJS.ProcessEnv): SidecarChoice {
  const raw = opts.sidecar ?? env[LOCAL_ENGINE.envVars.sidecarChoice] ?? "auto";
  if (raw === "auto" || raw === "official" || raw === "moorage") return raw;
  throw new LocalEngineError(
    "official-sidecar-unavailable",
    `${LOCAL_ENGINE.envVars.sidecarChoice}=${raw} is not a sidecar choice`,
    `set ${LOCAL_ENGINE.envVars.sidecarChoice} to auto, official or moorage`,
  );
}

export async function resolveLocalEngine(opts: ResolveLocalEngineOptions = {}): Promise<LocalEngine> {
  const baseEnv = opts.env ?? process.env;
  const log = opts.log ?? (() => {});
  const dockerHost = opts.dockerHost ?? defaultDockerHost(baseEnv);
  const choice = sidecarChoice(opts, baseEnv);

  let version: string;
  try {
    version = (await engineVersion(dockerHost)).version;
  } catch (err) {
    throw new LocalEngineError(
      "docker-unreachable",
      `no Docker engine answers at ${dockerHost} (${(err as Error).message})`,
      `start one with ${LOCAL_ENGINE.commands.up} (it installs docker.io if needed and prints DOCKER_HOST), or set DOCKER_HOST`,
    );
  }

  const dockerCli = findDockerCli(baseEnv);
  if (!dockerCli) {
    throw new LocalEngineError(
      "docker-cli-missing",
      "no docker CLI on PATH (wrangler runs it to build images)",
      `install one (apt-get install -y docker.io) or set ${LOCAL_ENGINE.envVars.realDocker} to its path`,
    );
  }
  const cliEnv = { ...baseEnv, DOCKER_HOST: dockerHost };
  const buildx = (await run(dockerCli, ["buildx", "version"], cliEnv, 5000)).ok;

  // Which sidecar: the official image when it is here or can be pulled, ours otherwise.
  let sidecar: SidecarKind;
  let reason: string;
  const official = LOCAL_ENGINE.images.officialSidecar;
  if (choice === "moorage") {
    sidecar = "moorage";
    reason = `forced (${LOCAL_ENGINE.envVars.sidecarChoice}=moorage or option)`;
  } else if (await imageExists(dockerHost, official).catch(() => false)) {
    sidecar = "official";
    reason = `official sidecar ${official} is present locally`;
  } else {
    const ttl = opts.pullFailureTtlMs ?? 10 * 60_000;
    const remembered = choice === "auto" && ttl > 0 ? recentPullFailure(official, ttl) : undefined;
    const pullError = remembered ?? (await tryPull(dockerHost, official, opts.pullTimeoutMs ?? 8000));
    if (pullError !== undefined && remembered === undefined) rememberPullFailure(official, pullError);
    if (pullError === undefined) {
      sidecar = "official";
      reason = `official sidecar ${official} was pulled`;
    } else if (choice === "official") {
      throw new LocalEngineError(
        "official-sidecar-unavailable",
        `the official sidecar ${official} is not present and cannot be pulled: ${pullError}`,
        `pull it where a registry is reachable and load it here, or use ${LOCAL_ENGINE.envVars.sidecarChoice}=moorage`,
      );
    } else {
      sidecar = "moorage";
      reason = `official sidecar cannot be pulled (${pullError.split("\n")[0]}); using Moorage's`;
    }
  }
  log(`sidecar: ${sidecar} (${reason})`);

  const mode = opts.images ?? "ensure";
  const needed = sidecar === "moorage" ? ["nodeBase", "sidecar"] : ["nodeBase"];
  if (mode === "ensure") {
    await buildImages(needed.includes("sidecar"), { ...cliEnv, PATH: nodePath(baseEnv) }, log);
  } else if (mode === "check") {
    for (const key of needed as Array<keyof typeof LOCAL_ENGINE.images>) {
      const ref = LOCAL_ENGINE.images[key];
      if (!(await imageExists(dockerHost, ref))) {
        throw new LocalEngineError(
          "image-missing",
          `image ${ref} is missing on ${dockerHost}`,
          `build it: ${LOCAL_ENGINE.commands.up}`,
        );
      }
    }
  }

  const egressImage = sidecar === "moorage" ? LOCAL_ENGINE.images.sidecar : official;
  return {
    env: {
      [LOCAL_ENGINE.envVars.dockerHost]: dockerHost,
      // Always the shim: it passes through when buildx exists, and it makes wrangler's unconditional
      // `docker pull <egress image>` succeed for a locally present image.
      [LOCAL_ENGINE.envVars.dockerBin]: LOCAL_ENGINE.paths.dockerShim,
      [LOCAL_ENGINE.envVars.realDocker]: dockerCli,
      [LOCAL_ENGINE.envVars.egressImage]: egressImage,
      // Local dev builds only (the shim also checks for wrangler dev's `cloudflare-dev/` tags); deploy drops it.
      [LOCAL_ENGINE.envVars.localBases]: LOCAL_ENGINE.images.localBases,
    },
    sidecar,
    reason,
    dockerHost,
    buildx,
    engineVersion: version,
    dockerCli,
    images: { nodeBase: LOCAL_ENGINE.images.nodeBase, sidecar: egressImage },
  };
}

const pullMemoryFile = () => join(LOCAL_ENGINE.paths.home, "official-sidecar-pull.json");

function recentPullFailure(image: string, ttlMs: number): string | undefined {
  try {
    const m = JSON.parse(readFileSync(pullMemoryFile(), "utf8")) as { image?: string; at?: number; error?: string };
    if (m.image === image && typeof m.at === "number" && Date.now() - m.at < ttlMs && m.error) {
      return `${m.error} (remembered from ${Math.round((Date.now() - m.at) / 1000)} s ago)`;
    }
  } catch {
    // No memory yet.
  }
  return undefined;
}

function rememberPullFailure(image: string, error: string): void {
  try {
    mkdirSync(LOCAL_ENGINE.paths.home, { recursive: true });
    writeFileSync(pullMemoryFile(), JSON.stringify({ image, at: Date.now(), error }));
  } catch {
    // Best effort: without the memory the next start just tries again.
  }
}

/** PATH with provisioning's Node 22 first when it exists (the build scripts run node/esbuild). */
function nodePath(env: NodeJS.ProcessEnv): string {
  const path = env.PATH ?? "";
  return existsSync(LOCAL_ENGINE.paths.node22Bin) ? `${LOCAL_ENGINE.paths.node22Bin}${delimiter}${path}` : path;
}

/** A Node 22 binary for the base image: this process if it is Node 22, else provisioning's, else this one. */
function node22Binary(): string {
  if (process.versions.node.split(".")[0] === "22") return process.execPath;
  const provisioned = join(LOCAL_ENGINE.paths.node22Bin, "node");
  return existsSync(provisioned) ? provisioned : process.execPath;
}

async function buildImages(withSidecar: boolean, env: NodeJS.ProcessEnv, log: (line: string) => void): Promise<void> {
  const scripts = [LOCAL_ENGINE.paths.buildBase, ...(withSidecar ? [LOCAL_ENGINE.paths.buildSidecar] : [])];
  for (const script of scripts) {
    const { ok, out } = await run(
      script,
      [],
      { ...env, MOORAGE_NODE_BIN: env.MOORAGE_NODE_BIN ?? node22Binary() },
      300_000,
    );
    for (const line of out.split("\n").filter((l) => l.startsWith("[moorage]"))) log(line.replace(/^\[moorage\] /, ""));
    if (!ok) {
      throw new LocalEngineError(
        "image-build-failed",
        `${script} failed:\n${out}`,
        `run ${LOCAL_ENGINE.commands.up} to see the full output`,
      );
    }
  }
}
