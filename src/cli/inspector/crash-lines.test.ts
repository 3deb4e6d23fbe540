/**
 * A crash's `stop` record gets the crashed container's last lines from the engine reader (stderr marked, long
 * lines cut), the timeline shows them, and a reader that fails leaves a reason instead of breaking the record.
 */
import { describe, expect, it } from "vitest";
import { isCrash, withCrashLines } from "./crash-lines.js";
import { describe as summary } from "./state.js";
import type { TappedRecord } from "./tap.js";

const stop = (extra: Record<string, unknown>): TappedRecord => ({
  source: "moorage",
  event: "stop",
  container: "shell",
  instance: "beta",
  timestamp: 1,
  ...extra,
});

describe("crash lines on the stop event", () => {
  it("reads the instance's last lines and shows them on the timeline", async () => {
    const asked: unknown[] = [];
    const record = await withCrashLines(stop({ reason: "crash", exitCode: 3 }), "unix:///docker.sock", async (...a) => {
      asked.push(a);
      return {
        lines: [
          { stream: "stdout", time: "", text: "said before-crash" },
          { stream: "stderr", time: "", text: `crashing with 3 ${"x".repeat(600)}` },
        ],
      };
    });
    expect(asked).toEqual([["unix:///docker.sock", { container: "shell", instance: "beta" }, 20]]);
    expect(record.lastLines).toEqual([
      "said before-crash",
      `[stderr] crashing with 3 ${"x".repeat(600)}`.slice(0, 500),
    ]);
    expect(summary(record)).toBe(`exit 3, crash; last lines:\nsaid before-crash\n${(record.lastLines as string[])[1]}`);
  });

  it("only crashes are enriched; a reader that fails leaves a reason", async () => {
    expect(isCrash(stop({ reason: "crash" }))).toBe(true);
    expect(isCrash(stop({ reason: "sleep", exitCode: 0 }))).toBe(false);
    const record = await withCrashLines(stop({ reason: "crash" }), "unix:///gone.sock", async () => {
      throw new Error("connect ENOENT");
    });
    expect(record.lastLinesError).toBe("could not read the container's output: connect ENOENT");
    expect(summary(record)).toBe("crash");
  });
});
