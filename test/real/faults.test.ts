/**
 * Issue 10 §4, the bounded part that runs in `npm test`: a few rows of the fault matrix (test/faults/), against
 * real workerd and real containers, with the prober's steady traffic while each fault happens. The whole matrix is
 * `npm run faults` (bench/results/faults.md). Each test asserts what a user of the typed client observes: how many
 * containers started, which requests were answered, which failed with which code, and that no POST ran twice
 * (counted from the app's own log, across containers).
 */
import { beforeAll, describe, expect, test } from "vitest";
import { FAULTS, type FaultRow } from "../faults/faults.js";
import { runMatrix } from "../faults/matrix.js";
import { shouldSkip } from "./harness.js";

const SUBSET = ["herd-50", "exit-during-start", "object-reset", "rollout-sigterm"];
const skip = await shouldSkip();

describe.skipIf(skip)("fault matrix (subset; the whole matrix is npm run faults)", () => {
  const rows = new Map<string, FaultRow>();
  const row = (id: string) => {
    const r = rows.get(id);
    if (!r) throw new Error(`fault ${id} did not run`);
    if (r.error) throw new Error(`fault ${id} could not run: ${r.error}`);
    return r;
  };

  beforeAll(async () => {
    for (const r of await runMatrix({ only: SUBSET, log: (l) => process.stderr.write(`[faults] ${l}\n`) })) {
      rows.set(r.id, r);
    }
  }, 300_000);

  test("50 concurrent first requests to one id: one container starts, all 50 are answered, each POST runs once", () => {
    const r = row("herd-50");
    expect(r.sent).toBe(50);
    expect(r.starts).toBe(1);
    expect(r.succeeded, JSON.stringify(r.lostExamples)).toBe(50);
    expect(r.executedTwice).toBe(0);
  });

  test("an app that exits non-zero during start: every request fails with start-failed, none runs", () => {
    const r = row("exit-during-start");
    expect(r.sent).toBeGreaterThan(0);
    expect(r.succeeded).toBe(0);
    expect(r.lost, JSON.stringify(r.lostExamples)).toBe(0);
    expect(r.codes).toEqual({ "start-failed": r.sent });
    expect(r.duplicateStarts).toBe(0);
  });

  test("a rollout-style SIGTERM (the app drains, then exits 0): new requests reach a new container, none lost or run twice", () => {
    const r = row("rollout-sigterm");
    expect(r.sent).toBeGreaterThan(10);
    expect(r.starts).toBe(1);
    expect(r.lost, JSON.stringify(r.lostExamples)).toBe(0);
    expect(r.executedTwice).toBe(0);
    // Only a POST in flight when the drain began (one per POST loop) may fail: it raced onto a keep-alive
    // connection the app was closing, may have run, and fails connection-lost, never re-sent. The rest is answered.
    const rollout = FAULTS.find((f) => f.id === "rollout-sigterm");
    expect(Object.keys(r.codes).filter((code) => code !== "connection-lost")).toEqual([]);
    expect(r.succeeded + r.failedDirected).toBe(r.sent);
    expect(r.failedDirected).toBeLessThanOrEqual(rollout?.plan.loops?.post ?? 0);
  });

  test("a Durable Object reset with requests in flight: no new container, nothing lost, no POST runs twice", () => {
    const r = row("object-reset");
    expect(r.sent).toBeGreaterThan(10);
    expect(r.starts).toBe(0);
    expect(r.lost, JSON.stringify(r.lostExamples)).toBe(0);
    expect(r.executedTwice).toBe(0);
  });
});
