import { describe, expect, it } from "vitest";
import { manualClock } from "./__fixtures__/manual-clock.js";
import type { PoolDemand, PoolState, ScalePolicy } from "./pool-scaling.js";
import {
  DEMAND_REPORT_MS,
  HELD_REPORT_MS,
  POOL_STATE_CACHE_MS,
  POOL_STATE_MAX_AGE_MS,
  POOL_STATE_READ_TIMEOUT_MS,
  PoolView,
} from "./pool-view.js";

const policy: ScalePolicy = { min: 1, max: 4, target: 4, windowMs: 10_000 };

function state(desired: number): PoolState {
  return {
    desired,
    panic: false,
    stableConcurrency: 0,
    panicConcurrency: 0,
    min: 1,
    max: 4,
    target: 4,
    inflight: 0,
    held: 0,
    running: desired,
    serving: desired,
    instances: [],
    at: 0,
  };
}

describe("PoolView: the global decision with a short cache, the local one as a floor", () => {
  it("starts at one instance and reads the coordinator in the background, never on the request's path", async () => {
    let reads = 0;
    let answer: (s: PoolState) => void = () => {};
    const view = new PoolView(policy, 0, () => {
      reads++;
      return new Promise<PoolState>((resolve) => {
        answer = resolve;
      });
    });
    // The read is pending, yet active() answers at once from what it knows.
    expect(view.active(0)).toBe(1);
    expect(view.active(10)).toBe(1);
    expect(reads).toBe(1);
    answer(state(3));
    await view.refresh(20);
    expect(view.active(20)).toBe(3);
    expect(reads).toBe(1);
  });

  it("reads again only after the cache period, and ignores a decision gone too old", async () => {
    let desired = 2;
    let reads = 0;
    const view = new PoolView(policy, 0, async () => {
      reads++;
      return state(desired);
    });
    await view.refresh(0);
    desired = 4;
    expect(view.active(POOL_STATE_CACHE_MS - 1)).toBe(2);
    expect(reads).toBe(1);
    view.active(POOL_STATE_CACHE_MS);
    await Promise.resolve();
    await Promise.resolve();
    expect(reads).toBe(2);
    expect(view.active(POOL_STATE_CACHE_MS + 1)).toBe(4);

    const failing = new PoolView(policy, 0, async () => state(4));
    await failing.refresh(0);
    expect(failing.active(POOL_STATE_MAX_AGE_MS + 1)).toBe(1);
  });

  it("follows this isolate's own load when the coordinator cannot be read", async () => {
    const view = new PoolView(policy, 0, async () => {
      throw new Error("unreachable");
    });
    for (let i = 0; i < 16; i++) view.track(0, 1);
    let active = 1;
    for (let t = 100; t <= 1_000; t += 100) active = view.active(t);
    await view.refresh(1_000);
    expect(active).toBe(4);
    expect(view.readErrors).toBeGreaterThan(0);
  });

  it("never routes beyond max or below one instance", async () => {
    const view = new PoolView({ ...policy, min: 0 }, 0, async () => state(9));
    expect(view.active(0)).toBe(1);
    await view.refresh(0);
    expect(view.active(1)).toBe(4);
  });

  it("reports held calls with an early read, repeats them while held, and says when none are left", async () => {
    const time = manualClock(0);
    const demands: (PoolDemand | undefined)[] = [];
    const seen: number[] = [];
    const view = new PoolView(
      policy,
      0,
      async (demand) => {
        demands.push(demand);
        return state(4);
      },
      POOL_STATE_CACHE_MS,
      time.clock,
    );
    view.onState = (s) => seen.push(s.desired);
    await view.refresh(0);
    expect(demands).toEqual([undefined]);
    // The activator starts holding 10 calls: the coordinator hears of them within DEMAND_REPORT_MS, not a cache period.
    time.advance(DEMAND_REPORT_MS);
    view.setHeld(time.clock.now(), 10);
    await time.flush();
    expect(demands.at(-1)).toEqual({ source: view.source, held: 10 });
    // Still held: repeated (the coordinator forgets a count it stops hearing).
    await time.advance(HELD_REPORT_MS);
    expect(demands.at(-1)).toEqual({ source: view.source, held: 10 });
    const reads = demands.length;
    view.setHeld(time.clock.now(), 0);
    await time.advance(DEMAND_REPORT_MS);
    expect(demands.at(-1)).toEqual({ source: view.source, held: 0 });
    // Nothing held and nothing to correct: no more early reads.
    const after = demands.length;
    await time.advance(HELD_REPORT_MS * 4);
    expect(demands.length).toBe(after);
    expect(after).toBeGreaterThan(reads);
    expect(seen.length).toBe(demands.length);
  });

  it("counts held calls in this isolate's own view at once", () => {
    const view = new PoolView(policy, 0, async () => {
      throw new Error("unreachable");
    });
    view.track(0, 1);
    view.setHeld(0, 15);
    let active = 1;
    for (let t = 100; t <= 1_000; t += 100) active = view.active(t);
    expect(active).toBe(4);
  });
});

describe("PoolView.snapshot (poolView())", () => {
  it("says what the isolate routes on: the global decision it holds, its own, and no read of its own", async () => {
    let reads = 0;
    const view = new PoolView(policy, 0, async () => {
      reads++;
      return { ...state(3), running: 2, at: 5 };
    });
    expect(view.snapshot(0)).toEqual({ active: 1, local: 1, inflight: 0, global: undefined });
    expect(reads).toBe(0);
    await view.refresh(100);
    view.track(150, 1);
    expect(view.snapshot(400)).toEqual({
      active: 3,
      local: 1,
      inflight: 1,
      global: { desired: 3, running: 2, panic: false, at: 5, ageMs: 300 },
    });
    // A decision too old to route on is still shown, with its age, but no longer counted in `active`.
    expect(view.snapshot(100 + POOL_STATE_MAX_AGE_MS + 1)).toMatchObject({ active: 1, global: { desired: 3 } });
    expect(reads).toBe(1);
  });
});

describe("PoolView: a coordinator read that never settles", () => {
  it("does not stop the refreshes: after POOL_STATE_READ_TIMEOUT_MS the next call reads again", async () => {
    // workerd cancels the I/O a request started once that request is over, so a background read begun late in one
    // request can hang forever; the view must not wait on it for good (it kept its first decision for a whole run).
    const time = manualClock(0);
    let reads = 0;
    const view = new PoolView(
      policy,
      0,
      () => {
        reads++;
        return reads === 1 ? new Promise<PoolState>(() => {}) : Promise.resolve(state(3));
      },
      POOL_STATE_CACHE_MS,
      time.clock,
    );
    expect(view.active(0)).toBe(1);
    expect(reads).toBe(1);
    await time.advance(POOL_STATE_READ_TIMEOUT_MS);
    view.active(time.clock.now());
    await time.flush();
    expect(reads).toBe(2);
    expect(view.active(time.clock.now())).toBe(3);
    expect(view.readErrors).toBe(1);
  });

  it("schedules a demand read again when its timer was lost (workerd drops a finished request's timers)", async () => {
    const time = manualClock(0);
    let drop = false;
    const clock = {
      now: time.clock.now,
      // The first timer belongs to a request that finished: it never fires.
      sleep: (ms: number, signal?: AbortSignal) => {
        if (drop) {
          drop = false;
          return new Promise<void>(() => {});
        }
        return time.clock.sleep(ms, signal);
      },
    };
    const demands: (PoolDemand | undefined)[] = [];
    const view = new PoolView(
      policy,
      0,
      async (demand) => {
        demands.push(demand);
        return state(1);
      },
      POOL_STATE_CACHE_MS,
      clock,
    );
    await view.refresh(0);
    // Too soon after the read: a timer is set for the report, and lost.
    drop = true;
    view.setHeld(10, 4);
    expect(drop).toBe(false);
    await time.advance(POOL_STATE_CACHE_MS);
    expect(demands).toHaveLength(1);
    // A cache-period read carries the count; a change right after it needs a timer, which is set again.
    await view.refresh(time.clock.now());
    expect(demands.at(-1)).toEqual({ source: view.source, held: 4 });
    await time.advance(10);
    view.setHeld(time.clock.now(), 7);
    await time.advance(DEMAND_REPORT_MS * 2);
    expect(demands.at(-1)).toEqual({ source: view.source, held: 7 });
  });
});
