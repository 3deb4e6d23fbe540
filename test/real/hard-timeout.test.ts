/**
 * Issue 4 §4 item 9: `hardTimeout` (8 s for the transcoder in the test profile, with sleepAfter 30 s) stops a
 * container that is busy the whole time; a stale timer from an earlier run does not stop a new run.
 */
import { describe, expect, test } from "vitest";
import { mediaAppSkipped, useMediaApp } from "../fixtures/real-media-app/suite.js";

const app = useMediaApp();
const HARD_TIMEOUT_MS = 8_000;
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
const stopped = (status: string) => status.startsWith("stopped");
const info = (id: string) => app.client.json<{ bootId: string; startedAt: number }>(`/transcode/${id}/info`);

describe.skipIf(mediaAppSkipped)("hardTimeout", () => {
  test("a busy container is stopped when its hard timeout elapses", async () => {
    // Moorage stamps the run's start when it asks the platform to start the container: after this moment.
    const requestedAt = Date.now();
    const first = await info("hard-busy");
    expect(first.status).toBe(200);
    // Keep it busy: one request per second, far inside sleepAfter (30 s). The run has ended once getState says
    // stopping/stopped, or once a request lands in a new container (a request during "stopping" starts the next
    // run as soon as the old one has exited).
    let endedAt: number | undefined;
    for (let i = 0; i < 25 && endedAt === undefined; i++) {
      await wait(1_000);
      const status = await app.client.status("transcoder", "hard-busy");
      if (status.startsWith("stopp")) endedAt = Date.now();
      else if ((await info("hard-busy")).body.bootId !== first.body.bootId) endedAt = Date.now();
    }
    expect(endedAt, "the transcoder was still running 25 s after start").toBeDefined();
    // Never early: the run started after `requestedAt`, and Moorage rounds the due time up to the whole second the
    // platform library's scheduler keeps.
    expect((endedAt ?? 0) - requestedAt).toBeGreaterThanOrEqual(HARD_TIMEOUT_MS);
    // Bounded, with room for one polling round and a loaded 2-core machine: the point is that it ends, not how fast.
    expect((endedAt ?? 0) - requestedAt).toBeLessThan(HARD_TIMEOUT_MS + 8_000);
    // Moorage logged why it stopped the run.
    expect(app.logs()).toMatch(/"event":"hard-timeout"[^\n]*"instance":"hard-busy"/);
  });

  test("a stale timer from an earlier run does not stop a new run", async () => {
    const id = "hard-stale";
    expect((await app.client.json(`/lifecycle/transcoder/${id}/start`, { method: "POST" })).status).toBe(200);
    const run1 = await info(id);
    await wait(2_000);
    expect((await app.client.json(`/lifecycle/transcoder/${id}/stop`, { method: "POST" })).status).toBe(200);
    await app.client.until("run 1 to stop", async () => stopped(await app.client.status("transcoder", id)), 15_000);
    await wait(1_000);
    expect((await app.client.json(`/lifecycle/transcoder/${id}/start`, { method: "POST" })).status).toBe(200);
    const run2 = await info(id);
    expect(run2.body.bootId).not.toBe(run1.body.bootId);
    // Run 1's timer fires at run1.startedAt + 8 s. Wait past it (with slack): run 2 must survive.
    await wait(Math.max(0, run1.body.startedAt + HARD_TIMEOUT_MS + 2_000 - Date.now()));
    expect(Date.now()).toBeLessThan(run2.body.startedAt + HARD_TIMEOUT_MS);
    expect((await info(id)).body.bootId).toBe(run2.body.bootId);
    // ... and run 2's own timer still stops it.
    await app.client.until(
      "run 2 to hit its own hard timeout",
      async () => stopped(await app.client.status("transcoder", id)),
      20_000,
    );
  });
});
