/**
 * build-dist.mjs — completes dist/engine/ after `tsc`: the local engine's scripts, names and the sidecar bundle.
 *
 * Why: the local engine has one home, `src/engine/` (TypeScript, shell scripts, the image Dockerfile, engine.env).
 * tsc only emits JavaScript, so this copies the rest next to it, keeping the same layout (`dist/engine/` then holds
 * what `src/engine/` holds, and every path in constants.ts and the scripts is relative to that folder), and writes
 * the sidecar bundle with images/bundle-sidecar.mjs so an installed package needs no TypeScript to build the image.
 * Boundary: run by `npm run build` after tsc; touches dist/engine only.
 */
import { execFileSync } from "node:child_process";
import { chmodSync, cpSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const src = dirname(fileURLToPath(import.meta.url));
const out = join(src, "..", "..", "dist", "engine");
const assets = ["engine.env", "provision.sh", "README.md", "images", "bin"];
const skip = (path) => /\.(ts|test\.ts)$/.test(path);

for (const name of assets) {
  cpSync(join(src, name), join(out, name), { recursive: true, filter: (p) => !skip(p) });
}
for (const exe of ["provision.sh", "bin/docker", "images/build-base.sh", "images/build-sidecar.sh"]) {
  chmodSync(join(out, exe), statSync(join(src, exe)).mode);
}
execFileSync(process.execPath, [
  join(src, "images", "bundle-sidecar.mjs"),
  join(src, "sidecar", "server.ts"),
  join(out, "sidecar", "sidecar.mjs"),
]);
process.stdout.write(
  `dist/engine: ${assets.join(", ")} and sidecar/sidecar.mjs (from ${relative(process.cwd(), src)})\n`,
);
