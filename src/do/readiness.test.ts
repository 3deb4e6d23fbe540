/**
 * `waitUntilReady` on its own: probes run in parallel against their own ports, share one budget, and a dead
 * container ends the wait at once instead of after the budget.
 */
import { describe, expect, it } from "vitest";
import { waitUntilReady } from "./readiness.js";

describe("waitUntilReady", () => {
  it("runs probes in parallel: total time is the slowest probe, not the sum", async () => {
    const started = Date.now();
    const readyAt = started + 80;
    const result = await waitUntilReady({
      checks: [
        { path: "/a", port: 1, status: 200 },
        { path: "/b", port: 2, status: 204 },
      ],
      port: (port) => ({
        fetch: async () => new Response(null, { status: Date.now() >= readyAt ? (port === 1 ? 200 : 204) : 503 }),
      }),
      budgetMs: 1_000,
      intervalMs: 10,
      subject: "test",
    });
    expect(result.durationMs).toBeLessThan(400);
    expect(result.attempts.every((n) => n > 1)).toBe(true);
  });

  it("reports the last error when a probe never answered", async () => {
    await expect(
      waitUntilReady({
        checks: [{ path: "/ready", port: 8080, status: 200 }],
        port: () => ({
          fetch: async () => {
            throw new Error("connection refused");
          },
        }),
        budgetMs: 100,
        intervalMs: 10,
        subject: 'container "api"',
      }),
    ).rejects.toThrow(/GET \/ready on port 8080 \(expects 200\) last error: connection refused/);
  });

  it("stops at once when the container exits while probing", async () => {
    const started = Date.now();
    await expect(
      waitUntilReady({
        checks: [{ path: "/ready", port: 8080, status: 200 }],
        port: () => ({ fetch: async () => new Response(null, { status: 503 }) }),
        budgetMs: 5_000,
        intervalMs: 10,
        subject: 'container "api"',
        isRunning: () => Date.now() - started < 50,
      }),
    ).rejects.toThrow(/exited while waiting/);
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});
