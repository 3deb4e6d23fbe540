/**
 * A clock that moves only when a test says so: sleeps resolve (or reject on abort) in time order as `advance()`
 * passes them. For hedging and scaling tests that must control what happens first, without real time.
 */
import type { Clock } from "../types.js";

export function manualClock(start = 0) {
  let now = start;
  const timers: { at: number; resolve: () => void }[] = [];
  const clock: Clock = {
    now: () => now,
    sleep: (ms, signal) =>
      new Promise<void>((resolve, reject) => {
        if (signal?.aborted) return reject(signal.reason);
        const timer = { at: now + ms, resolve };
        timers.push(timer);
        signal?.addEventListener("abort", () => {
          const i = timers.indexOf(timer);
          if (i >= 0) timers.splice(i, 1);
          reject(signal.reason);
        });
      }),
  };
  const flush = () => new Promise((r) => setTimeout(r, 0));
  return {
    clock,
    pendingTimers: () => timers.length,
    /** Lets pending promise chains run without moving time. */
    flush,
    async advance(ms: number) {
      const end = now + ms;
      for (;;) {
        await flush();
        timers.sort((a, b) => a.at - b.at);
        const next = timers[0];
        if (!next || next.at > end) break;
        timers.shift();
        now = next.at;
        next.resolve();
      }
      now = end;
      await flush();
    },
  };
}
