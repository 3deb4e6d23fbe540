#!/usr/bin/env node
/**
 * `npm run bench`: bundles bench/main.ts with esbuild and runs it (arguments pass through, e.g. `--only warm`).
 *
 * Why a bundle: the bench reuses the real-test harness (test/real/harness.ts) and the engine code in src/, which
 * import `./x.js` for `./x.ts`; Node's type stripping does not remap those, esbuild does. The bundle is written to
 * bench/.build/ (two folders below the repo root, like test/real/ and src/engine/, so their
 * `new URL("../..", import.meta.url)` repo-root lookups still land on the repo root). Packages stay external.
 * Boundary: build-and-run only; the bench itself lives in bench/main.ts.
 */
import { cpSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const REPO_ENGINE = join(here, "..", "src", "engine");
const [major, minor] = process.versions.node.split(".").map(Number);
if (major < 22 || (major === 22 && minor < 12)) {
  console.error(
    `npm run bench needs Node >= 22.12 (wrangler does); this is ${process.version}. ` +
      'Run `scripts/provision.sh` and `eval "$(scripts/provision.sh env)"` first.',
  );
  process.exit(1);
}
const { build } = await import("esbuild");
const outfile = join(here, ".build", "main.mjs");
mkdirSync(dirname(outfile), { recursive: true });
await build({
  entryPoints: [join(here, "main.ts")],
  outfile,
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node22",
  packages: "external",
  sourcemap: "inline",
  logLevel: "warning",
});
// The bundled engine code finds its scripts and names next to itself (src/engine/constants.ts reads engine.env from
// its own folder), so the bundle gets the engine's non-TypeScript files beside it.
for (const entry of ["engine.env", "provision.sh", "bin", "images", "sidecar"]) {
  cpSync(join(REPO_ENGINE, entry), join(dirname(outfile), entry), { recursive: true });
}
await import(pathToFileURL(outfile).href);
