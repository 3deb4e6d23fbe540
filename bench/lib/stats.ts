/**
 * Summaries of latency samples: the figures every table row shows (p50, p90, p99, max, mean).
 * Why: one definition of a percentile for the whole report. p50/p99 come from the real-test harness's
 * `percentiles` (same quantile convention as test/real/engine.test.ts); p90/max/mean are added here.
 * Boundary: pure functions, no I/O.
 */
import { percentiles } from "../../test/real/harness.js";

export interface Summary {
  n: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

const round = (x: number) => (Number.isFinite(x) ? Math.round(x * 100) / 100 : Number.NaN);

export function summarize(samples: readonly number[]): Summary {
  const sorted = [...samples].sort((a, b) => a - b);
  const { p50, p99, n } = percentiles(sorted);
  const p90 = sorted[Math.min(sorted.length - 1, Math.floor(0.9 * sorted.length))] ?? Number.NaN;
  const mean = sorted.reduce((s, x) => s + x, 0) / (sorted.length || 1);
  return {
    n,
    p50: round(p50),
    p90: round(p90),
    p99: round(p99),
    max: round(sorted[sorted.length - 1] ?? Number.NaN),
    mean: round(mean),
  };
}

export const median = (xs: readonly number[]) => summarize(xs).p50;

/** a / b rounded to 3 decimals (NaN when either side is missing). */
export const ratio = (a: number, b: number) =>
  b > 0 && Number.isFinite(a) ? Math.round((a / b) * 1000) / 1000 : Number.NaN;

/** Order of `items` rotated by `i`: alternating which path goes first removes a fixed-order bias. */
export function rotate<T>(items: readonly T[], i: number): T[] {
  const k = i % items.length;
  return [...items.slice(k), ...items.slice(0, k)];
}
