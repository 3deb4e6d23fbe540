/**
 * The exact set of signals: what Moorage's object and the platform say, and the look-alikes an app can send that
 * must pass through. The tables spell the texts out literally, so a drifting constant fails here instead of
 * silently widening or narrowing what gets retried.
 */
import { describe, expect, it } from "vitest";
import { HEADERS, PLATFORM_MESSAGES } from "../protocol.js";
import { COLD_START_SIGNALS, matchErrorSignal, matchResponseSignal } from "./signals.js";

/** Responses the object produced itself: `moorage-error` set. [signal, status, code] */
const objectResponses: [string, number, string][] = [
  ["starting", 503, "starting"],
  ["starting", 429, "starting"],
  ["busy", 503, "busy"],
  ["busy", 429, "busy"],
  ["stopping", 503, "stopping"],
  ["not-listening", 502, "not-listening"],
  ["connection-lost", 502, "connection-lost"],
  ["unreachable", 502, "unreachable"],
];

/** Responses that must reach the caller untouched: the app's own, and the object's final verdicts. */
const passedThroughResponses: [string, number, string, Record<string, string>?][] = [
  ["application 500", 500, "Internal Server Error: database is down"],
  ["application 502 'connection refused'", 502, "dial tcp 10.0.0.1:5432: connect: connection refused"],
  ["application 503 'try again later'", 503, "Service temporarily unavailable, try again later"],
  ["application plain 429", 429, "slow down"],
  ["application 503 'no container instance'", 503, "There is no Container instance available at this time."],
  ["application 500 'not listening'", 500, "the container is not listening on port 8080"],
  ["application 500 'network connection lost'", 500, "Network connection lost."],
  ["not-ready (readiness budget spent)", 503, "readiness probe /ready failed", { [HEADERS.error]: "not-ready" }],
  ["config (missing secret)", 500, "secret X missing", { [HEADERS.error]: "config" }],
  ["start-failed", 500, "exit 1", { [HEADERS.error]: "start-failed" }],
  ["bad-request", 400, "bad port", { [HEADERS.error]: "bad-request" }],
  ["an unknown moorage-error value", 503, "?", { [HEADERS.error]: "warming-up" }],
];

/** Thrown errors from the platform. [signal, message, may it have reached the app] */
const thrownSignals: [string, string, "not-delivered" | "maybe-delivered"][] = [
  ["no-instance", "there is no container instance that can be provided to this durable object", "not-delivered"],
  ["rate-limited", "You are requesting too many containers per second, try again later", "not-delivered"],
  ["monitor-missing", "Monitor failed to find container", "not-delivered"],
  ["port-not-found", "container port not found", "not-delivered"],
  ["did-not-start", "Container did not start after 8000ms", "not-delivered"],
  ["container-stopping", "The container is stopping", "not-delivered"],
  ["connection-refused", "connect ECONNREFUSED 127.0.0.1:1234: Connection refused", "not-delivered"],
  ["port-not-listening", "the container is not listening", "not-delivered"],
  ["try-again-later", "Service Unavailable, Try Again Later", "not-delivered"],
  ["link-lost", "Network connection lost.", "maybe-delivered"],
  ["container-disconnected", "Container suddenly disconnected", "maybe-delivered"],
  ["port-closed", "Container port connection closed unexpectedly.", "maybe-delivered"],
  ["object-reset", "Durable Object reset because its code was updated.", "maybe-delivered"],
];

const passedThroughErrors = [
  "TypeError: Invalid URL",
  "Durable Object exceeded its memory limit",
  "this.start is not a function",
  "Container exited with unexpected exit code: 1",
];

describe("signals", () => {
  it.each(objectResponses)(
    "a response from the object with moorage-error: %s (%i) is a signal",
    (name, status, code) => {
      const signal = matchResponseSignal(new Response("{}", { status, headers: { [HEADERS.error]: code } }));
      expect(signal?.name).toBe(name);
    },
  );

  it.each(passedThroughResponses)("passes through %s", (_label, status, body, headers) => {
    expect(matchResponseSignal(new Response(body, { status, headers }))).toBeUndefined();
  });

  it.each(thrownSignals)("a thrown %s is a signal, %s", (name, message, delivery) => {
    const signal = matchErrorSignal(new Error(message));
    expect([signal?.name, signal?.delivery]).toEqual([name, delivery]);
  });

  it("connection-lost and unreachable responses may have reached the app; the rest never did", () => {
    const maybe = COLD_START_SIGNALS.filter((s) => s.delivery === "maybe-delivered").map((s) => s.name);
    expect(maybe).toEqual([
      "connection-lost",
      "unreachable",
      "link-lost",
      "container-disconnected",
      "port-closed",
      "object-reset",
    ]);
    for (const s of COLD_START_SIGNALS) expect(s.retry).toBe(s.delivery === "maybe-delivered" ? "idempotent" : "any");
  });

  it.each(passedThroughErrors)("passes through a thrown %j", (message) => {
    expect(matchErrorSignal(new Error(message))).toBeUndefined();
  });

  it("finds a signal in an error's cause", () => {
    const wrapped = new Error("RPC failed", { cause: new Error("monitor failed to find container") });
    expect(matchErrorSignal(wrapped)?.name).toBe("monitor-missing");
  });

  it("has exactly these signals: the object's retryable codes, then the platform catalog", () => {
    expect(COLD_START_SIGNALS.map((s) => s.name)).toEqual([
      "starting",
      "busy",
      "stopping",
      "not-listening",
      "connection-lost",
      "unreachable",
      ...PLATFORM_MESSAGES.map((m) => m.name),
    ]);
  });

  it.each(COLD_START_SIGNALS.map((s) => [s.name, s] as const))("recognizes its own example: %s", (name, s) => {
    const example = s.example;
    const found =
      "error" in example
        ? matchErrorSignal(new Error(example.error))
        : matchResponseSignal(
            new Response(example.body, { status: example.status, headers: { [HEADERS.error]: example.code } }),
          );
    expect(found?.name).toBe(name);
  });

  it("never reads the response body", () => {
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
    const response = new Response(body, { status: 503, headers: { [HEADERS.error]: "starting" } });
    expect(matchResponseSignal(response)?.name).toBe("starting");
    expect(response.bodyUsed).toBe(false);
    expect(pulled).toBe(false);
  });
});
