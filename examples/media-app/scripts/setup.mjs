#!/usr/bin/env node
/**
 * One-time local setup for the media-app example (also run by `npm run demo` and the real-container suite).
 *
 * Why it exists: this example lives inside the Moorage repo and must work offline.
 * - `package.json` depends on `"moorage": "file:../.."`; `npm install` would make `node_modules/moorage` a symlink
 *   to the repo. With no registry reachable `npm install` cannot run, so this makes that same symlink, and links
 *   the example's other dependencies (wrangler, valibot, workers-types) from the repo's own node_modules.
 * - The renderer image imports `moorage/bridge`. A real app's Dockerfile would `npm install moorage`; here the
 *   built package (package.json + dist) is copied into the build context as `containers/node_modules/moorage`.
 * - The terminal page's xterm.js, its CSS and its fit addon are copied from node_modules into `public/vendor`
 *   (served as assets).
 * - `.dev.vars` is created from `.dev.vars.example` when missing (never overwritten).
 * - The Secrets Store value behind `SIGNING_KEYS` is seeded into wrangler's local store with wrangler's own
 *   `secrets-store secret create` (no `--remote`: local, offline).
 * Boundary: touches only the example folder it is given (and reads the repo's `dist/`).
 */
import { spawnSync } from "node:child_process";
import {
  chmodSync,
  copyFileSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
} from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));

/** The value seeded into the local Secrets Store; tests compare its fingerprint inside the container. */
export const LOCAL_SIGNING_KEY = "local-signing-key-2c9e";

/**
 * Prepares `appDir` (default: this example) against the Moorage checkout at `repoRoot`.
 * `persistTo` is wrangler's local state folder (default `<appDir>/.wrangler/state`).
 */
export function setup({
  appDir = resolve(here, ".."),
  repoRoot = resolve(here, "../../.."),
  persistTo,
  log = console.log,
} = {}) {
  const dist = join(repoRoot, "dist");
  if (!existsSync(join(dist, "index.js"))) {
    throw new Error(`moorage is not built: ${dist}/index.js is missing. Run \`npm run build\` in ${repoRoot} first.`);
  }

  // What `npm install` would give this folder: moorage from the repo (file:../..), every other dependency from
  // the repo's own node_modules (same versions: the repo pins them in its lockfile).
  const pkg = JSON.parse(readFileSync(join(appDir, "package.json"), "utf8"));
  for (const name of Object.keys({ ...pkg.dependencies, ...pkg.devDependencies })) {
    const target = name === "moorage" ? repoRoot : join(repoRoot, "node_modules", name);
    if (!existsSync(target)) throw new Error(`${name} is not installed in ${repoRoot}; run \`npm ci\` there first`);
    const link = join(appDir, "node_modules", name);
    mkdirSync(dirname(link), { recursive: true });
    if (existsSync(link) || isLink(link)) rmSync(link, { recursive: true, force: true });
    symlinkSync(relative(dirname(link), target), link, "dir");
    linkBins(appDir, name, target);
  }
  log(
    `linked node_modules/{${Object.keys({ ...pkg.dependencies, ...pkg.devDependencies }).join(",")}} (moorage -> ${repoRoot})`,
  );

  const vendored = join(appDir, "containers", "node_modules", "moorage");
  rmSync(vendored, { recursive: true, force: true });
  mkdirSync(vendored, { recursive: true });
  copyFileSync(join(repoRoot, "package.json"), join(vendored, "package.json"));
  cpSync(dist, join(vendored, "dist"), { recursive: true });
  log(`copied moorage (package.json + dist) into ${relative(appDir, vendored)} for the renderer image`);

  // The terminal page's xterm.js, served as the app's own assets (public/vendor), so the page needs no network.
  const vendor = join(appDir, "public", "vendor");
  mkdirSync(vendor, { recursive: true });
  const xterm = join(appDir, "node_modules", "@xterm", "xterm");
  copyFileSync(join(xterm, "lib", "xterm.js"), join(vendor, "xterm.js"));
  copyFileSync(join(xterm, "css", "xterm.css"), join(vendor, "xterm.css"));
  // The fit addon sizes the terminal to its element (the page fills the window), so the PTY gets the real size.
  const fit = join(appDir, "node_modules", "@xterm", "addon-fit");
  copyFileSync(join(fit, "lib", "addon-fit.js"), join(vendor, "addon-fit.js"));
  log("copied xterm.js, xterm.css and addon-fit.js into public/vendor for the terminal page");

  const devVars = join(appDir, ".dev.vars");
  if (!existsSync(devVars)) {
    copyFileSync(join(appDir, ".dev.vars.example"), devVars);
    log("created .dev.vars from .dev.vars.example");
  }

  const state = persistTo ?? join(appDir, ".wrangler", "state");
  const wrangler = join(repoRoot, "node_modules", "wrangler", "bin", "wrangler.js");
  const args = ["secrets-store", "secret", "create", "media-app-local", "--name", "signing-key"];
  const result = spawnSync(
    process.execPath,
    [wrangler, ...args, "--value", LOCAL_SIGNING_KEY, "--scopes", "workers", "--persist-to", state],
    { cwd: appDir, encoding: "utf8", env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "true" } },
  );
  const output = `${result.stdout}\n${result.stderr}`;
  if (result.status === 0) log("seeded the local Secrets Store (media-app-local/signing-key)");
  else if (/already exists/i.test(output)) log("local Secrets Store already seeded");
  else throw new Error(`seeding the local Secrets Store failed (wrangler ${args.join(" ")}):\n${output.trim()}`);
}

/** `node_modules/.bin/<bin>` links, as npm makes them, so `npm run dev` finds `moorage` and `wrangler`. */
function linkBins(appDir, name, target) {
  const { bin } = JSON.parse(readFileSync(join(target, "package.json"), "utf8"));
  const bins = typeof bin === "string" ? { [name.split("/").pop()]: bin } : (bin ?? {});
  for (const [command, file] of Object.entries(bins)) {
    const link = join(appDir, "node_modules", ".bin", command);
    mkdirSync(dirname(link), { recursive: true });
    if (existsSync(link) || isLink(link)) rmSync(link, { force: true });
    symlinkSync(relative(dirname(link), join(appDir, "node_modules", name, file)), link);
    chmodSync(join(target, file), 0o755); // npm marks bin targets executable when it links them; so do we
  }
}

function isLink(path) {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    setup();
  } catch (error) {
    console.error(`setup: ${error.message}`);
    process.exit(1);
  }
}
