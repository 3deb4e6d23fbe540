/**
 * `waitUntilReady` on its own: probes run in parallel against their own ports, share one budget, and a dead
 * container ends the wait at once instead of after the budget.
 */
import { describe, expect, it } from "vitest";
import { waitUntilReady } from "./readiness.js";

describe("waitUntilReady", () => {
  it("runs probes in parallel, each on its own port and path until it answers its status", async () => {
    const calls = new Map<number, number>();
    const paths: string[] = [];
    const result = await waitUntilReady({
      checks: [
        { path: "/a", port: 1, status: 200 },
        { path: "/b", port: 2, status: 204 },
      ],
      status: async (port, path) => {
        paths.push(`${port}${path}`);
        const n = (calls.get(port) ?? 0) + 1;
        calls.set(port, n);
        return n >= port + 2 ? (port === 1 ? 200 : 204) : 503;
      },
      budgetMs: 5_000,
      intervalMs: 10,
      subject: "test",
    });
    expect(result.attempts).toEqual([3, 4]);
    expect(new Set(paths)).toEqual(new Set(["1/a", "2/b"]));
  });

  it("sends the second probe while the first is still unanswered (parallel, not one after the other)", async () => {
    let secondAsked!: () => void;
    const second = new Promise<void>((resolve) => {
      secondAsked = resolve;
    });
    let overlapped = false;
    await waitUntilReady({
      checks: [
        { path: "/a", port: 1, status: 200 },
        { path: "/b", port: 2, status: 200 },
      ],
      status: async (port) => {
        if (port === 2) {
          secondAsked();
          return 200;
        }
        // Port 1 answers only once port 2 was asked (or gives up after a second, and the flag stays false).
        overlapped = await Promise.race([
          second.then(() => true),
          new Promise<boolean>((r) => setTimeout(r, 1_000, false)),
        ]);
        return 200;
      },
      budgetMs: 5_000,
      intervalMs: 10,
      subject: "test",
    });
    expect(overlapped).toBe(true);
  });

  it("reports the last error when a probe never answered", async () => {
    await expect(
      waitUntilReady({
        checks: [{ path: "/ready", port: 8080, status: 200 }],
        status: async () => {
          throw new Error("connection refused");
        },
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
        status: async () => 503,
        budgetMs: 5_000,
        intervalMs: 10,
        subject: 'container "api"',
        isRunning: () => Date.now() - started < 50,
      }),
    ).rejects.toThrow(/exited while waiting/);
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});
