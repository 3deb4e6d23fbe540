import { describe, expect, it } from "vitest";
import { manualClock as fakeClock } from "./__fixtures__/manual-clock.js";
import {
  HEDGE_DEFAULTS,
  HedgeBudget,
  hedgeDelay,
  isSafeToRepeat,
  LatencyWindow,
  race,
  resolveHedge,
} from "./pool-hedge.js";

/** An attempt that answers when the test resolves it, recording whether it was aborted. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe("LatencyWindow and hedgeDelay", () => {
  it("takes the nearest-rank quantile of recent answers", () => {
    const window = new LatencyWindow(100);
    for (let i = 1; i <= 100; i++) window.record(i);
    expect(window.quantile(0.9)).toBe(90);
    expect(window.quantile(0.5)).toBe(50);
  });

  it("keeps only the most recent answers", () => {
    const window = new LatencyWindow(4);
    for (const ms of [500, 500, 500, 500, 5, 5, 5, 5]) window.record(ms);
    expect(window.quantile(0.99)).toBe(5);
  });

  it("does not hedge before the window holds enough answers, and never sooner than the floor", () => {
    const policy = { quantile: 0.9, floorMs: 10, budget: 0.1 };
    const window = new LatencyWindow();
    for (let i = 0; i < HEDGE_DEFAULTS.minSamples - 1; i++) window.record(2);
    expect(hedgeDelay(window, policy)).toBeUndefined();
    window.record(2);
    expect(hedgeDelay(window, policy)).toBe(10);
    for (let i = 0; i < 100; i++) window.record(40);
    expect(hedgeDelay(window, policy)).toBe(40);
  });
});

describe("HedgeBudget", () => {
  it("allows at most `ratio` hedges per call, plus what calm traffic saved up", () => {
    const budget = new HedgeBudget(0.1);
    let hedges = 0;
    for (let i = 0; i < 1000; i++) {
      budget.deposit();
      if (budget.tryWithdraw()) hedges++; // every call wants a hedge: an incident
    }
    expect(hedges).toBeLessThanOrEqual(100);
    expect(hedges).toBeGreaterThanOrEqual(99);
    expect(budget.stats).toEqual({ calls: 1000, hedges });
  });

  it("saves at most maxTokens hedges", () => {
    const budget = new HedgeBudget(0.1, 3);
    for (let i = 0; i < 1000; i++) budget.deposit();
    const burst = Array.from({ length: 10 }, () => budget.tryWithdraw()).filter(Boolean).length;
    expect(burst).toBe(3);
  });
});

describe("isSafeToRepeat (the idempotency rule)", () => {
  it.each([
    ["GET", {}, undefined, true],
    ["head", {}, undefined, true],
    ["OPTIONS", {}, undefined, true],
    ["POST", {}, undefined, false],
    ["POST", { "Idempotency-Key": "k1" }, undefined, true],
    ["DELETE", {}, true, true],
    ["PUT", {}, false, false],
  ])("%s %j idempotent=%s -> %s", (method, headers, idempotent, safe) => {
    expect(isSafeToRepeat(method, new Headers(headers), idempotent)).toBe(safe);
  });
});

describe("resolveHedge", () => {
  it("applies defaults and rejects nonsense with the option's name", () => {
    expect(resolveHedge(true)).toEqual({ quantile: 0.9, floorMs: 10, budget: 0.1 });
    expect(resolveHedge(undefined)).toBeUndefined();
    expect(resolveHedge(false)).toBeUndefined();
    expect(resolveHedge({ quantile: 1.5 })).toContain("hedge.quantile must be between 0 and 1");
    expect(resolveHedge({ budget: 0 })).toContain("hedge.budget must be a share of calls");
    expect(resolveHedge({ floorMs: -1 })).toContain("hedge.floorMs");
  });
});

describe("race", () => {
  it("returns the first attempt without hedging when it answers before the delay", async () => {
    const { clock, advance, pendingTimers } = fakeClock();
    const first = deferred<string>();
    const runs: number[] = [];
    const result = race({
      clock,
      delayMs: 50,
      mayHedge: () => true,
      run: (attempt) => {
        runs.push(attempt);
        return first.promise;
      },
    });
    await advance(20);
    first.resolve("one");
    expect(await result).toEqual({ value: "one", winner: 1, hedged: false });
    await advance(100);
    expect(runs).toEqual([1]);
    expect(pendingTimers()).toBe(0);
  });

  it("sends the hedge after the delay; the hedge wins and the slow attempt is aborted and discarded", async () => {
    const { clock, advance } = fakeClock();
    const attempts = [deferred<string>(), deferred<string>()];
    const signals: AbortSignal[] = [];
    const discarded: string[] = [];
    const result = race({
      clock,
      delayMs: 50,
      mayHedge: () => true,
      run: (attempt, signal) => {
        signals.push(signal);
        return attempts[attempt - 1]!.promise;
      },
      discard: (value) => discarded.push(value),
    });
    await advance(49);
    expect(signals).toHaveLength(1);
    await advance(1);
    expect(signals).toHaveLength(2);
    attempts[1]!.resolve("hedge");
    expect(await result).toEqual({ value: "hedge", winner: 2, hedged: true });
    expect(signals[0]!.aborted).toBe(true);
    expect(signals[1]!.aborted).toBe(false);
    attempts[0]!.resolve("late");
    await advance(0);
    expect(discarded).toEqual(["late"]);
  });

  it("lets the first attempt win after a hedge was sent, aborting the hedge", async () => {
    const { clock, advance } = fakeClock();
    const attempts = [deferred<string>(), deferred<string>()];
    const signals: AbortSignal[] = [];
    const result = race({
      clock,
      delayMs: 10,
      mayHedge: () => true,
      run: (attempt, signal) => {
        signals.push(signal);
        return attempts[attempt - 1]!.promise;
      },
    });
    await advance(10);
    attempts[0]!.resolve("first");
    expect(await result).toMatchObject({ value: "first", winner: 1, hedged: true });
    expect(signals[1]!.aborted).toBe(true);
  });

  it("sends no hedge when the budget says no, or when no delay is known", async () => {
    for (const setup of [
      { delayMs: 10, mayHedge: () => false },
      { delayMs: undefined, mayHedge: () => true },
    ]) {
      const { clock, advance } = fakeClock();
      const first = deferred<string>();
      const runs: number[] = [];
      const result = race({
        clock,
        ...setup,
        run: (attempt) => {
          runs.push(attempt);
          return first.promise;
        },
      });
      await advance(1_000);
      first.resolve("only");
      expect(await result).toMatchObject({ winner: 1, hedged: false });
      expect(runs).toEqual([1]);
    }
  });

  it("answers with the survivor when one attempt fails, and with the first failure when both do", async () => {
    const { clock, advance } = fakeClock();
    const attempts = [deferred<string>(), deferred<string>()];
    const result = race({
      clock,
      delayMs: 10,
      mayHedge: () => true,
      run: (attempt) => attempts[attempt - 1]!.promise,
    });
    await advance(10);
    attempts[1]!.reject(new Error("hedge failed"));
    await advance(0);
    attempts[0]!.resolve("slow but fine");
    expect(await result).toMatchObject({ value: "slow but fine", winner: 1 });

    const both = [deferred<string>(), deferred<string>()];
    const failing = race({ clock, delayMs: 10, mayHedge: () => true, run: (a) => both[a - 1]!.promise });
    await advance(10);
    both[0]!.reject(new Error("first"));
    both[1]!.reject(new Error("second"));
    await expect(failing).rejects.toThrow("first");
  });

  it("aborts both attempts when the caller aborts", async () => {
    const { clock, advance } = fakeClock();
    const caller = new AbortController();
    const signals: AbortSignal[] = [];
    const result = race({
      clock,
      delayMs: 10,
      signal: caller.signal,
      mayHedge: () => true,
      run: (_attempt, signal) => {
        signals.push(signal);
        return new Promise<string>((_, reject) => signal.addEventListener("abort", () => reject(signal.reason)));
      },
    });
    await advance(10);
    caller.abort(new Error("caller gave up"));
    await expect(result).rejects.toThrow("caller gave up");
    expect(signals.map((s) => s.aborted)).toEqual([true, true]);
  });
});
