import { describe, expect, it } from "vitest";
import type { ScalePolicy } from "../client/pool-scaling.js";
import { PoolCoordinator, REPORT_STALE_MS, START_RETRY_MS } from "./pool-coordinator.js";

const policy: ScalePolicy = { min: 1, max: 4, target: 4, windowMs: 10_000 };

describe("PoolCoordinator: the global view of one pool", () => {
  it("sums every instance's reports, whichever isolate sent their traffic, into one decision", () => {
    const c = new PoolCoordinator(policy, 0);
    expect(c.state(0)).toMatchObject({ desired: 1, inflight: 0, min: 1, max: 4 });
    // Two instances, each fed by a different Worker: 8 in flight each.
    c.report({ index: 0, inflight: 8, running: true, at: 100 }, 100);
    c.report({ index: 1, inflight: 8, running: true, at: 100 }, 100);
    let state = c.state(100);
    for (let t = 200; t <= 1_500; t += 100) state = c.state(t);
    expect(state).toMatchObject({ inflight: 16, running: 2, desired: 4 });
    expect(state.instances.map((i) => i.index)).toEqual([0, 1]);
  });

  it("ignores reports out of order, out of range, and ones gone stale", () => {
    const c = new PoolCoordinator(policy, 0);
    c.report({ index: 0, inflight: 3, running: true, at: 200 }, 200);
    c.report({ index: 0, inflight: 9, running: true, at: 100 }, 210);
    c.report({ index: 7, inflight: 9, running: true, at: 210 }, 210);
    expect(c.state(300)).toMatchObject({ inflight: 3 });
    expect(c.state(200 + REPORT_STALE_MS + 1)).toMatchObject({ inflight: 0, running: 0 });
  });

  it("asks to start the min instances ahead of traffic, once per retry period, until they report running", () => {
    const c = new PoolCoordinator({ ...policy, min: 2 }, 0);
    expect(c.toStart(0)).toEqual([0, 1]);
    expect(c.toStart(1_000)).toEqual([]);
    c.report({ index: 0, inflight: 0, running: true, at: 1_500 }, 1_500);
    expect(c.toStart(START_RETRY_MS + 1)).toEqual([1]);
    // Instance 0 stopped (it died): it is started again.
    c.report({ index: 0, inflight: 0, running: false, at: 20_000 }, 20_000);
    expect(c.toStart(20_000)).toContain(0);
  });

  it("pre-starts the instances a scale-up adds", () => {
    const c = new PoolCoordinator(policy, 0);
    c.report({ index: 0, inflight: 16, running: true, at: 0 }, 0);
    for (let t = 100; t <= 1_000; t += 100) c.state(t);
    expect(c.state(1_000).desired).toBe(4);
    expect(c.toStart(1_000)).toEqual([1, 2, 3]);
  });

  it("starts the load history over when the policy changes, and keeps it otherwise", () => {
    const c = new PoolCoordinator(policy, 0);
    c.report({ index: 0, inflight: 16, running: true, at: 0 }, 0);
    c.configure({ ...policy }, 500);
    expect(c.state(1_000).desired).toBe(4);
    c.configure({ ...policy, max: 2 }, 1_000);
    expect(c.policy.max).toBe(2);
    expect(c.state(2_000).desired).toBe(2);
  });
});
