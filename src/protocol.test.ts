/**
 * Both ends of the wire derive from one catalog (`src/protocol.ts`): the Durable Object's classification
 * (`src/do/errors.ts`) and the client's signals (`src/client/signals.ts`) must agree on every platform message and
 * every object code, including whether the request may have reached the app.
 */
import { describe, expect, it } from "vitest";
import { COLD_START_SIGNALS, matchErrorSignal, matchResponseSignal } from "./client/signals.js";
import { classifyProxyError, errorResponse, isTransientStartError, ObjectError } from "./do/errors.js";
import { ERROR_CODES } from "./errors.js";
import {
  decodeInstanceName,
  encodeInstanceName,
  isIdempotent,
  isRoutingHeader,
  OBJECT_ERRORS,
  type ObjectErrorCode,
  PLATFORM_MESSAGES,
  stripRoutingHeaders,
  TRANSIENT_MESSAGES,
} from "./protocol.js";

describe("one catalog, two ends", () => {
  it.each(PLATFORM_MESSAGES.map((m) => [m.name, m] as const))(
    "%s: the object and the client read it the same way",
    (_name, message) => {
      const thrown = new Error(`wrapped: ${message.example}`);
      expect(isTransientStartError(thrown)).toBe(true);
      const fromObject = classifyProxyError(thrown, "x", 8080, true);
      const fromClient = matchErrorSignal(thrown);
      expect(fromObject.code).toBe(message.code);
      expect(fromClient?.code).toBe(message.code);
      expect(fromClient?.delivery).toBe(OBJECT_ERRORS[message.code].delivery);
      // And the object's answer for it is itself a signal the client reads with the same rule.
      const answered = matchResponseSignal(errorResponse(fromObject));
      expect([answered?.code, answered?.delivery]).toEqual([message.code, fromClient?.delivery]);
    },
  );

  it("the DO's transient texts are exactly the client's thrown-error texts", () => {
    const client = COLD_START_SIGNALS.flatMap((s) => (s.errorIncludes ? [s.errorIncludes] : []));
    expect([...TRANSIENT_MESSAGES].sort()).toEqual([...client].sort());
  });

  it.each(Object.keys(OBJECT_ERRORS) as ObjectErrorCode[])(
    "object code %s: the client retries it exactly when the catalog says so",
    (code) => {
      const spec = OBJECT_ERRORS[code];
      const response = errorResponse(new ObjectError(code, "m"));
      const signal = matchResponseSignal(response);
      expect(signal?.retry).toBe(spec.retry === "never" ? undefined : spec.retry);
      expect(response.headers.get("retry-after")).toBe(spec.retry === "any" ? "1" : null);
      expect(ERROR_CODES[code].layer).toBe("object");
    },
  );

  it("an unknown proxy failure is unreachable (maybe delivered), never start-failed", () => {
    const failure = classifyProxyError(new Error("socket hang up"), "x", 8080, true);
    expect([failure.code, failure.status, OBJECT_ERRORS[failure.code].delivery]).toEqual([
      "unreachable",
      502,
      "maybe-delivered",
    ]);
  });
});

describe("the request channel", () => {
  it("names every routing header, whatever its case", () => {
    for (const name of ["cf-container-target-port", "CF-Container-Target-Port", "moorage-port", "Moorage-Anything"]) {
      expect(isRoutingHeader(name)).toBe(true);
    }
    expect(isRoutingHeader("x-moorage-port")).toBe(false);
    const headers = stripRoutingHeaders(new Headers({ "moorage-a": "1", "moorage-b": "2", "x-app": "3" }));
    expect([...headers.keys()]).toEqual(["x-app"]);
  });

  it("instance names survive the header round trip exactly", () => {
    for (const name of [" alice", "alice ", "a\tb", "日本語", "emoji 🚢", "%41", "moorage:pool:3"]) {
      const value = encodeInstanceName(name);
      expect(new Headers({ h: value }).get("h")).toBe(value);
      expect(decodeInstanceName(value)).toBe(name);
    }
    expect(decodeInstanceName("%E0%A4%A")).toBeUndefined();
    expect(decodeInstanceName(null)).toBeUndefined();
  });

  it("idempotency: by method, by Idempotency-Key, or by the caller's word", () => {
    const none = new Headers();
    expect(["GET", "head", "OPTIONS"].map((m) => isIdempotent(m, none))).toEqual([true, true, true]);
    expect(["POST", "PUT", "DELETE", "PATCH"].map((m) => isIdempotent(m, none))).toEqual([false, false, false, false]);
    expect(isIdempotent("POST", new Headers({ "Idempotency-Key": "k" }))).toBe(true);
    expect(isIdempotent("POST", none, true)).toBe(true);
    expect(isIdempotent("GET", none, false)).toBe(false);
  });
});
