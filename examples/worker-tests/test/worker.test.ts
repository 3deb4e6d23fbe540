/**
 * Worker tests that run inside workerd (`@cloudflare/vitest-pool-workers`), where containers are disabled: the
 * Worker's own `containers(env)` client is pointed at Moorage's Docker-free double by spreading the double's
 * `bindings` over the pool's env. Routing, cold-start retries and headers are the real client's.
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { coldStart, createContainerTestContext } from "moorage/testing";
import { describe, expect, it } from "vitest";
import type { containerSpecs } from "../moorage/_generated/containers";
import worker from "../src/index";

async function transcode(bindings: Readonly<Record<string, unknown>>, videoId: string): Promise<Response> {
  const ctx = createExecutionContext();
  const request = new Request(`https://example.com/videos/${videoId}/transcode`, { method: "POST", body: "frames" });
  const res = await worker.fetch(request, { ...env, ...bindings } as never, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

describe("the Worker, with its container served by the double", () => {
  it("sends each video to its own instance and rides out the container's cold start", async () => {
    const c = createContainerTestContext<typeof containerSpecs>({
      transcoder: coldStart(2, async (request, { instance }) =>
        Response.json({ instance, body: await request.text(), method: request.method }),
      ),
    });

    const res = await transcode(c.bindings, "v-42");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ result: { instance: "v-42", body: "frames", method: "POST" }, attempts: 3 });
    expect(c.callsTo("transcoder", "v-42").map((call) => call.method)).toEqual(["fetch", "fetch", "fetch"]);
    expect(c.instance("transcoder", "v-42")).toMatchObject({ status: "healthy", starts: 1 });
  });

  it("reports a failing container as the Worker's own 502", async () => {
    const c = createContainerTestContext<typeof containerSpecs>({
      transcoder: () => new Response("codec missing", { status: 500 }),
    });
    const res = await transcode(c.bindings, "v-7");
    expect(res.status).toBe(502);
    expect(await res.text()).toBe("transcoder failed: 500");
  });

  it("runs in workerd, where the pool's own container binding has no container behind it", async () => {
    expect(navigator.userAgent).toBe("Cloudflare-Workers");
    // Without the double the Worker reaches the real Durable Object, which the pool starts without ctx.container.
    await expect(transcode({}, "v-1")).rejects.toThrow(
      /the Durable Object class for container "transcoder" has no container/,
    );
  });
});
