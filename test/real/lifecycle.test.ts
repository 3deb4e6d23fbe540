/**
 * Issue 4 §4 item 10: `start`, `stop`, `destroy` and `getState` do what they say, and the lifecycle log lines
 * (one JSON line per event) appear in the Worker's output.
 */
import { describe, expect, test } from "vitest";
import { dockerPs } from "../fixtures/real-media-app/app.js";
import { mediaAppSkipped, useMediaApp } from "../fixtures/real-media-app/suite.js";
import { jsonLines } from "./harness.js";

const app = useMediaApp();
const stopped = (status: string) => status.startsWith("stopped");
const op = (id: string, name: string) =>
  app.client.json<{ state: { status: string } }>(`/lifecycle/thumbnailer/${id}/${name}`, { method: "POST" });
const info = (id: string) => app.client.json<{ bootId: string }>(`/thumbs/${id}/info`);

/** Lifecycle log lines Moorage printed for `instance`. */
function events(instance: string): Array<Record<string, unknown>> {
  return jsonLines(app.logs()).filter((e) => e.instance === instance);
}

describe.skipIf(mediaAppSkipped)("lifecycle", () => {
  test("getState, start, stop, start again, destroy", async () => {
    const id = "life-1";
    expect(stopped(await app.client.status("thumbnailer", id))).toBe(true); // never started

    const started = await op(id, "start");
    expect(started.status).toBe(200);
    expect(["running", "healthy"]).toContain(started.body.state.status);
    const run1 = (await info(id)).body.bootId;
    expect(run1).toBeTruthy();

    expect((await op(id, "stop")).status).toBe(200);
    await app.client.until(
      "stop() to stop it",
      async () => stopped(await app.client.status("thumbnailer", id)),
      15_000,
    );

    expect((await op(id, "start")).status).toBe(200);
    const run2 = (await info(id)).body.bootId;
    expect(run2).not.toBe(run1);

    const before = await dockerPs("ThumbnailerContainer");
    expect((await op(id, "destroy")).status).toBe(200);
    await app.client.until(
      "destroy() to stop it",
      async () => stopped(await app.client.status("thumbnailer", id)),
      15_000,
    );
    const after = await dockerPs("ThumbnailerContainer");
    expect(after.length).toBe(before.length - 1);
  });

  test("each lifecycle event is logged as one JSON line with container, instance and labels", async () => {
    await app.client.until(
      "the stop events to be logged",
      async () => events("life-1").filter((e) => e.event === "stop").length >= 2,
      10_000,
    );
    const seen = events("life-1");
    const kinds = seen.map((e) => e.event);
    expect(kinds.filter((k) => k === "start").length).toBeGreaterThanOrEqual(2);
    expect(kinds.filter((k) => k === "stop").length).toBeGreaterThanOrEqual(2);
    const start = seen.find((e) => e.event === "start");
    expect(start).toMatchObject({
      container: "thumbnailer",
      instance: "life-1",
      labels: { team: "media", tier: "thumbs" },
    });
  });
});
