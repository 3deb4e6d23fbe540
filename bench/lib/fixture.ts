/**
 * Prepares bench/fixture for `wrangler dev`: what `npm install` + `moorage generate && moorage sync` would do in a
 * real app, offline.
 *
 * - snapshots the built package (package.json, dist, templates, engine) into bench/.build/pkg once per run: other engineers rebuild
 *   dist/ (`rm -rf dist && tsc`) while the bench runs, so everything below uses this one consistent copy.
 * - `bench/fixture/node_modules/moorage` -> that snapshot (the Worker imports `moorage`, `moorage/do`, `moorage/server`).
 * - `bench/fixture/container/node_modules/moorage` = the same snapshot, copied into the image's build context so the
 *   container can `import("moorage/bridge")` (a real image would `npm install moorage`).
 * - runs the BUILT CLI (the snapshot's `dist/cli/main.js`) generate + sync in the fixture, as a user would. The
 *   snapshot sits two folders below the repo, so its own dependencies (esbuild, jsonc-parser, @cloudflare/containers)
 *   still resolve from the repo's node_modules.
 * Boundary: writes only inside bench/fixture and bench/.build (gitignored except the generated file and wrangler.jsonc).
 */
import { execFile } from "node:child_process";
import { cpSync, existsSync, lstatSync, mkdirSync, readFileSync, rmSync, statSync, symlinkSync } from "node:fs";
import { join, relative } from "node:path";
import { promisify } from "node:util";
import { REPO_ROOT } from "../../test/real/harness.js";

const execFileP = promisify(execFile);

export const FIXTURE = join(REPO_ROOT, "bench", "fixture");
/** The run's private copy of the built package. */
export const PACKAGE_SNAPSHOT = join(REPO_ROOT, "bench", ".build", "pkg");
export const CLI = join(PACKAGE_SNAPSHOT, "dist", "cli", "main.js");
const BUILT_CLI = join(REPO_ROOT, "dist", "cli", "main.js");

function isLink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

/** Fails with the fix when the package is not built (the bench measures the built CLI and the built dist). */
export function requireBuilt(): { builtAt: string } {
  if (!existsSync(BUILT_CLI)) {
    throw new Error(`moorage is not built (${relative(REPO_ROOT, BUILT_CLI)} is missing): run \`npm run build\` first`);
  }
  return { builtAt: statSync(BUILT_CLI).mtime.toISOString() };
}

/** package.json "files": the one list of what the package ships. */
function packageFiles(): string[] {
  return (JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as { files: string[] }).files;
}

/**
 * Copies package.json + dist into PACKAGE_SNAPSHOT. A concurrent rebuild can leave dist/ half-written: the copy is
 * retried (bounded) until the entry points it needs are all present in it.
 */
export async function snapshotPackage(log: (line: string) => void, dest = PACKAGE_SNAPSHOT): Promise<void> {
  const needed = ["index.js", "cli/main.js", "do/index.js", "server/index.js", "bridge/index.js"];
  for (let attempt = 1; attempt <= 30; attempt++) {
    rmSync(dest, { recursive: true, force: true });
    mkdirSync(dest, { recursive: true });
    try {
      cpSync(join(REPO_ROOT, "package.json"), join(dest, "package.json"));
      // What the published package holds: package.json "files" (dist with the engine, templates, docs).
      for (const entry of packageFiles()) {
        if (existsSync(join(REPO_ROOT, entry))) cpSync(join(REPO_ROOT, entry), join(dest, entry), { recursive: true });
      }
      if (needed.every((f) => existsSync(join(dest, "dist", f)))) {
        log(`snapshot of the built package (dist built ${requireBuilt().builtAt})`);
        return;
      }
    } catch {
      // dist/ changed under the copy (a rebuild in progress): try again.
    }
    await new Promise((r) => setTimeout(r, 2000));
  }
  throw new Error("dist/ stayed incomplete for 60 s (a rebuild in progress?); run `npm run build` and try again");
}

export async function prepareFixture(log: (line: string) => void): Promise<void> {
  requireBuilt();
  await snapshotPackage(log);
  const link = join(FIXTURE, "node_modules", "moorage");
  mkdirSync(join(FIXTURE, "node_modules"), { recursive: true });
  if (existsSync(link) || isLink(link)) rmSync(link, { recursive: true, force: true });
  symlinkSync(relative(join(FIXTURE, "node_modules"), PACKAGE_SNAPSHOT), link, "dir");

  const vendored = join(FIXTURE, "container", "node_modules", "moorage");
  rmSync(vendored, { recursive: true, force: true });
  cpSync(PACKAGE_SNAPSHOT, vendored, { recursive: true });

  await generateAndSync(FIXTURE, CLI, log);
}

/** `moorage generate && moorage sync` in `dir` with the snapshot's built CLI, as a user would run them. */
export async function generateAndSync(dir: string, cli: string, log: (line: string) => void): Promise<void> {
  for (const command of ["generate", "sync"]) {
    const { stdout, stderr } = await execFileP(process.execPath, [cli, command, "--cwd", dir], {
      env: { ...process.env, NO_COLOR: "1" },
    });
    log(`moorage ${command}: ${`${stdout}${stderr}`.trim().split("\n").slice(-1)[0] ?? "ok"}`);
  }
}
