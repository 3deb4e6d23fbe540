/**
 * Shared by the CLI's unit tests: an `Output` that records every line (with its level) instead of printing, and
 * temporary folders removed after the file's tests.
 */
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll } from "vitest";
import type { Output } from "../../src/cli/output.js";

export function captureOutput(): Output & { lines: string[]; text(): string } {
  const lines: string[] = [];
  return {
    lines,
    text: () => lines.join("\n"),
    info: (l) => lines.push(l),
    error: (l) => lines.push(l),
    ok: (l) => lines.push(`ok ${l}`),
    warn: (l) => lines.push(`warn ${l}`),
    fail: (l) => lines.push(`fail ${l}`),
    dim: (t) => t,
    bold: (t) => t,
  };
}

/** A list of temporary folders that is emptied (and the folders removed) after the calling test file. */
export function tempFolders(): string[] {
  const temps: string[] = [];
  afterAll(() => {
    for (const t of temps) rmSync(t, { recursive: true, force: true });
  });
  return temps;
}

/**
 * A temporary copy of `test/fixtures/worker-project` set up as an installed app (its node_modules linked from
 * this repo, `moorage` -> this repo, `.bin/wrangler`), and a runner for the built CLI (`dist/cli/main.js`) in it.
 */
export function linkedWorkerProject(temps: string[]): {
  root: string;
  moorage(...args: string[]): { code: number | null; all: string };
} {
  const repo = resolve(import.meta.dirname, "..", "..");
  const root = join(mkdtempSync(join(tmpdir(), "moorage-app-")), "acme-media");
  temps.push(resolve(root, ".."));
  cpSync(join(repo, "test", "fixtures", "worker-project"), root, { recursive: true });
  const modules = join(root, "node_modules");
  mkdirSync(join(modules, ".bin"), { recursive: true });
  mkdirSync(join(modules, "@cloudflare"), { recursive: true });
  for (const dep of [
    "wrangler",
    "typescript",
    "esbuild",
    "jsonc-parser",
    "@cloudflare/containers",
    "@cloudflare/workers-types",
  ]) {
    if (existsSync(join(repo, "node_modules", dep))) symlinkSync(join(repo, "node_modules", dep), join(modules, dep));
  }
  symlinkSync(repo, join(modules, "moorage"));
  symlinkSync(join("..", "wrangler", "bin", "wrangler.js"), join(modules, ".bin", "wrangler"));
  const cli = join(repo, "dist", "cli", "main.js");
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run \`npm run build\` first`);
  return {
    root,
    moorage(...args) {
      const r = spawnSync(process.execPath, [cli, ...args], {
        cwd: root,
        encoding: "utf8",
        env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: undefined },
        timeout: 120_000,
      });
      return { code: r.status, all: `${r.stdout}${r.stderr}` };
    },
  };
}
