/**
 * Issue 4 §4 item 4: `readyOn` keeps traffic away from a container until its probes pass, and a probe that never
 * passes ends in the documented error (503, `moorage-error: not-ready`, the failing probe named) within the
 * readiness budget (`readyTimeout`, 6 s in the test profile).
 */
import { describe, expect, test } from "vitest";
import { mediaAppSkipped, useMediaApp } from "../fixtures/real-media-app/suite.js";

const app = useMediaApp();

describe.skipIf(mediaAppSkipped)("readiness", () => {
  test("a container whose /ready turns 200 after 1.5 s receives no request before then", async () => {
    const started = Date.now();
    const r = await app.client.json<{ bootId: string }>("/docs/ready-late/info");
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_500);
    const stats = await app.client.json<{
      bootId: string;
      readyAt: number;
      firstAppRequestAt: number;
      appRequestsBeforeReady: number;
      byPath: Record<string, number>;
    }>("/docs/ready-late/stats");
    expect(stats.body.bootId).toBe(r.body.bootId);
    expect(stats.body.appRequestsBeforeReady).toBe(0);
    expect(stats.body.firstAppRequestAt).toBeGreaterThanOrEqual(stats.body.readyAt);
    expect(stats.body.byPath["/ready"]).toBeGreaterThanOrEqual(1); // it was probed
  });

  test("a probe that never passes yields 503 not-ready naming the probe, within the budget", async () => {
    // Start this instance with an environment whose /ready never turns 200 (start({ envVars }) replaces the env).
    // start() itself waits for readiness, so it is not awaited here: the request below joins that same start.
    const started = Date.now();
    const start = app.client.json<{ error?: string }>("/lifecycle/renderer/ready-never/start", {
      jsonBody: { envVars: { READY_DELAY_MS: "600000" } },
    });
    await app.client.until("the container to be started", async () => {
      const status = await app.client.status("renderer", "ready-never");
      return status !== "stopped";
    });
    const r = await app.client.json<{ error?: string; message?: string }>("/docs/ready-never/info");
    const elapsed = Date.now() - started;
    const startResult = await start;
    expect(startResult.status).toBeGreaterThanOrEqual(500); // the explicit start reports the same failure
    expect(JSON.stringify(startResult.body)).toContain("/ready");
    expect(r.status).toBe(503);
    expect(r.headers.get("moorage-error")).toBe("not-ready");
    expect(JSON.stringify(r.body)).toContain("/ready");
    expect(elapsed).toBeLessThan(6_000 + 10_000); // budget + start-up slack on a loaded machine
  });
});
