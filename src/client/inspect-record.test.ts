/**
 * Under `moorage dev` (the `MOORAGE_INSPECT` var), each call through the typed client writes one `request` record
 * for the inspector page; without the var it writes nothing.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { INSPECT_VAR } from "../records.js";
import { fakeNamespace, noInstance, recordingClock } from "./__fixtures__/fake-namespace.js";
import { createContainerContext } from "./context.js";
import type { CallEvent } from "./types.js";

const specs = [{ exportName: "transcoder", binding: "CONTAINER_TRANSCODER" }] as const;

function records(spy: ReturnType<typeof vi.spyOn>): Array<Record<string, unknown>> {
  return spy.mock.calls
    .map((args: unknown[]) => String(args[0]))
    .filter((line: string) => line.includes('"source":"moorage"'))
    .map((line: string) => JSON.parse(line) as Record<string, unknown>);
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("request records for the inspector", () => {
  it("writes one record per call with attempts, wait and status, and still calls onCall", async () => {
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    const fake = fakeNamespace((_request, _instance, n) => (n <= 1 ? noInstance() : new Response("ok")));
    const calls: CallEvent[] = [];
    const ctx = createContainerContext({ CONTAINER_TRANSCODER: fake.namespace, [INSPECT_VAR]: "1" }, specs, {
      clock: recordingClock(),
      onCall: (e) => calls.push(e),
    });
    const response = await ctx.transcoder.get("video-1").fetch("/transcode?key=secret", { method: "post" });
    expect(response.status).toBe(200);
    expect(records(log)).toEqual([
      expect.objectContaining({
        source: "moorage",
        event: "request",
        container: "transcoder",
        instance: "video-1",
        method: "POST",
        path: "/transcode", // never the query string
        attempts: 2,
        status: 200,
      }),
    ]);
    expect(calls).toHaveLength(1);
  });

  it("writes nothing without MOORAGE_INSPECT", async () => {
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    const fake = fakeNamespace(() => new Response("ok"));
    const ctx = createContainerContext({ CONTAINER_TRANSCODER: fake.namespace }, specs, { clock: recordingClock() });
    await ctx.transcoder.get("video-1").fetch("/");
    expect(records(log)).toEqual([]);
  });
});
