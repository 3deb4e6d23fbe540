import { describe, expect, it } from "vitest";
import { parseDuration } from "./duration.js";

describe("parseDuration", () => {
  it.each([
    ["30s", 30],
    ["5m", 300],
    ["1h", 3600],
    [45, 45],
    [0.5, 0.5],
  ])("%j -> %d seconds", (input, seconds) => {
    expect(parseDuration(input)).toBe(seconds);
  });

  it.each(["5 minutes", "0s", "-1s", "1d", "", "1.5m", " 5m", 0, -3, Number.NaN, Number.POSITIVE_INFINITY, null])(
    "rejects %j",
    (input) => {
      expect(parseDuration(input)).toBeUndefined();
    },
  );
});
