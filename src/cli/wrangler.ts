/**
 * Finding and running the project's own wrangler. Moorage never bundles or downloads wrangler: the version the
 * project pinned in its `node_modules` is the one whose config schema `sync` wrote for and whose `dev`/`deploy`
 * the user expects.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { CommandFailed } from "./errors.js";

const BIN = process.platform === "win32" ? "wrangler.cmd" : "wrangler";

/** `node_modules/.bin/wrangler` in the project root or the nearest folder above it (workspaces hoist). */
export function findWrangler(root: string): string | undefined {
  for (let folder = root; ; folder = dirname(folder)) {
    const candidate = join(folder, "node_modules", ".bin", BIN);
    if (existsSync(candidate)) return candidate;
    if (dirname(folder) === folder) return undefined;
  }
}

export function requireWrangler(root: string): string {
  const bin = findWrangler(root);
  if (!bin) {
    throw new CommandFailed(
      `moorage: wrangler is not installed in this project (looked for node_modules/.bin/wrangler from ${root} up); run \`npm install -D wrangler\``,
    );
  }
  return bin;
}

/** `wrangler --version`, e.g. "4.164.0", or undefined when it does not run. */
export function wranglerVersion(bin: string, cwd: string): string | undefined {
  const result = spawnSync(bin, ["--version"], { cwd, encoding: "utf8", timeout: 30_000 });
  if (result.status !== 0) return undefined;
  return result.stdout.match(/\d+\.\d+\.\d+\S*/)?.[0];
}

export interface RunningWrangler {
  /** Resolves with wrangler's exit code. */
  exited: Promise<number>;
  kill(signal?: NodeJS.Signals): void;
}

/**
 * Starts wrangler with inherited stdio (its prompts and colours stay wrangler's own). With `onOutput`, its stdout
 * and stderr pass through this process instead (written on unchanged, and handed to `onOutput`), keeping colours
 * when this terminal has them.
 */
export function runWrangler(
  bin: string,
  args: string[],
  options: {
    cwd: string;
    env?: Record<string, string>;
    onOutput?: (chunk: Buffer, stream: "stdout" | "stderr") => void;
  },
): RunningWrangler {
  const tap = options.onOutput;
  const env: NodeJS.ProcessEnv = { ...process.env, ...options.env };
  if (tap && process.stdout.isTTY && env.FORCE_COLOR === undefined && env.NO_COLOR === undefined) env.FORCE_COLOR = "1";
  const child = spawn(bin, args, { cwd: options.cwd, stdio: tap ? ["inherit", "pipe", "pipe"] : "inherit", env });
  if (tap) {
    child.stdout?.on("data", (chunk: Buffer) => {
      process.stdout.write(chunk);
      tap(chunk, "stdout");
    });
    child.stderr?.on("data", (chunk: Buffer) => {
      process.stderr.write(chunk);
      tap(chunk, "stderr");
    });
  }
  // Ctrl-C reaches wrangler through the terminal's process group, but `kill <moorage pid>` (a supervisor, a test
  // harness) reaches only us: forward it so wrangler and its workerd never outlive the command.
  const forward = (signal: NodeJS.Signals) => child.kill(signal);
  const signals: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];
  for (const signal of signals) process.on(signal, forward);
  const exited = new Promise<number>((resolve, reject) => {
    child.on("error", (error) => reject(new CommandFailed(`moorage: could not start ${bin}: ${error.message}`)));
    child.on("exit", (code, signal) => {
      for (const s of signals) process.off(s, forward);
      resolve(code ?? (signal ? 1 : 0));
    });
  });
  return { exited, kill: (signal = "SIGTERM") => child.kill(signal) };
}
