/**
 * Issue 4 §4 items 3 and 11: cold starts are invisible to callers (first request succeeds, a slow-to-listen
 * container is waited for, an application 500 is not retried) and 20 concurrent first requests to one cold id
 * start exactly one container.
 */
import { describe, expect, test } from "vitest";
import { dockerPs } from "../fixtures/real-media-app/app.js";
import { mediaAppSkipped, useMediaApp } from "../fixtures/real-media-app/suite.js";

const app = useMediaApp();

describe.skipIf(mediaAppSkipped)("cold start", () => {
  test("the first request to a new id succeeds without a provisioning error", async () => {
    const r = await app.client.json<{ words: number }>("/docs/cold-first/render", {
      method: "POST",
      body: "hello cold world",
    });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.words).toBe(3);
    // The caller can see what the cold start cost.
    expect(Number(r.headers.get("moorage-wait-ms") ?? r.headers.get("moorage-cold-start-ms"))).toBeGreaterThanOrEqual(
      0,
    );
  });

  test("a container that takes seconds to start listening is waited for", async () => {
    const started = Date.now();
    const r = await app.client.json<{ docId: string }>("/transcode/cold-slow", { method: "POST" });
    const elapsed = Date.now() - started;
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.docId).toBe("cold-slow");
    // The transcoder listens only after START_DELAY_MS = 2500 in the test profile.
    expect(elapsed).toBeGreaterThanOrEqual(2_500);
  });

  test("an application 500 is passed through, not retried", async () => {
    const c = app.client;
    expect((await c.json("/docs/cold-boom/info")).status).toBe(200); // warm first: isolate the retry question
    const r = await c.json<{ error: string }>("/docs/cold-boom/boom");
    expect(r.status).toBe(500);
    expect(r.body.error).toBe("renderer exploded on purpose");
    expect(r.headers.get("moorage-attempts")).toBe("1");
    const stats = await c.json<{ byPath: Record<string, number> }>("/docs/cold-boom/stats");
    expect(stats.body.byPath["/boom"]).toBe(1);
  });

  test("20 concurrent first requests to one cold id start exactly one container and all succeed", async () => {
    const before = await dockerPs("RendererContainer");
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        app.client.json<{ bootId: string; words: number }>("/docs/cold-crowd/render", {
          method: "POST",
          body: `request ${i}`,
        }),
      ),
    );
    expect(results.map((r) => r.status)).toEqual(Array(20).fill(200));
    expect(new Set(results.map((r) => r.body.bootId)).size).toBe(1);
    const after = await dockerPs("RendererContainer");
    const added = after.filter((c) => !before.some((b) => b.id === c.id));
    expect(added.map((c) => c.name)).toHaveLength(1);
  });
});
