/**
 * images/bundle-sidecar.mjs — the one way the sidecar's code becomes the single file its image runs.
 *
 * Why: the sidecar image's cache key includes the bundle's bytes. The repository bundles its TypeScript when it
 * builds the image (build-sidecar.sh); the package ships a bundle made at `npm run build` (build-dist.mjs). Both
 * call this script, so the same sources give the same bytes and the same image, and a machine that runs both a
 * checkout and an app using the package does not rebuild the sidecar image back and forth.
 * Boundary: esbuild only. Usage: node bundle-sidecar.mjs <entry.ts|js> <out.mjs>
 */
import { build } from "esbuild";

const [entry, outfile] = process.argv.slice(2);
if (!entry || !outfile) {
  process.stderr.write("usage: node bundle-sidecar.mjs <entry> <outfile>\n");
  process.exit(2);
}
await build({
  entryPoints: [entry],
  outfile,
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node22",
  legalComments: "none",
  logLevel: "warning",
});
