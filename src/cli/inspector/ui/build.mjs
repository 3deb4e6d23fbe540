/**
 * Builds the inspector page at package build time (`npm run build`): bundles `main.tsx` with Preact into one
 * minified `app.js` and copies `index.html`, both into `dist/cli/inspector/ui/`, which the dev server serves.
 * Nothing is fetched at run time. Boundary: this page's build only; the TypeScript build of the rest is tsc's.
 */
import { copyFileSync, mkdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..", "..", "..");
const outDir = join(root, "dist", "cli", "inspector", "ui");

mkdirSync(outDir, { recursive: true });
await build({
  entryPoints: [join(here, "main.tsx")],
  outfile: join(outDir, "app.js"),
  bundle: true,
  minify: true,
  format: "esm",
  target: "es2022",
  jsx: "automatic",
  jsxImportSource: "preact",
  legalComments: "none",
  logLevel: "warning",
});
copyFileSync(join(here, "index.html"), join(outDir, "index.html"));
const kb = (file) => (statSync(join(outDir, file)).size / 1024).toFixed(1);
console.log(`inspector page: dist/cli/inspector/ui/app.js ${kb("app.js")} KiB, index.html ${kb("index.html")} KiB`);
