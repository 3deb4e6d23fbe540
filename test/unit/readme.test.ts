/**
 * The README's test-double example, run as written (with the specs inlined instead of imported from a
 * generated module), so the documentation cannot drift from the code.
 */
import { describe, expect, it } from "vitest";
import { coldStart, createContainerTestContext } from "../../src/testing/index.js";

const containerSpecs = [{ exportName: "transcoder", binding: "CONTAINER_TRANSCODER", maxInstances: 5 }] as const;

describe("README: testing without Docker", () => {
  it("rides out a scripted cold start and records lifecycle calls", async () => {
    const c = createContainerTestContext<typeof containerSpecs>({
      transcoder: coldStart(2, (_request, { instance }) => Response.json({ instance })),
    });

    const res = await c.transcoder.get("video-1").fetch("/transcode", { method: "POST" });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ instance: "video-1" });
    expect(res.headers.get("moorage-attempts")).toBe("3");
    await c.transcoder.get("video-1").stop();
    expect(c.callsTo("transcoder", "video-1").map((call) => call.method)).toEqual(["fetch", "fetch", "fetch", "stop"]);
  });
});
