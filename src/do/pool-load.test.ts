import { describe, expect, it } from "vitest";
import { InflightLimit, type LoadReport, LoadReporter } from "./pool-load.js";

describe("InflightLimit", () => {
  it("refuses the request over the limit and frees a slot on release (once)", () => {
    const limit = new InflightLimit(2);
    const a = limit.tryAcquire();
    const b = limit.tryAcquire();
    expect(a && b).toBeTruthy();
    expect(limit.tryAcquire()).toBeUndefined();
    a?.();
    a?.();
    expect(limit.inflight).toBe(1);
    expect(limit.tryAcquire()).toBeTruthy();
    expect(limit.tryAcquire()).toBeUndefined();
    expect(limit.peak).toBe(2);
  });

  it("has no cap without a limit", () => {
    const limit = new InflightLimit(undefined);
    for (let i = 0; i < 1000; i++) expect(limit.tryAcquire()).toBeTruthy();
    expect(limit.inflight).toBe(1000);
  });
});

function reporterWorld() {
  let now = 0;
  let level = { inflight: 0, running: true };
  const sent: LoadReport[] = [];
  const timers: { at: number; run: () => void; cancelled: boolean }[] = [];
  const background: Promise<unknown>[] = [];
  let failNext = false;
  const reporter = new LoadReporter(
    3,
    250,
    {
      now: () => now,
      send: async (report) => {
        if (failNext) {
          failNext = false;
          throw new Error("coordinator unreachable");
        }
        sent.push(report);
      },
      waitUntil: (p) => background.push(p),
      setTimer: (ms, run) => {
        const timer = { at: now + ms, run, cancelled: false };
        timers.push(timer);
        return () => {
          timer.cancelled = true;
        };
      },
    },
    () => level,
  );
  return {
    reporter,
    sent,
    set: (inflight: number) => {
      level = { ...level, inflight };
      reporter.changed();
    },
    failNext: () => {
      failNext = true;
    },
    async advance(ms: number) {
      now += ms;
      for (const t of timers.filter((t) => !t.cancelled && t.at <= now)) {
        t.cancelled = true;
        t.run();
      }
      await Promise.all(background);
    },
  };
}

describe("LoadReporter: batched, off the hot path", () => {
  it("sends the first change at once, batches the rest, and always ends on the current level", async () => {
    const w = reporterWorld();
    w.set(1);
    for (let i = 2; i <= 10; i++) w.set(i);
    await w.advance(0);
    expect(w.sent.map((r) => r.inflight)).toEqual([1]);
    await w.advance(250);
    expect(w.sent.map((r) => r.inflight)).toEqual([1, 10]);
    expect(w.sent[1]).toMatchObject({ index: 3, running: true, at: 250 });
  });

  it("sends nothing new when the level did not change, until the heartbeat is due", async () => {
    const w = reporterWorld();
    w.set(2);
    await w.advance(300);
    w.set(2);
    await w.advance(300);
    expect(w.sent).toHaveLength(1);
    await w.advance(10_000);
    w.set(2);
    await w.advance(0);
    expect(w.sent).toHaveLength(2);
  });

  it("sends again after a failed report", async () => {
    const w = reporterWorld();
    w.failNext();
    w.set(1);
    await w.advance(300);
    w.set(1);
    await w.advance(0);
    expect(w.sent.map((r) => r.inflight)).toEqual([1]);
  });
});
