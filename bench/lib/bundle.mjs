/**
 * The one build-and-run step behind `npm run bench` and `npm run faults`: bundles a TypeScript entry with esbuild
 * into bench/.build/ and imports it.
 *
 * Why a bundle: both reuse the real-test harness (test/real/harness.ts) and the engine code in src/, which import
 * `./x.js` for `./x.ts`; Node's type stripping does not remap those, esbuild does. bench/.build/ is two folders below
 * the repo root, like test/real/ and src/engine/, so their `new URL("../..", import.meta.url)` repo-root lookups
 * still land on the repo root. Packages stay external. The bundled engine code finds its scripts and names next to
 * itself (src/engine/constants.ts reads engine.env from its own folder), so the engine's non-TypeScript files are
 * copied beside the bundle.
 * Boundary: build-and-run only.
 */
import { cpSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const ENGINE_FILES = ["engine.env", "provision.sh", "bin", "images", "sidecar"];

/** Refuses a Node older than wrangler needs, bundles `entry` (a path from the repo root) and runs it. */
export async function bundleAndRun(command, entry, outName) {
  const [major, minor] = process.versions.node.split(".").map(Number);
  if (major < 22 || (major === 22 && minor < 12)) {
    console.error(
      `${command} needs Node >= 22.12 (wrangler does); this is ${process.version}. ` +
        'Run `scripts/provision.sh node` and `eval "$(scripts/provision.sh env)"` first.',
    );
    process.exit(1);
  }
  const { build } = await import("esbuild");
  const outfile = join(REPO_ROOT, "bench", ".build", outName);
  mkdirSync(dirname(outfile), { recursive: true });
  await build({
    entryPoints: [join(REPO_ROOT, entry)],
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node22",
    packages: "external",
    sourcemap: "inline",
    logLevel: "warning",
  });
  for (const name of ENGINE_FILES) {
    cpSync(join(REPO_ROOT, "src", "engine", name), join(dirname(outfile), name), { recursive: true });
  }
  await import(pathToFileURL(outfile).href);
}
