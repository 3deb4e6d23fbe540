import { describe, expect, it } from "vitest";
import { hardTimeoutDueAt, isCurrentRun } from "./hard-timeout.js";

describe("hardTimeoutDueAt", () => {
  it("never falls before the limit, although the scheduler keeps whole seconds only", () => {
    const startedAt = 1_700_000_000_400; // .4 s past a whole second
    const due = hardTimeoutDueAt(startedAt, 8);
    expect(due.getTime()).toBeGreaterThanOrEqual(startedAt + 8000);
    expect(due.getTime() % 1000).toBe(0);
    // What the platform library stores (seconds, rounded down) is still not early.
    expect(Math.floor(due.getTime() / 1000) * 1000).toBeGreaterThanOrEqual(startedAt + 8000);
    expect(due.getTime() - (startedAt + 8000)).toBeLessThan(1000);
  });

  it("keeps an exact second as it is", () => {
    expect(hardTimeoutDueAt(1_700_000_000_000, 60).getTime()).toBe(1_700_000_060_000);
  });
});

describe("isCurrentRun", () => {
  it("accepts only the running run's generation", () => {
    expect(isCurrentRun({ generation: 3 }, 3, true)).toBe(true);
    expect(isCurrentRun({ generation: 2 }, 3, true)).toBe(false);
    expect(isCurrentRun({ generation: 3 }, 3, false)).toBe(false);
    expect(isCurrentRun(null, 3, true)).toBe(false);
  });
});
