/**
 * The exact set of cold-start signals: every platform text we know, and the look-alikes that must pass through.
 * The tables spell the texts out literally (copied from @cloudflare/containers 0.3.7 and the local engine), so a
 * drifting constant fails here instead of silently widening or narrowing what gets retried.
 */
import { describe, expect, it } from "vitest";
import { HEADERS } from "../protocol.js";
import { COLD_START_SIGNALS, MAX_SNIFFED_BODY_BYTES, matchErrorSignal, matchResponseSignal } from "./signals.js";

const retriedResponses: [string, number, string, Record<string, string>?][] = [
  [
    "no-instance",
    503,
    "There is no Container instance available at this time.\nThis is likely because you have reached your max concurrent instance count",
  ],
  ["start-failed", 500, "Failed to start container: Container did not start after 8000ms"],
  ["start-failed", 500, "Failed to start container: there is no container instance that can be provided"],
  ["rate-limited", 429, "you are requesting too many containers per second"],
  ["rate-limited", 429, ""],
  ["not-listening", 503, "the container is not listening on port 8080"],
  ["try-again-later", 503, "Upstream busy, try again later"],
  ["monitor-missing", 500, "Error proxying request to container: monitor failed to find container"],
  ["port-not-found", 500, "Error proxying request to container: container port not found"],
  ["connection-refused", 502, "dial tcp 127.0.0.1:8080: connect: connection refused"],
  ["starting", 503, "starting", { [HEADERS.error]: "starting" }],
  ["starting", 500, "anything at all", { [HEADERS.error]: "starting" }],
];

const passedThroughResponses: [string, number, string, Record<string, string>?][] = [
  ["application 500", 500, "Internal Server Error: database is down"],
  ["application 502", 502, "bad gateway from the app's own upstream"],
  ["application 503", 503, "maintenance mode"],
  ["application 504", 504, "try again later"],
  ["404 mentioning a signal", 404, "no container instance"],
  ["200 mentioning a signal", 200, "Failed to start container"],
  ["platform disconnect mid-request", 500, "Container suddenly disconnected, try again"],
  ["proxy error", 500, "Error proxying request to container: TypeError: invalid header"],
  ["not-ready (readiness budget spent)", 503, "readiness probe /ready failed", { [HEADERS.error]: "not-ready" }],
  ["config (missing secret)", 500, "Failed to start container: secret X missing", { [HEADERS.error]: "config" }],
  ["start-failed kind", 500, "Failed to start container: exit 1", { [HEADERS.error]: "start-failed" }],
  ["origin disallowed", 520, "Origin is disallowed"],
];

const retriedErrors: [string, string][] = [
  ["no-instance", "there is no container instance that can be provided to this durable object"],
  ["start-failed", "Failed to start container: boom"],
  ["rate-limited", "you are requesting too many containers per second"],
  ["not-listening", "the container is not listening"],
  ["try-again-later", "Service Unavailable, Try Again Later"],
  ["monitor-missing", "Monitor failed to find container"],
  ["port-not-found", "container port not found"],
  ["connection-refused", "connect ECONNREFUSED 127.0.0.1:1234: Connection refused"],
  ["object-reset", "Network connection lost."],
];

const passedThroughErrors = [
  "TypeError: Invalid URL",
  "Durable Object exceeded its memory limit",
  "this.start is not a function",
  "Container exited with unexpected exit code: 1",
];

describe("cold-start signals", () => {
  it.each(retriedResponses)("retries %s (%i %j)", async (name, status, body, headers) => {
    const signal = await matchResponseSignal(new Response(body, { status, headers }));
    expect(signal?.name).toBe(name);
  });

  it.each(passedThroughResponses)("passes through %s", async (_label, status, body, headers) => {
    expect(await matchResponseSignal(new Response(body, { status, headers }))).toBeUndefined();
  });

  it.each(retriedErrors)("retries a thrown %s", (name, message) => {
    expect(matchErrorSignal(new Error(message))?.name).toBe(name);
  });

  it.each(passedThroughErrors)("passes through a thrown %j", (message) => {
    expect(matchErrorSignal(new Error(message))).toBeUndefined();
  });

  it("finds a signal in an error's cause", () => {
    const wrapped = new Error("RPC failed", { cause: new Error("monitor failed to find container") });
    expect(matchErrorSignal(wrapped)?.name).toBe("monitor-missing");
  });

  it("has exactly these signals", () => {
    expect(COLD_START_SIGNALS.map((s) => s.name)).toEqual([
      "starting",
      "no-instance",
      "start-failed",
      "rate-limited",
      "not-listening",
      "try-again-later",
      "monitor-missing",
      "port-not-found",
      "connection-refused",
      "object-reset",
    ]);
  });

  it.each(COLD_START_SIGNALS.map((s) => [s.name, s] as const))("recognizes its own example: %s", async (name, s) => {
    const example = s.example;
    const found =
      "error" in example
        ? matchErrorSignal(new Error(example.error))
        : await matchResponseSignal(
            new Response(example.body, {
              status: example.status,
              headers: "kind" in example ? { [HEADERS.error]: example.kind } : {},
            }),
          );
    expect(found?.name).toBe(name);
  });

  it("leaves the response body unread", async () => {
    const response = new Response("There is no Container instance available", { status: 503 });
    await matchResponseSignal(response);
    expect(response.bodyUsed).toBe(false);
    expect(await response.text()).toBe("There is no Container instance available");
  });

  it("does not read a body declared longer than the sniff limit", async () => {
    let pulled = false;
    const body = new ReadableStream<Uint8Array>(
      {
        pull(controller) {
          pulled = true;
          controller.enqueue(new TextEncoder().encode("no container instance"));
          controller.close();
        },
      },
      { highWaterMark: 0 },
    );
    const response = new Response(body, {
      status: 503,
      headers: { "content-length": String(MAX_SNIFFED_BODY_BYTES + 1) },
    });
    expect(await matchResponseSignal(response)).toBeUndefined();
    expect(pulled).toBe(false);
  });

  it("reads only the first chunk of an undeclared streaming body", async () => {
    const encoder = new TextEncoder();
    let pulls = 0;
    const body = new ReadableStream<Uint8Array>(
      {
        pull(controller) {
          pulls++;
          // The signal text arrives in the second chunk: too late, and the stream is never drained.
          controller.enqueue(encoder.encode(pulls === 1 ? "app error, " : "no container instance"));
          if (pulls > 50) controller.close();
        },
      },
      { highWaterMark: 0 },
    );
    const response = new Response(body, { status: 503 });
    expect(await matchResponseSignal(response)).toBeUndefined();
    expect(pulls).toBeLessThanOrEqual(2);
  });
});
