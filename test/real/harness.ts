/**
 * Harness for real-container tests: engine detection, `wrangler dev` on a free port, cleanup.
 *
 * Why: every real suite needs the same three things: a reachable Docker engine with Moorage's images
 * (or a loud skip, or a failure under CI=true), `wrangler dev` started with the environment
 * `resolveLocalEngine()` computes and waited on until it serves, and every container it started
 * removed afterwards even when a test failed.
 * Boundary: test-only; owns processes it spawns (by pid) and containers whose names its wrangler
 * session produced. Nothing here knows about a particular app.
 *
 * Usage in a test file:
 *   const engine = await probeEngine();                  // at collection time (top-level await)
 *   describe.skipIf(!engine.ok)("...", () => {
 *     let dev: WranglerDev;
 *     beforeAll(async () => { await requireEngine(); dev = await startWranglerDev({ cwd }); });
 *     afterAll(() => dev?.stop());
 *   });
 * `probeEngine()` prints the skip reason loudly; under CI=true it does not skip: `requireEngine()` throws.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { parse as parseJsonc } from "jsonc-parser";
import { LOCAL_ENGINE } from "../../src/engine/constants.js";
import {
  type LocalEngine,
  LocalEngineError,
  resolveLocalEngine,
  type SidecarChoice,
} from "../../src/engine/local-engine.js";

const execFileP = promisify(execFile);

export const REPO_ROOT = resolve(fileURLToPath(new URL("../..", import.meta.url)));
export const WRANGLER_BIN = join(REPO_ROOT, "node_modules", ".bin", "wrangler");

export interface EngineInfo extends LocalEngine {
  /** Image to use as `BASE` in fixture Dockerfiles. */
  baseImage: string;
  /** Seconds spent resolving (engine probe + cached image builds). */
  resolveSeconds: number;
}

export type EngineStatus = { ok: true; engine: EngineInfo } | { ok: false; reason: string };

const inCi = () => process.env.CI === "true" || process.env.CI === "1";
let cached: Promise<EngineStatus> | undefined;

/**
 * Resolves the local engine once per test process (images are ensured: cached builds). Also exports
 * DOCKER_HOST (and the rest of the engine env) into process.env so plain `docker` calls in tests hit
 * the same engine. Prints a loud banner when the engine is missing.
 */
export function probeEngine(): Promise<EngineStatus> {
  cached ??= (async (): Promise<EngineStatus> => {
    const t0 = performance.now();
    try {
      // Moorage's own sidecar unless MOORAGE_SIDECAR says otherwise: `auto` would ask the engine to pull the
      // official image from Docker Hub, and tests send nothing off this machine.
      const sidecar = (process.env.MOORAGE_SIDECAR as SidecarChoice | undefined) ?? "moorage";
      const engine = await resolveLocalEngine({ sidecar, log: (l) => process.stderr.write(`[engine] ${l}\n`) });
      Object.assign(process.env, engine.env);
      return {
        ok: true,
        engine: { ...engine, baseImage: engine.images.nodeBase, resolveSeconds: (performance.now() - t0) / 1000 },
      };
    } catch (err) {
      const reason = err instanceof LocalEngineError ? err.message : `unexpected: ${(err as Error).stack ?? err}`;
      const verdict = inCi()
        ? "FAILING (CI=true: real-container tests must run in CI)"
        : "SKIPPING real-container tests";
      process.stderr.write(
        `\n${"=".repeat(100)}\n[moorage real tests] ${verdict}\n[moorage real tests] ${reason.replace(/\n/g, "\n[moorage real tests] ")}\n${"=".repeat(100)}\n\n`,
      );
      return { ok: false, reason };
    }
  })();
  return cached;
}

/** For `describe.skipIf(...)`: true when the suite must be skipped (never under CI=true). */
export async function shouldSkip(): Promise<boolean> {
  return !(await probeEngine()).ok && !inCi();
}

/** The engine, or a thrown error naming why there is none (use in beforeAll). */
export async function requireEngine(): Promise<EngineInfo> {
  const status = await probeEngine();
  if (status.ok) return status.engine;
  throw new Error(`real-container tests need a Docker engine${inCi() ? " (CI=true)" : ""}:\n${status.reason}`);
}

/** A free TCP port on 127.0.0.1 (bind to 0, read it, release it). */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = net.createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolvePort(port));
    });
  });
}

export interface DockerContainer {
  id: string;
  name: string;
  image: string;
  state: string;
  labels: string;
}

/** Containers on the engine (all states). */
export async function listContainers(): Promise<DockerContainer[]> {
  const { stdout } = await execFileP("docker", ["ps", "-a", "--no-trunc", "--format", "{{json .}}"], {
    env: process.env,
  });
  return stdout
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { ID: string; Names: string; Image: string; State: string; Labels: string })
    .map((c) => ({ id: c.ID, name: c.Names, image: c.Image, state: c.State, labels: c.Labels }));
}

/** `docker rm -f` (containers and their anonymous volumes); ignores ids that are already gone. */
export async function removeContainers(ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  await execFileP("docker", ["rm", "-f", "-v", ...ids], { env: process.env }).catch(() => undefined);
}

/** workerd's restore clones (`workerd-snap-clone-<uuid>`) that no container references. */
async function unusedSnapshotClones(): Promise<string[]> {
  const { stdout } = await execFileP(
    "docker",
    ["volume", "ls", "-q", "--filter", "dangling=true", "--filter", "name=workerd-snap-clone-"],
    { env: process.env },
  ).catch(() => ({ stdout: "" }));
  return stdout.split("\n").filter((v) => v.startsWith("workerd-snap-clone-"));
}

async function removeVolumes(names: readonly string[]): Promise<void> {
  if (names.length === 0) return;
  await execFileP("docker", ["volume", "rm", ...names], { env: process.env }).catch(() => undefined);
}

/** workerd names containers `workerd-<uniqueKey>-<id>` and their sidecars `...-proxy`. */
export const isWorkerdContainer = (c: DockerContainer) => c.name.replace(/^\//, "").startsWith("workerd-");

/**
 * Whether a container belongs to Worker `workerName`: miniflare's Durable Object uniqueKey is
 * `<worker>-<class>`, and workerd embeds it in the container name (`workerd-<hash>-<worker>-<class>-<id>`).
 */
export const belongsToWorker = (c: DockerContainer, workerName: string) =>
  isWorkerdContainer(c) && c.name.includes(`-${workerName}-`);

/** The Worker's `name` from wrangler.jsonc / wrangler.json in `cwd` (or `config`), if any. */
export function readWorkerName(cwd: string, config?: string): string | undefined {
  const candidates = config ? [config] : ["wrangler.jsonc", "wrangler.json"];
  for (const file of candidates) {
    const path = resolve(cwd, file);
    if (!existsSync(path)) continue;
    const parsed = parseJsonc(readFileSync(path, "utf8")) as { name?: unknown } | undefined;
    if (typeof parsed?.name === "string") return parsed.name;
  }
  return undefined;
}

export interface StartWranglerDevOptions {
  /** Project folder (holds wrangler.jsonc). */
  cwd: string;
  /** Config file relative to cwd (default: wrangler's discovery). */
  config?: string;
  /** Extra env for wrangler (merged over the engine env). */
  env?: Record<string, string>;
  /** Extra CLI arguments. */
  args?: string[];
  /**
   * wrangler's local state folder (`--persist-to`), e.g. one a test seeded beforehand (a local Secrets Store
   * value). Default: a fresh temp folder, removed by `stop()`; a given folder is left in place.
   */
  persistTo?: string;
  /** How long to wait for "Ready on" (default 180 s: first image builds are slow). */
  readyTimeoutMs?: number;
  /** Echo wrangler's output to stderr as it arrives (default: env MOORAGE_TEST_VERBOSE=1). */
  echo?: boolean;
  /**
   * The Worker's name, used to tell this session's containers from other sessions on the same engine
   * (default: `name` from the wrangler config). Without one, "created since start" is used.
   */
  workerName?: string;
}

export interface WranglerDev {
  url: string;
  port: number;
  /** Everything wrangler printed so far (stdout + stderr). */
  logs(): string;
  /** Containers of this session: workerd-named, of this Worker, not present before start. */
  containers(): Promise<DockerContainer[]>;
  /** Stops wrangler (SIGINT, then SIGKILL after 15 s) and removes this session's containers. Idempotent. */
  stop(): Promise<void>;
}

/** Starts `wrangler dev` on 127.0.0.1:<free port> with the engine env and waits until it serves. */
export async function startWranglerDev(opts: StartWranglerDevOptions): Promise<WranglerDev> {
  const engine = await requireEngine();
  const port = await freePort();
  const inspectorPort = await freePort();
  const persistDir = opts.persistTo ?? mkdtempSync(join(tmpdir(), "moorage-wrangler-state-"));
  const before = new Set((await listContainers()).map((c) => c.id));
  const clonesBefore = new Set(await unusedSnapshotClones());
  const args = [
    "dev",
    "--ip",
    "127.0.0.1",
    "--port",
    String(port),
    "--inspector-port",
    String(inspectorPort),
    "--persist-to",
    persistDir,
    "--show-interactive-dev-session=false",
    ...(opts.config ? ["--config", opts.config] : []),
    ...(opts.args ?? []),
  ];
  const echo = opts.echo ?? process.env.MOORAGE_TEST_VERBOSE === "1";
  const child = spawn(WRANGLER_BIN, args, {
    cwd: opts.cwd,
    env: {
      ...process.env,
      ...engine.env,
      // Nothing leaves the machine: no metrics, and no download of the request.cf sample data (miniflare falls back
      // to its built-in values).
      WRANGLER_SEND_METRICS: "false",
      CLOUDFLARE_CF_FETCH_ENABLED: "false",
      WRANGLER_LOG_SANITIZE: "false",
      NO_COLOR: "1",
      FORCE_COLOR: "0",
      ...opts.env,
    },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true, // own process group, so stop() reaches workerd too
  });
  let output = "";
  const onOutput = (d: Buffer) => {
    output += d.toString();
    if (echo) process.stderr.write(d);
  };
  child.stdout?.on("data", onOutput);
  child.stderr?.on("data", onOutput);
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));

  let stopped = false;
  const workerName = opts.workerName ?? readWorkerName(opts.cwd, opts.config);
  const sessionContainers = async () =>
    (await listContainers()).filter(
      (c) => !before.has(c.id) && (workerName ? belongsToWorker(c, workerName) : isWorkerdContainer(c)),
    );
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await killGroup(child, exited);
    // workerd removes its containers on a clean exit; make sure, whatever happened.
    await removeContainers((await sessionContainers()).map((c) => c.id));
    // workerd deletes the volumes it cloned for restores only when it removes the container itself; a killed
    // session leaves them. Only this session's, and only those no container uses any more.
    await removeVolumes((await unusedSnapshotClones()).filter((v) => !clonesBefore.has(v)));
    if (!opts.persistTo) rmSync(persistDir, { recursive: true, force: true });
  };

  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForReady(url, () => output, exited, opts.readyTimeoutMs ?? 180_000);
  } catch (err) {
    await stop();
    throw new Error(`${(err as Error).message}\n--- wrangler output ---\n${output.slice(-6000)}`);
  }
  return { url, port, logs: () => output, containers: sessionContainers, stop };
}

async function waitForReady(
  url: string,
  output: () => string,
  exited: Promise<number | null>,
  timeoutMs: number,
): Promise<void> {
  let exitCode: number | null | undefined;
  void exited.then((c) => {
    exitCode = c;
  });
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exitCode !== undefined) throw new Error(`wrangler dev exited with ${exitCode} before it was ready`);
    if (/Ready on https?:\/\//.test(output())) {
      // "Ready" is printed before the listener always answers; confirm with a request.
      const ok = await fetch(url, { signal: AbortSignal.timeout(5000) }).then(
        () => true,
        () => false,
      );
      if (ok) return;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`wrangler dev did not become ready on ${url} within ${timeoutMs} ms`);
}

async function killGroup(child: ChildProcess, exited: Promise<number | null>): Promise<void> {
  if (child.exitCode !== null || child.pid === undefined) return;
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(-(child.pid as number), sig);
    } catch {
      // already gone
    }
  };
  signal("SIGINT");
  const timer = new Promise<"timeout">((r) => setTimeout(() => r("timeout"), 15_000));
  if ((await Promise.race([exited, timer])) === "timeout") {
    signal("SIGKILL");
    await exited;
  }
}

/** Timing helper: milliseconds of one async call. */
/** Polls `check` every `everyMs` until it returns a truthy value, or throws naming `what` after `timeoutMs`. */
export async function until<T>(
  what: string,
  check: () => Promise<T | undefined | false>,
  timeoutMs = 30_000,
  everyMs = 250,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value) return value;
      last = value;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${String(last)})`);
}

/** The JSON objects among a log's lines (wrangler prefixes some lines; the object starts at the first `{`). */
export function jsonLines(text: string): Array<Record<string, unknown>> {
  return text
    .split("\n")
    .map((line) => line.slice(line.indexOf("{")))
    .flatMap((line) => {
      try {
        const value: unknown = JSON.parse(line);
        return value !== null && typeof value === "object" ? [value as Record<string, unknown>] : [];
      } catch {
        return [];
      }
    });
}

export async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t0 = performance.now();
  const value = await fn();
  return { ms: performance.now() - t0, value };
}

/** p50/p99 of a sample (ms). */
export function percentiles(samples: number[]): { p50: number; p99: number; n: number } {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? Number.NaN;
  return { p50: at(0.5), p99: at(0.99), n: s.length };
}

export { LOCAL_ENGINE };
