/**
 * Cold-start signals: the exact set of thrown errors and responses that mean "the platform is still provisioning
 * this instance (or the local engine had a transient); the same request will work if you wait".
 *
 * `get`, `any` and `pool` classify every attempt with this module and nothing else, the benchmark and tests import
 * `COLD_START_SIGNALS`, and the test double scripts cold starts from each signal's `example`. Texts come from
 * `@cloudflare/containers` 0.3.7 (`dist/lib/container.js`), the local engine (upstream containers#155) and the
 * `moorage/do` protocol. Anything not listed here, notably an application 5xx, is not a cold start.
 */
import { type ErrorKind, HEADERS, RETRYABLE_ERROR_KINDS } from "../protocol.js";

/** One way the platform says "not yet". */
export interface ColdStartSignal {
  /** Stable name, reported as `AttemptEvent.signal`. */
  readonly name: string;
  /** Where it comes from, for readers. */
  readonly source: string;
  /** Matches a thrown error whose message (or a cause's) contains this, case-insensitively. */
  readonly errorIncludes?: string;
  /** Matches a response with one of these statuses whose body contains `bodyIncludes` (when set). */
  readonly response?: { readonly statuses: readonly number[]; readonly bodyIncludes?: string };
  /** Matches a response carrying this `moorage-error` kind (set by `moorage/do`), whatever its status. */
  readonly errorKind?: ErrorKind;
  /** What the signal looks like, for tests and the test double's `coldStart()`. */
  readonly example:
    | { readonly status: number; readonly body: string; readonly kind?: ErrorKind }
    | { readonly error: string };
}

export const COLD_START_SIGNALS = [
  {
    name: "starting",
    source: "moorage/do: its own response while the container is still starting (moorage-error: starting)",
    errorKind: "starting",
    example: { status: 503, body: "container is starting", kind: "starting" },
  },
  {
    name: "no-instance",
    source: "@cloudflare/containers: 503 when no instance can be provided yet (deploys, upstream #45)",
    errorIncludes: "no container instance",
    response: { statuses: [503], bodyIncludes: "no container instance" },
    example: { status: 503, body: "There is no Container instance available at this time." },
  },
  {
    name: "start-failed",
    source: "@cloudflare/containers: 500 when starting or waiting for ports failed",
    errorIncludes: "failed to start container",
    response: { statuses: [500], bodyIncludes: "failed to start container" },
    example: { status: 500, body: "Failed to start container: Container did not start after 8000ms" },
  },
  {
    name: "rate-limited",
    source: "@cloudflare/containers: 429 'you are requesting too many containers per second'; any 429 is waited out",
    errorIncludes: "too many containers",
    response: { statuses: [429] },
    example: { status: 429, body: "you are requesting too many containers per second" },
  },
  {
    name: "not-listening",
    source: "@cloudflare/containers: the container process is up but its port is not open yet",
    errorIncludes: "not listening",
    response: { statuses: [500, 502, 503], bodyIncludes: "not listening" },
    example: { error: "the container is not listening on port 8080" },
  },
  {
    name: "try-again-later",
    source: "platform and engine transients that ask for a retry",
    errorIncludes: "try again later",
    response: { statuses: [500, 502, 503], bodyIncludes: "try again later" },
    example: { status: 503, body: "Service temporarily unavailable, try again later" },
  },
  {
    name: "monitor-missing",
    source: "local engine transient (upstream #155)",
    errorIncludes: "monitor failed to find container",
    response: { statuses: [500, 502, 503], bodyIncludes: "monitor failed to find container" },
    example: { error: "monitor failed to find container" },
  },
  {
    name: "port-not-found",
    source: "local engine transient (upstream #155)",
    errorIncludes: "container port not found",
    response: { statuses: [500, 502, 503], bodyIncludes: "container port not found" },
    example: { status: 500, body: "Failed to proxy: container port not found" },
  },
  {
    name: "connection-refused",
    source: "local engine transient (upstream #155): nothing accepted the connection, so nothing was processed",
    errorIncludes: "connection refused",
    response: { statuses: [500, 502, 503], bodyIncludes: "connection refused" },
    example: { status: 500, body: "Error proxying request to container: connect ECONNREFUSED: connection refused" },
  },
  {
    name: "object-reset",
    source: "Durable Object transient: the platform library aborts the object when its container link is lost",
    errorIncludes: "network connection lost",
    example: { error: "Network connection lost." },
  },
] as const satisfies readonly ColdStartSignal[];

/** The names of all cold-start signals. */
export type ColdStartSignalName = (typeof COLD_START_SIGNALS)[number]["name"];

/** Bodies larger than this are never inspected: platform error bodies are short, application bodies may not be. */
export const MAX_SNIFFED_BODY_BYTES = 4096;

const SIGNALS: readonly ColdStartSignal[] = COLD_START_SIGNALS;
const SNIFFED_STATUSES = new Set(SIGNALS.flatMap((s) => (s.response?.bodyIncludes ? s.response.statuses : [])));

/** The signal a thrown error matches, or undefined. Looks through `cause` chains (wrapped errors). */
export function matchErrorSignal(error: unknown): ColdStartSignal | undefined {
  const text = errorText(error);
  return SIGNALS.find((s) => s.errorIncludes !== undefined && text.includes(s.errorIncludes));
}

/**
 * The signal a response matches, or undefined. Reads only status and headers, plus, for a short error response
 * whose status a body-matched signal uses, the first bytes of a clone of its body: the response itself is never
 * consumed, and long or streaming bodies are never buffered.
 */
export async function matchResponseSignal(response: Response): Promise<ColdStartSignal | undefined> {
  if (isWebSocketResponse(response)) return undefined;
  // The object's own verdict wins: a `not-ready` or `config` error is final even if its text sounds transient.
  const kind = response.headers.get(HEADERS.error);
  if (kind !== null) {
    if (!RETRYABLE_ERROR_KINDS.has(kind as ErrorKind)) return undefined;
    return SIGNALS.find((s) => s.errorKind === kind);
  }
  const byStatus = SIGNALS.find(
    (s) => s.response && !s.response.bodyIncludes && s.response.statuses.includes(response.status),
  );
  if (byStatus) return byStatus;
  if (!SNIFFED_STATUSES.has(response.status)) return undefined;
  const body = await sniffBody(response);
  if (body === undefined) return undefined;
  return SIGNALS.find(
    (s) =>
      s.response?.bodyIncludes !== undefined &&
      s.response.statuses.includes(response.status) &&
      body.includes(s.response.bodyIncludes),
  );
}

/** A 101 or a response carrying a `webSocket` (workerd): never inspected, wrapped or retried. */
export function isWebSocketResponse(response: Response): boolean {
  const socket = (response as { webSocket?: unknown }).webSocket;
  return response.status === 101 || (socket !== undefined && socket !== null);
}

/**
 * Lowercased first bytes of a clone of the body; undefined when there is none or it is declared too long. Without a
 * Content-Length only the first chunk is read, so a slow streaming body can delay classification by at most one
 * chunk and is never drained.
 */
async function sniffBody(response: Response): Promise<string | undefined> {
  if (response.body === null || response.bodyUsed) return undefined;
  const header = response.headers.get("content-length");
  const declared = header === null ? undefined : Number(header);
  if (declared !== undefined && !(declared <= MAX_SNIFFED_BODY_BYTES)) return undefined;
  const reader = response.clone().body?.getReader();
  if (!reader) return undefined;
  const decoder = new TextDecoder();
  let text = "";
  let bytes = 0;
  try {
    do {
      const { done, value } = await reader.read();
      if (done) break;
      bytes += value.byteLength;
      text += decoder.decode(value, { stream: true });
    } while (declared !== undefined && bytes < declared);
  } catch {
    // An unreadable clone says nothing about provisioning; the caller still gets the original.
  } finally {
    // Release the tee branch so the original body is not held back waiting on us.
    reader.cancel().catch(() => {});
  }
  return text.toLowerCase();
}

function errorText(error: unknown, depth = 0): string {
  if (depth > 4 || error === undefined || error === null) return "";
  if (error instanceof Error) return `${error.message.toLowerCase()}\n${errorText(error.cause, depth + 1)}`;
  return String(error).toLowerCase();
}
