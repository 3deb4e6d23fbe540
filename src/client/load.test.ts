import { describe, expect, it } from "vitest";
import { cheaperOfTwo, DECAY_MS, FAILURE_PENALTY_MS, LoadTracker, loadFor, MAX_TRACKED_INSTANCES } from "./load.js";

describe("LoadTracker", () => {
  it("counts requests in flight per instance and ends each once", () => {
    const load = new LoadTracker();
    const a = load.begin("pool-0", 0);
    load.begin("pool-0", 0);
    expect(load.inflight("pool-0")).toBe(2);
    a(10, false);
    a(10, false);
    expect(load.inflight("pool-0")).toBe(1);
    expect(load.inflight("pool-1")).toBe(0);
  });

  it("believes a slower sample at once and moves toward a faster one gradually", () => {
    const load = new LoadTracker();
    load.begin("pool-0", 0)(200, false);
    expect(load.latency("pool-0", 200)).toBe(200);
    load.begin("pool-0", 200)(210, false); // a 10 ms answer right after
    const after = load.latency("pool-0", 210);
    expect(after).toBeLessThan(200);
    expect(after).toBeGreaterThan(150);
  });

  it("costs a slow idle instance more than a fast busy one", () => {
    const load = new LoadTracker();
    load.begin("slow", 0)(200, false);
    load.begin("fast", 0)(10, false);
    load.begin("fast", 200); // one request in flight
    expect(load.cost("slow", 200)).toBeGreaterThan(load.cost("fast", 200));
  });

  it("counts a failed attempt as a penalty, so failing fast does not look fast", () => {
    const load = new LoadTracker();
    load.begin("failing", 0)(2, true);
    expect(load.latency("failing", 2)).toBe(FAILURE_PENALTY_MS);
  });

  it("ends a cancelled attempt without a penalty; its unanswered time can only raise the estimate", () => {
    const load = new LoadTracker();
    const cancelled = load.begin("pool-0", 0);
    cancelled(5, "cancelled");
    expect(load.inflight("pool-0")).toBe(0);
    expect(load.latency("pool-0", 5)).toBe(5);
    load.begin("pool-1", 0)(200, false);
    load.begin("pool-1", 200)(210, "cancelled"); // 10 ms unanswered says nothing against a 200 ms estimate
    expect(load.latency("pool-1", 210)).toBeCloseTo(200 * Math.exp(-10 / DECAY_MS), 5);
  });

  it("lets an estimate fade while the instance is not chosen, so it is tried again later", () => {
    const load = new LoadTracker();
    load.begin("pool-0", 0)(200, false);
    expect(load.latency("pool-0", 200 + DECAY_MS)).toBeCloseTo(200 / Math.E, 5);
    expect(load.latency("pool-0", 200 + 10 * DECAY_MS)).toBeLessThan(0.01);
  });

  it("costs the least for an instance never seen, and counts requests in flight even at zero latency", () => {
    const load = new LoadTracker();
    expect(load.cost("pool-9", 1_000)).toBe(1);
    load.begin("pool-8", 1_000);
    expect(load.cost("pool-8", 1_000)).toBe(2);
  });

  it("is shared per namespace object, so every containers(env) in an isolate sees the same load", () => {
    const namespace = {};
    loadFor(namespace).begin("pool-1", 0);
    expect(loadFor(namespace).inflight("pool-1")).toBe(1);
    expect(loadFor({}).inflight("pool-1")).toBe(0);
    expect(loadFor(undefined).inflight("pool-1")).toBe(0);
  });
});

describe("LoadTracker memory bound", () => {
  it("keeps at most MAX_TRACKED_INSTANCES entries after 200 000 distinct ids", () => {
    const load = new LoadTracker();
    for (let i = 0; i < 200_000; i++) load.begin(`doc-${i}`, i)(i + 5, false);
    expect(load.size).toBe(MAX_TRACKED_INSTANCES);
    expect(load.size).toBeLessThanOrEqual(4_096);
    // The newest ids are remembered, the oldest forgotten ("never seen" again: the cheapest guess).
    expect(load.latency("doc-199999", 200_004)).toBeGreaterThan(0);
    expect(load.latency("doc-0", 200_004)).toBe(0);
  });

  it("forgets the least recently used instance first, so pool members in steady use stay", () => {
    const load = new LoadTracker(3);
    load.begin("moorage:pool:0", 0)(300, false);
    for (let i = 0; i < 10; i++) {
      load.begin("moorage:pool:0", 300 + i)(301 + i, false); // the pool member is used between one-off ids
      load.begin(`one-off-${i}`, 300 + i)(302 + i, false);
    }
    expect(load.size).toBe(3);
    expect(load.latency("moorage:pool:0", 320)).toBeGreaterThan(0);
    expect(load.latency("one-off-9", 320)).toBeGreaterThan(0);
    expect(load.latency("one-off-0", 320)).toBe(0);
  });

  it("ends a request whose instance was forgotten while in flight without going negative", () => {
    const load = new LoadTracker(1);
    const end = load.begin("a", 0);
    load.begin("b", 0);
    expect(load.inflight("a")).toBe(0);
    end(10, false);
    expect(load.inflight("a")).toBe(0);
    expect(load.size).toBe(1);
  });
});

describe("cheaperOfTwo", () => {
  it("picks the cheaper of two distinct candidates", () => {
    const cost = (i: number) => (i === 0 ? 5 : 0);
    // random() -> 0 first picks index 0, then the first other candidate.
    expect(cheaperOfTwo([0, 1, 2], cost, () => 0)).toBe(1);
  });

  it("keeps the first candidate on a tie and returns a lone candidate", () => {
    expect(
      cheaperOfTwo(
        [3, 1],
        () => 0,
        () => 0,
      ),
    ).toBe(3);
    expect(
      cheaperOfTwo(
        [2],
        () => 9,
        () => 0.5,
      ),
    ).toBe(2);
  });

  it("never compares a candidate with itself", () => {
    for (const r of [0, 0.3, 0.6, 0.99]) {
      const seen: number[] = [];
      cheaperOfTwo(
        [0, 1],
        (i: number) => {
          seen.push(i);
          return 0;
        },
        () => r,
      );
      expect(new Set(seen)).toEqual(new Set([0, 1]));
    }
  });
});
