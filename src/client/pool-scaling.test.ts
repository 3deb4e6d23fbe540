import { describe, expect, it } from "vitest";
import { Autoscaler, ConcurrencyMeter, type ScalePolicy } from "./pool-scaling.js";

describe("ConcurrencyMeter: time-weighted in-flight average", () => {
  it("averages a level that holds between changes", () => {
    const meter = new ConcurrencyMeter(10_000, 200, 0);
    meter.set(0, 4);
    expect(meter.average(5_000, 10_000)).toBeCloseTo(4);
    meter.set(5_000, 0);
    // Half of the last 10 s at 4, half at 0.
    expect(meter.average(10_000, 10_000)).toBeCloseTo(2);
    // The last second only saw 0.
    expect(meter.average(10_000, 1_000)).toBeCloseTo(0);
  });

  it("counts request starts and ends as +1 / -1", () => {
    const meter = new ConcurrencyMeter(1_000, 100, 0);
    meter.add(0, 1);
    meter.add(0, 1);
    meter.add(500, -1);
    expect(meter.level).toBe(1);
    expect(meter.average(1_000, 1_000)).toBeCloseTo(1.5);
  });

  it("forgets what left the window, even after a long silence", () => {
    const meter = new ConcurrencyMeter(2_000, 100, 0);
    meter.set(0, 10);
    meter.set(1_000, 0);
    expect(meter.average(60_000, 2_000)).toBe(0);
    meter.set(60_000, 3);
    expect(meter.average(61_000, 2_000)).toBeCloseTo(1.5);
  });

  it("never goes below zero", () => {
    const meter = new ConcurrencyMeter(1_000, 100, 0);
    meter.add(0, -1);
    expect(meter.level).toBe(0);
  });
});

const policy: ScalePolicy = { min: 1, max: 4, target: 4, windowMs: 10_000 };

/** Holds `concurrency` from `from` to `to`, deciding every 500 ms like the coordinator's tick; returns the decisions. */
function hold(scaler: Autoscaler, from: number, to: number, concurrency: number, active: () => number) {
  scaler.observe(from, concurrency);
  const decisions = [];
  for (let t = from + 500; t <= to; t += 500) decisions.push({ t, ...scaler.decide(t, active()) });
  return decisions;
}

describe("Autoscaler: Knative's stable and panic windows", () => {
  it("stays at min with no traffic, and never leaves [min, max]", () => {
    const scaler = new Autoscaler(policy, 0);
    expect(scaler.decide(1_000, 1).desired).toBe(1);
    const decisions = hold(scaler, 1_000, 60_000, 1_000, () => scaler.desired);
    expect(Math.max(...decisions.map((d) => d.desired))).toBe(4);
  });

  it("scales to ceil(load / target) on the stable window", () => {
    const scaler = new Autoscaler({ ...policy, max: 10 }, 0);
    // 10 in flight for a whole window: ceil(10 / 4) = 3 instances, no panic (10/4 < 2 x 3 active).
    const decisions = hold(scaler, 0, 20_000, 10, () => 3);
    expect(decisions.at(-1)).toMatchObject({ desired: 3, panic: false });
  });

  it("panics on a step from 1 to 16 in flight, reaching max within the panic window", () => {
    const scaler = new Autoscaler(policy, 0);
    hold(scaler, 0, 30_000, 1, () => scaler.desired);
    expect(scaler.desired).toBe(1);
    const step = hold(scaler, 30_000, 40_000, 16, () => scaler.desired);
    const reachedMax = step.find((d) => d.desired === 4);
    expect(reachedMax?.panic).toBe(true);
    // Within one panic window (1 s) of the step; the stable window alone would take several seconds.
    expect((reachedMax?.t ?? Number.POSITIVE_INFINITY) - 30_000).toBeLessThanOrEqual(1_000);
    const stableOnly = new Autoscaler({ ...policy, panicWindowMs: policy.windowMs }, 0);
    hold(stableOnly, 0, 30_000, 1, () => 1);
    expect(hold(stableOnly, 30_000, 31_000, 16, () => 1).at(-1)?.desired).toBeLessThan(4);
  });

  it("does not scale down while panicking, then returns to min one stable window after the burst", () => {
    const scaler = new Autoscaler(policy, 0);
    hold(scaler, 0, 5_000, 16, () => scaler.desired);
    expect(scaler.desired).toBe(4);
    const after = hold(scaler, 5_000, 40_000, 0, () => scaler.desired);
    // Still 4 while in panic, although the short window is empty.
    expect(after.filter((d) => d.t < 10_000).every((d) => d.desired === 4 && d.panic)).toBe(true);
    const back = after.find((d) => d.desired === 1);
    expect(back?.panic).toBe(false);
    // Back at min within the panic hold (one stable window after the last burst) plus one stable window.
    expect((back?.t ?? Number.POSITIVE_INFINITY) - 5_000).toBeLessThanOrEqual(2 * policy.windowMs);
  });

  it("scales to zero only when min is 0", () => {
    const scaler = new Autoscaler({ ...policy, min: 0 }, 0);
    hold(scaler, 0, 5_000, 4, () => 1);
    expect(hold(scaler, 5_000, 40_000, 0, () => scaler.desired).at(-1)?.desired).toBe(0);
  });

  it("keeps min instances even with no load", () => {
    const scaler = new Autoscaler({ ...policy, min: 2 }, 0);
    expect(hold(scaler, 0, 30_000, 0, () => 2).every((d) => d.desired === 2)).toBe(true);
  });
});
