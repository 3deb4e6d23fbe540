/**
 * Runs the fault matrix (or a subset) against one `wrangler dev` session of the fault fixture: prepares a temp copy
 * of bench/faults/fixture (the built package linked in, `moorage generate && moorage sync` run there with the built
 * CLI), starts wrangler dev through the real-test harness, follows the app containers, runs each fault in turn.
 * Used by `npm run faults` (main.ts, the whole matrix) and by test/real/faults.test.ts (a bounded subset).
 * Boundary: the temp folder and this session's containers only; the harness removes the containers on stop.
 */
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateAndSync, snapshotPackage } from "../../bench/lib/fixture.js";
import { REPO_ROOT, requireEngine, startWranglerDev, type WranglerDev } from "../real/harness.js";
import { emptyRow, FAULTS, type Fault, type FaultContext, type FaultRow, runFault } from "./faults.js";
import { AppFollower } from "./follower.js";

export const FAULT_WORKER = "moorage-faults";
const FIXTURE = join(REPO_ROOT, "bench", "faults", "fixture");
/** This run's copy of the built package (not the bench's: the two may run at once). */
const SNAPSHOT = join(REPO_ROOT, "bench", ".build", `faults-pkg-${process.pid}`);
const SKIP = new Set(["node_modules", ".wrangler", "_generated"]);

export interface MatrixOptions {
  /** Fault ids to run (default: all). */
  only?: readonly string[];
  log?: (line: string) => void;
  /** Called with the session's cleanup as soon as there is one (for signal handlers). */
  onCleanup?: (cleanup: () => Promise<void>) => void;
}

/** Copies the fixture into a temp folder, links the built package, generates and syncs. Returns the folder. */
export async function prepareFaultFixture(log: (line: string) => void): Promise<string> {
  await snapshotPackage(log, SNAPSHOT);
  const dir = mkdtempSync(join(tmpdir(), "moorage-faults-"));
  cpSync(FIXTURE, dir, { recursive: true, filter: (src) => !SKIP.has(src.slice(src.lastIndexOf("/") + 1)) });
  mkdirSync(join(dir, "node_modules"), { recursive: true });
  symlinkSync(SNAPSHOT, join(dir, "node_modules", "moorage"), "dir");
  await generateAndSync(dir, join(SNAPSHOT, "dist", "cli", "main.js"), log);
  return dir;
}

export async function runMatrix(options: MatrixOptions = {}): Promise<FaultRow[]> {
  const log = options.log ?? (() => {});
  const selected: Fault[] = options.only ? FAULTS.filter((f) => options.only?.includes(f.id)) : FAULTS;
  const unknown = options.only?.filter((id) => !FAULTS.some((f) => f.id === id)) ?? [];
  if (unknown.length > 0) {
    throw new Error(
      `fault matrix: unknown fault(s) ${unknown.join(", ")}; known: ${FAULTS.map((f) => f.id).join(", ")}`,
    );
  }
  await requireEngine();
  const dir = await prepareFaultFixture(log);
  let dev: WranglerDev | undefined;
  const follower = new AppFollower(FAULT_WORKER);
  const cleanup = async () => {
    follower.stop();
    await dev?.stop();
    rmSync(dir, { recursive: true, force: true });
    removeSnapshot();
  };
  options.onCleanup?.(cleanup);
  try {
    follower.start();
    dev = await startWranglerDev({ cwd: dir, workerName: FAULT_WORKER, readyTimeoutMs: 240_000 });
    log(`wrangler dev ready on ${dev.url}`);
    const ctx: FaultContext = { port: dev.port, follower, fixtureDir: dir, log, tag: Date.now().toString(36) };
    const rows: FaultRow[] = [];
    for (const fault of selected) {
      log(`fault ${fault.id}: start`);
      const t0 = Date.now();
      try {
        rows.push(await runFault(ctx, fault));
      } catch (err) {
        rows.push(errorRow(fault, (err as Error).message));
      }
      const row = rows.at(-1) as FaultRow;
      log(
        `fault ${fault.id}: ${((Date.now() - t0) / 1000).toFixed(1)} s, sent ${row.sent}, ok ${row.succeeded}, directed ${row.failedDirected}, lost ${row.lost}, twice ${row.executedTwice}, starts ${row.starts}${row.error ? `, ERROR ${row.error}` : ""}`,
      );
    }
    return rows;
  } finally {
    await cleanup();
  }
}

/** Removes this run's package snapshot. */
export const removeSnapshot = () => rmSync(SNAPSHOT, { recursive: true, force: true });

export function errorRow(fault: Fault, error: string): FaultRow {
  return { ...emptyRow(fault, "", ""), error };
}
