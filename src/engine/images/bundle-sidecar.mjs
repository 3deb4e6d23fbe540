/**
 * images/bundle-sidecar.mjs — the one way the sidecar's code becomes the single file its image runs.
 *
 * Why: the sidecar image's cache key includes the bundle's bytes. The repository bundles its TypeScript when it
 * builds the image (build-sidecar.sh); the package ships a bundle made at `npm run build` (build-dist.mjs). Both
 * call this script, so the same sources give the same bytes and the same image, and a machine that runs both a
 * checkout and an app using the package does not rebuild the sidecar image back and forth.
 * The bytes must not depend on where the sources sit either (see absWorkingDir below).
 * Boundary: esbuild only. Usage: node bundle-sidecar.mjs <entry.ts|js> <out.mjs>
 */
import { dirname, resolve } from "node:path";
import { build } from "esbuild";

const [entry, outfile] = process.argv.slice(2);
if (!entry || !outfile) {
  process.stderr.write("usage: node bundle-sidecar.mjs <entry> <outfile>\n");
  process.exit(2);
}
// esbuild writes each module's path, relative to its working directory, as a comment in the bundle. Working from the
// entry's own folder keeps those comments (so the bytes, so the image's cache key) the same wherever the sources
// sit: src/engine, a bundle copy under bench/.build, or a checkout in another folder.
await build({
  absWorkingDir: dirname(resolve(entry)),
  entryPoints: [resolve(entry)],
  outfile: resolve(outfile),
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node22",
  legalComments: "none",
  logLevel: "warning",
});
