/**
 * `npm run faults`: the whole fault matrix of issue 10 §4, then bench/results/faults.json and faults.md.
 * Options: `--only kill-mid-request,herd-50` (a subset: results go to bench/results/faults-partial.*).
 * Bounded: each fault has a fixed traffic duration and per-request budgets; a watchdog ends the run at 10 minutes.
 * Cleanup (wrangler dev, its containers, the temp fixture) runs on success, failure and SIGINT/SIGTERM.
 * Boundary: loopback and this session's containers only; writes bench/results/ only.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describeMachine } from "../../bench/lib/machine.js";
import { REPO_ROOT } from "../real/harness.js";
import { engineRestartRow } from "./engine-restart.js";
import type { FaultRow } from "./faults.js";
import { runMatrix } from "./matrix.js";
import { faultsMarkdown } from "./report.js";

const t0 = Date.now();
const log = (line: string) => process.stderr.write(`[faults +${((Date.now() - t0) / 1000).toFixed(1)}s] ${line}\n`);
const argv = process.argv.slice(2);
const onlyArg = argv.find((a) => a.startsWith("--only"));
const only = onlyArg ? (onlyArg.split("=")[1] ?? argv[argv.indexOf(onlyArg) + 1] ?? "").split(",") : undefined;

let cleanup: (() => Promise<void>) | undefined;
const bail = (why: string) => {
  log(`${why}: cleaning up`);
  void (cleanup?.() ?? Promise.resolve()).finally(() => process.exit(130));
};
for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.once(sig, () => bail(sig));
const watchdog = setTimeout(() => bail("watchdog: the matrix exceeded 10 minutes"), 10 * 60_000);
watchdog.unref();

try {
  const machine = await describeMachine();
  const matrixOnly = only?.filter((id) => id !== "engine-restart");
  const rows: FaultRow[] =
    matrixOnly?.length === 0
      ? []
      : await runMatrix({
          only: matrixOnly,
          log,
          onCleanup: (c) => {
            cleanup = c;
          },
        });
  if (!only || only.includes("engine-restart")) rows.push(await engineRestartRow(log));
  const dir = join(REPO_ROOT, "bench", "results");
  mkdirSync(dir, { recursive: true });
  const base = only ? "faults-partial" : "faults";
  const md = faultsMarkdown(rows, machine, (Date.now() - t0) / 1000);
  writeFileSync(join(dir, `${base}.json`), `${JSON.stringify({ machine, rows }, null, 2)}\n`);
  writeFileSync(join(dir, `${base}.md`), md);
  process.stdout.write(`${md}\n`);
  log(`wrote bench/results/${base}.json and ${base}.md`);
  if (rows.some((r) => !r.pass && !r.skipped)) process.exitCode = 1;
} catch (err) {
  log(`fault matrix failed: ${(err as Error).stack ?? err}`);
  process.exitCode = 1;
} finally {
  clearTimeout(watchdog);
}
