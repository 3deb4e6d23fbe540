/**
 * Scripting helpers for test-double handlers: make an instance behave like one the platform is still
 * provisioning. Each produces exactly what `COLD_START_SIGNALS` describes, so the client's real classification
 * decides what happens next, as it would in production.
 */
import { COLD_START_SIGNALS, type ColdStartSignalName } from "../client/signals.js";
import { MoorageError } from "../errors.js";
import { HEADERS } from "../protocol.js";
import type { TestHandler } from "./types.js";

/**
 * Wraps `handler` so that the first `times` requests to each instance get a cold-start signal (by default the
 * object's own 503 `moorage-error: starting`, what a real instance answers while it starts), and later ones reach
 * `handler`. Pass `{ signal }` for another one (`COLD_START_SIGNALS` names them all).
 */
export function coldStart(
  times: number,
  handler: TestHandler,
  options: { signal?: ColdStartSignalName } = {},
): TestHandler {
  const seen = new Map<string, number>();
  return (request, info) => {
    const count = seen.get(info.instance) ?? 0;
    seen.set(info.instance, count + 1);
    return count < times ? coldStartSignal(options.signal ?? "starting") : handler(request, info);
  };
}

/** The response (or, for thrown-only signals, the rejection) a cold-start signal looks like. */
export function coldStartSignal(name: ColdStartSignalName): Promise<Response> {
  const signal = COLD_START_SIGNALS.find((s) => s.name === name);
  if (!signal) {
    throw new MoorageError(
      "invalid-option",
      `moorage: unknown cold-start signal "${name}"; use one of ${COLD_START_SIGNALS.map((s) => s.name).join(", ")}`,
    );
  }
  const example = signal.example;
  if ("error" in example) return Promise.reject(new Error(example.error));
  const headers = { "content-type": "application/json", [HEADERS.error]: example.code };
  return Promise.resolve(new Response(example.body, { status: example.status, headers }));
}
