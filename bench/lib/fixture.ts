/**
 * Prepares bench/fixture for `wrangler dev`: what `npm install` + `moorage generate && moorage sync` would do in a
 * real app, offline.
 *
 * - `bench/fixture/node_modules/moorage` -> the repo (the Worker imports `moorage`, `moorage/do`, `moorage/server`).
 * - `bench/fixture/container/node_modules/moorage` = the built package (package.json + dist), copied into the image's
 *   build context so the container can `import("moorage/bridge")` (a real image would `npm install moorage`).
 * - runs the BUILT CLI (`dist/cli/main.js`) generate + sync in the fixture, as a user would.
 * Boundary: writes only inside bench/fixture (all of it gitignored except the generated file and wrangler.jsonc).
 */
import { execFile } from "node:child_process";
import { cpSync, existsSync, lstatSync, mkdirSync, rmSync, statSync, symlinkSync } from "node:fs";
import { join, relative } from "node:path";
import { promisify } from "node:util";
import { REPO_ROOT } from "../../test/real/harness.js";

const execFileP = promisify(execFile);

export const FIXTURE = join(REPO_ROOT, "bench", "fixture");
export const CLI = join(REPO_ROOT, "dist", "cli", "main.js");

function isLink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

/** Fails with the fix when the package is not built (the bench measures the built CLI and the built dist). */
export function requireBuilt(): { builtAt: string } {
  if (!existsSync(CLI)) {
    throw new Error(`moorage is not built (${relative(REPO_ROOT, CLI)} is missing): run \`npm run build\` first`);
  }
  return { builtAt: statSync(CLI).mtime.toISOString() };
}

export async function prepareFixture(log: (line: string) => void): Promise<void> {
  requireBuilt();
  const link = join(FIXTURE, "node_modules", "moorage");
  mkdirSync(join(FIXTURE, "node_modules"), { recursive: true });
  if (existsSync(link) || isLink(link)) rmSync(link, { recursive: true, force: true });
  symlinkSync(relative(join(FIXTURE, "node_modules"), REPO_ROOT), link, "dir");

  const vendored = join(FIXTURE, "container", "node_modules", "moorage");
  rmSync(vendored, { recursive: true, force: true });
  mkdirSync(vendored, { recursive: true });
  cpSync(join(REPO_ROOT, "package.json"), join(vendored, "package.json"));
  cpSync(join(REPO_ROOT, "dist"), join(vendored, "dist"), { recursive: true });

  for (const command of ["generate", "sync"]) {
    const { stdout, stderr } = await execFileP(process.execPath, [CLI, command, "--cwd", FIXTURE], {
      env: { ...process.env, NO_COLOR: "1" },
    });
    log(`moorage ${command}: ${`${stdout}${stderr}`.trim().split("\n").slice(-1)[0] ?? "ok"}`);
  }
}
