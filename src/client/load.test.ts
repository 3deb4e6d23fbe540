import { describe, expect, it } from "vitest";
import { InflightCounts, inflightFor, lessBusyOfTwo } from "./load.js";

describe("InflightCounts", () => {
  it("counts requests per instance and ends each once", () => {
    const counts = new InflightCounts();
    const a = counts.begin("pool-0");
    counts.begin("pool-0");
    expect(counts.get("pool-0")).toBe(2);
    a();
    a();
    expect(counts.get("pool-0")).toBe(1);
    expect(counts.get("pool-1")).toBe(0);
  });

  it("is shared per namespace object, so every containers(env) in an isolate sees the same load", () => {
    const namespace = {};
    inflightFor(namespace).begin("pool-1");
    expect(inflightFor(namespace).get("pool-1")).toBe(1);
    expect(inflightFor({}).get("pool-1")).toBe(0);
    expect(inflightFor(undefined).get("pool-1")).toBe(0);
  });
});

describe("lessBusyOfTwo", () => {
  it("picks the less busy of two distinct candidates", () => {
    const load = (i: number) => (i === 0 ? 5 : 0);
    // random() -> 0 first picks index 0, then the first other candidate.
    expect(lessBusyOfTwo([0, 1, 2], load, () => 0)).toBe(1);
  });

  it("keeps the first candidate on a tie and returns a lone candidate", () => {
    expect(
      lessBusyOfTwo(
        [3, 1],
        () => 0,
        () => 0,
      ),
    ).toBe(3);
    expect(
      lessBusyOfTwo(
        [2],
        () => 9,
        () => 0.5,
      ),
    ).toBe(2);
  });

  it("never compares a candidate with itself", () => {
    for (const r of [0, 0.3, 0.6, 0.99]) {
      const seen: number[] = [];
      lessBusyOfTwo(
        [0, 1],
        (i) => (seen.push(i), 0),
        () => r,
      );
      expect(new Set(seen)).toEqual(new Set([0, 1]));
    }
  });
});
