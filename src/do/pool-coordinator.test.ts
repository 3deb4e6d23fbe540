import { describe, expect, it } from "vitest";
import type { ScalePolicy } from "../client/pool-scaling.js";
import { HELD_STALE_MS, PoolCoordinator, REPORT_STALE_MS, START_RETRY_MS } from "./pool-coordinator.js";

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

  it("counts the calls isolates hold as in flight: a step held behind one serving instance panics and scales to max", () => {
    // The bench's step: target 4, instance 0 at its limit of 6, the isolate holding 10 more. Without the held
    // calls the pool would look like 6 in flight (2 instances, no panic).
    const c = new PoolCoordinator({ ...policy, windowMs: 6_000 }, 0);
    c.report({ index: 0, inflight: 1, running: true, serving: true, at: 0 }, 0);
    for (let t = 0; t <= 10_000; t += 250) c.state(t);
    c.report({ index: 0, inflight: 6, running: true, serving: true, at: 10_000 }, 10_000);
    let state = c.state(10_000);
    for (let t = 10_000; t <= 11_000; t += 250) {
      c.demand({ source: "isolate-a", held: 10 }, t);
      state = c.state(t);
    }
    expect(state).toMatchObject({ held: 10, inflight: 16, panic: true, desired: 4, serving: 1 });
    // The report that follows starts the instances the decision added, without waiting for a read.
    expect(c.toStart(11_000)).toEqual([1, 2, 3]);
  });

  it("measures a burst against the instances that serve: instances still starting do not hold the panic back", () => {
    const c = new PoolCoordinator({ ...policy, windowMs: 6_000 }, 0);
    // Four containers running, but only instance 0 serves; the other three have requests waiting for their start.
    c.report({ index: 0, inflight: 6, running: true, serving: true, at: 0 }, 0);
    for (const index of [1, 2, 3]) c.report({ index, inflight: 4, running: true, serving: false, at: 0 }, 0);
    let state = c.state(0);
    for (let t = 100; t <= 1_000; t += 100) state = c.state(t);
    expect(state).toMatchObject({ running: 4, serving: 1, panic: true, desired: 4 });
  });

  it("forgets an isolate's held calls once it stops reporting them, and ignores malformed demand", () => {
    const c = new PoolCoordinator(policy, 0);
    c.demand({ source: "isolate-a", held: 5 }, 0);
    c.demand({ source: "isolate-b", held: 3 }, 0);
    expect(c.state(0).held).toBe(8);
    c.demand({ source: "isolate-b", held: 0 }, 100);
    expect(c.state(100).held).toBe(5);
    for (const bad of [{ source: "", held: 4 }, { source: "x", held: -1 }, { source: "x", held: Number.NaN }, null]) {
      c.demand(bad as never, 200);
    }
    expect(c.state(200).held).toBe(5);
    expect(c.state(HELD_STALE_MS + 1).held).toBe(0);
  });
});
