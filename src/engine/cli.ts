/**
 * The local engine's face in the CLI: which sidecar the user asked for, what the
 * engine means for `dev` and `deploy`, and the lines `doctor` prints about it.
 *
 * Why a seam: the engine module decides (Docker engine, buildx, which sidecar, images); the CLI decides what a
 * problem means for each command and how to say it. Every command reaches the engine through an
 * `EngineResolver` (`resolveLocalEngine` unless a test injects a fake), so unit tests need no Docker.
 *
 * No Docker engine is a warning, not an error, for `dev` and `deploy`: wrangler still starts with the user's own
 * environment, so work on Worker code (or `--enable-containers=false`, or a deploy of registry images) goes on,
 * and wrangler reports itself when it needs Docker. Only an explicit `--sidecar official` that cannot be honoured
 * stops `dev`, because silently using another sidecar would hide what the user asked to test.
 * Boundary: no Docker calls here; Node-only.
 */

import type { Check } from "../cli/check.js";
import { CommandFailed, UsageError } from "../cli/errors.js";
import type { Output } from "../cli/output.js";
import {
  LOCAL_ENGINE,
  type LocalEngine,
  LocalEngineError,
  type ResolveLocalEngineOptions,
  resolveLocalEngine,
  type SidecarChoice,
} from "./index.js";

/** What commands call to find the engine; `resolveLocalEngine` in production, a fake in unit tests. */
export type EngineResolver = (options: ResolveLocalEngineOptions) => Promise<LocalEngine>;

export const defaultEngineResolver: EngineResolver = resolveLocalEngine;

export const SIDECAR_CHOICES: readonly SidecarChoice[] = ["auto", "official", "moorage"];

const SIDECAR_ENV = LOCAL_ENGINE.envVars.sidecarChoice;

function isSidecarChoice(value: string): value is SidecarChoice {
  return (SIDECAR_CHOICES as readonly string[]).includes(value);
}

/** `--sidecar` when given, else `MOORAGE_SIDECAR`, else `auto`; a bad value is a usage error naming its source. */
export function sidecarChoice(
  command: string,
  flag: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): SidecarChoice {
  if (flag !== undefined) {
    if (isSidecarChoice(flag)) return flag;
    throw new UsageError(
      `moorage ${command}: --sidecar must be ${SIDECAR_CHOICES.join(", ")} (got ${JSON.stringify(flag)})`,
    );
  }
  const fromEnv = env[SIDECAR_ENV];
  if (fromEnv === undefined || fromEnv === "") return "auto";
  if (isSidecarChoice(fromEnv)) return fromEnv;
  throw new UsageError(
    `moorage ${command}: ${SIDECAR_ENV}=${fromEnv} is not a sidecar choice; set it to ${SIDECAR_CHOICES.join(", ")}, or pass --sidecar`,
  );
}

/** The engine's own sentence without the `-> fix` line it appends (the CLI prints the fix its own way). */
function problemText(error: LocalEngineError): string {
  const cut = error.message.lastIndexOf("\n  -> ");
  const text = cut === -1 ? error.message : error.message.slice(0, cut);
  return text.split("\n")[0] ?? text;
}

/** The one line `dev` prints about the engine: which sidecar, and why. */
export function sidecarLine(engine: LocalEngine): string {
  return `sidecar: ${engine.sidecar === "moorage" ? "Moorage's" : "the official"} (${engine.images.sidecar}), because ${engine.reason}`;
}

function buildxNote(engine: LocalEngine): string {
  return engine.buildx
    ? "buildx present: wrangler's image builds run unchanged"
    : "buildx not installed: Moorage's docker shim runs wrangler's buildx-only build flags (--load, --platform, --provenance=false) on the legacy builder for `moorage dev` and `moorage deploy`";
}

/**
 * For `dev`: starts (and, when needed, builds the images of) the local engine and returns the variables to give
 * wrangler. Returns `{}` after a warning when the engine cannot be used, so wrangler runs as the user set it up.
 */
export async function engineForDev(
  resolve: EngineResolver,
  sidecar: SidecarChoice,
  out: Output,
): Promise<Record<string, string>> {
  try {
    const engine = await resolve({
      sidecar,
      images: "ensure",
      // Image builds can take a while on a first run: show their progress. The decision line is ours (below).
      log: (line) => {
        if (!line.startsWith("sidecar:")) out.info(out.dim(`engine: ${line}`));
      },
    });
    out.ok(sidecarLine(engine));
    return engine.env;
  } catch (error) {
    if (!(error instanceof LocalEngineError)) throw error;
    if (error.code === "official-sidecar-unavailable") {
      throw new CommandFailed(`moorage dev: ${problemText(error)}\n  fix: ${error.hint}`);
    }
    out.warn(
      `${problemText(error)}; starting wrangler dev without Moorage's local engine, so containers will not start\n        ${out.dim(`fix: ${error.hint}; or pass --enable-containers=false to work on the Worker without containers`)}`,
    );
    return {};
  }
}

/**
 * For `deploy`: the engine's Docker host and docker shim, for wrangler's image builds (the shim covers a docker
 * without buildx). No sidecar is involved, so none is pulled or built. `{}` after a warning when there is no engine.
 */
export async function engineForDeploy(resolve: EngineResolver, out: Output): Promise<Record<string, string>> {
  try {
    // "moorage" skips the official sidecar's pull attempt; `skip` builds nothing: deploy only needs Docker.
    const engine = await resolve({ sidecar: "moorage", images: "skip" });
    out.ok(`image builds: Docker ${engine.engineVersion} at ${engine.dockerHost}; ${buildxNote(engine)}`);
    // Nothing local-only reaches what deploy builds: no sidecar image, and the shim's local base-image swaps are
    // switched off explicitly (empty), even when the user's shell exported them for `wrangler dev`.
    const { [LOCAL_ENGINE.envVars.egressImage]: _sidecarImage, ...env } = engine.env;
    return { ...env, [LOCAL_ENGINE.envVars.localBases]: "" };
  } catch (error) {
    if (!(error instanceof LocalEngineError)) throw error;
    out.warn(
      `${problemText(error)}; wrangler deploy runs with your own Docker settings (it needs Docker only to build Dockerfile images)\n        ${out.dim(`fix: ${error.hint}`)}`,
    );
    return {};
  }
}

function problemCheck(error: LocalEngineError): Check {
  return { level: "fail", message: problemText(error), fix: error.hint };
}

/**
 * For `doctor`: Docker engine reachable, buildx (and that the shim covers its absence), which sidecar `moorage
 * dev` would use and why, and whether the images it needs are already there. Builds and pulls nothing beyond the
 * engine's own pull attempt for the official sidecar in `auto` mode (remembered when it fails).
 */
export async function engineChecks(resolve: EngineResolver, sidecar: SidecarChoice): Promise<Check[]> {
  let engine: LocalEngine;
  let missingImage: LocalEngineError | undefined;
  try {
    engine = await resolve({ sidecar, images: "check" });
  } catch (error) {
    if (!(error instanceof LocalEngineError)) throw error;
    if (error.code !== "image-missing") return [problemCheck(error)];
    // Still say which path is in use; the missing image gets its own line.
    missingImage = error;
    engine = await resolve({ sidecar, images: "skip" });
  }
  const images =
    engine.sidecar === "moorage"
      ? `sidecar ${engine.images.sidecar} and base ${engine.images.nodeBase}`
      : `base ${engine.images.nodeBase}`;
  return [
    {
      level: "ok",
      message: `Docker engine ${engine.engineVersion} at ${engine.dockerHost} (docker CLI ${engine.dockerCli})`,
    },
    { level: "ok", message: buildxNote(engine) },
    { level: "ok", message: sidecarLine(engine) },
    missingImage
      ? {
          level: "warn",
          message: `${problemText(missingImage)} (\`moorage dev\` builds it from host files on start)`,
          fix: missingImage.hint,
        }
      : { level: "ok", message: `local images available: ${images}` },
  ];
}
