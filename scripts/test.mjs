#!/usr/bin/env node
/**
 * `npm test`: everything a fresh checkout needs to run both suites, then both suites.
 *
 * Steps: Node >= 22.12 (re-run under it when the machine's is older) -> the local container engine and images ->
 * build -> typecheck -> lint -> vitest (`unit` and `real`). Arguments after `--` go to vitest, e.g.
 * `npm test -- --project unit`. MOORAGE_NO_ENGINE=1 skips provisioning (the real suite then skips loudly, or
 * fails under CI=true, as the harness decides).
 * When the engine cannot be had (no root, no package manager) the script prints what to install and still runs
 * the unit suite; under CI=true that is a failure, because CI must run the real-container suite.
 * Boundary: sequencing only; provisioning is scripts/provision.sh, the checks are package.json scripts.
 */
import { ensureNode, inCi, logger, provisionEngine, ROOT, run } from "./toolchain.mjs";

const say = logger("test");
await ensureNode(say);

const vitestArgs = process.argv.slice(2);
let env = { ...process.env };
if (process.env.MOORAGE_NO_ENGINE === "1") {
  say("MOORAGE_NO_ENGINE=1: not provisioning the container engine");
} else {
  const engine = provisionEngine(say);
  if (engine.ok) env = { ...env, ...engine.env };
  else {
    say(`no local container engine: ${engine.reason}`);
    if (inCi()) say.fail("CI=true: the real-container suite must run, so a missing engine fails the run");
    say("continuing: the real-container suite will be skipped (install what the lines above name, then re-run)");
  }
}

const steps = [
  ["build", "npm", ["run", "--silent", "build"]],
  ["typecheck", "npm", ["run", "--silent", "typecheck"]],
  ["lint", "npm", ["run", "--silent", "lint"]],
  ["unit and real-container suites", "npx", ["vitest", "run", ...vitestArgs]],
];
for (const [index, [title, command, args]] of steps.entries()) {
  say(`step ${index + 1}/${steps.length}: ${title}`);
  const code = run(command, args, { cwd: ROOT, env });
  if (code !== 0) say.fail(`${title} failed (exit ${code})`);
}
