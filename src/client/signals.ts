/**
 * Signals: the exact set of thrown errors and responses that mean "this instance was not serving the request"
 * (still starting, over its limit, stopping, its port closed, or the connection to it lost), each with whether the
 * request may have reached the app. `send.ts` classifies every attempt with this module and nothing else.
 *
 * Derived, never written out: the response signals are the object's retryable `OBJECT_ERRORS` codes, and the
 * thrown-error signals are the platform catalog `PLATFORM_MESSAGES`, both in `src/protocol.ts`, which the Durable
 * Object classifies with too. A response is a signal only when it carries `moorage-error` (which the object sets
 * on its own responses and strips from the container's): an application's 502 "connection refused", 503 "try again
 * later" or plain 429 is the app speaking, passed through untouched. Bodies are never read.
 */
import {
  type Delivery,
  HEADERS,
  isObjectErrorCode,
  matchPlatformMessage,
  OBJECT_ERRORS,
  type ObjectErrorCode,
  PLATFORM_MESSAGES,
  type PlatformMessageName,
  type RetryRule,
} from "../protocol.js";

/** The object codes a client may retry (every code whose rule is not `never`). */
export type RetryableObjectCode = {
  [K in ObjectErrorCode]: (typeof OBJECT_ERRORS)[K]["retry"] extends "never" ? never : K;
}[ObjectErrorCode];

/** The names of all signals: the retryable object codes and the platform messages. */
export type ColdStartSignalName = RetryableObjectCode | PlatformMessageName;

/** One way the platform or the object says "not served". */
export interface ColdStartSignal {
  /** Stable name, reported as `AttemptEvent.signal`. */
  readonly name: ColdStartSignalName;
  /** Where it comes from, for readers. */
  readonly source: string;
  /** The object code it means. */
  readonly code: ObjectErrorCode;
  /** Whether the request may have reached the app. */
  readonly delivery: Delivery;
  /** Who may be re-sent after it: any request, only an idempotent one. */
  readonly retry: Exclude<RetryRule, "never">;
  /** True when `pool()` should move to another instance (the instance is saturated). */
  readonly moveInstance: boolean;
  /** Matches a thrown error whose message (or a cause's) contains this, case-insensitively. */
  readonly errorIncludes?: string;
  /** Matches a response carrying this `moorage-error` code, whatever its status. */
  readonly errorCode?: ObjectErrorCode;
  /** What the signal looks like, for tests and the test double's `coldStart()`. */
  readonly example:
    | { readonly status: number; readonly body: string; readonly code: ObjectErrorCode }
    | { readonly error: string };
}

const RESPONSE_SIGNALS: readonly ColdStartSignal[] = (Object.keys(OBJECT_ERRORS) as ObjectErrorCode[]).flatMap(
  (code) => {
    const spec = OBJECT_ERRORS[code];
    if (spec.retry === "never") return [];
    const signal: ColdStartSignal = {
      name: code as RetryableObjectCode,
      source: `moorage/do: its own response (moorage-error: ${code}): ${spec.meaning}`,
      code,
      delivery: spec.delivery,
      retry: spec.retry,
      moveInstance: spec.moveInstance,
      errorCode: code,
      example: { status: spec.status, body: JSON.stringify({ error: code, message: spec.meaning }), code },
    };
    return [signal];
  },
);

const ERROR_SIGNALS: readonly ColdStartSignal[] = PLATFORM_MESSAGES.map((m) => {
  const spec = OBJECT_ERRORS[m.code];
  return {
    name: m.name,
    source: m.source,
    code: m.code,
    delivery: spec.delivery,
    retry: spec.retry as Exclude<RetryRule, "never">,
    moveInstance: spec.moveInstance,
    errorIncludes: m.text,
    example: { error: m.example },
  };
});

/** Every signal: the object's retryable responses first, then the platform's thrown messages. */
export const COLD_START_SIGNALS: readonly ColdStartSignal[] = [...RESPONSE_SIGNALS, ...ERROR_SIGNALS];

/** The signal a thrown error matches, or undefined. Looks through `cause` chains (wrapped errors). */
export function matchErrorSignal(error: unknown): ColdStartSignal | undefined {
  const message = matchPlatformMessage(error);
  return message && ERROR_SIGNALS.find((s) => s.name === message.name);
}

/**
 * The signal a response matches, or undefined. Reads the `moorage-error` header only: the response is never
 * consumed or cloned. The object's final verdicts (`not-ready`, `config`, `start-failed`) are no signal.
 */
export function matchResponseSignal(response: Response): ColdStartSignal | undefined {
  if (isWebSocketResponse(response)) return undefined;
  const code = response.headers.get(HEADERS.error);
  if (!isObjectErrorCode(code)) return undefined;
  return RESPONSE_SIGNALS.find((s) => s.errorCode === code);
}

/** A 101 or a response carrying a `webSocket` (workerd): never inspected, wrapped or retried. */
export function isWebSocketResponse(response: Response): boolean {
  const socket = (response as { webSocket?: unknown }).webSocket;
  return response.status === 101 || (socket !== undefined && socket !== null);
}
