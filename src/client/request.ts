/**
 * Turns what the caller passed to `fetch()` into one `Request` per attempt, and decides whether a second attempt
 * is allowed at all.
 *
 * The rule (upstream containers #98/#116): a body that cannot be replayed is never sent twice. A pre-built
 * `Request` may carry a one-shot stream, so it is sent once; a string/URL input is rebuilt from `init` for every
 * attempt, which is safe exactly when the body is a value (string, bytes, form, blob) rather than a stream.
 *
 * Routing travels only in the client's own channel: every routing header the caller's request carries
 * (`cf-container-target-port`, any `moorage-*`) is removed before the client sets `moorage-port` and the
 * percent-encoded `moorage-instance`, so a public request forwarded with `get(id).fetch(request)` cannot pick the
 * port or rename the instance.
 */
import { encodeInstanceName, HEADERS, stripRoutingHeaders } from "../protocol.js";

/** Relative inputs (`"/transcode"`) resolve against this origin. The host is never used for routing. */
export const CONTAINER_ORIGIN = "http://container";

/** The caller's request, ready to be materialized once per attempt. */
export interface PreparedRequest {
  /** False when a second attempt could send a different (already consumed) body. */
  readonly replayable: boolean;
  /** The caller's abort signal: an aborted call is never retried. */
  readonly signal: AbortSignal | undefined;
  /** The request method, uppercased (for the idempotency rule). */
  readonly method: string;
  /** The URL's path, without the query (reported on `onCall` events and inspector records). */
  readonly path: string;
  /** The caller's headers without routing headers (for the idempotency rule: `Idempotency-Key`). */
  readonly headers: Headers;
  /** A fresh `Request` for one attempt, addressed to `instance` (and `port`, when set). */
  build(instance: string, port: number | undefined): Request;
}

export function prepareRequest(input: RequestInfo | URL, init: RequestInit | undefined): PreparedRequest {
  if (input instanceof Request) return preparePrebuilt(input, init);
  const url = typeof input === "string" ? new URL(input, CONTAINER_ORIGIN) : new URL(input.toString());
  const body = init?.body;
  const streaming = body instanceof ReadableStream;
  // One private copy per call, stripped once: each attempt only sets its own routing headers on it, and
  // `new Request` copies it, so no attempt sees another's instance.
  const headers = stripRoutingHeaders(new Headers(init?.headers));
  return {
    replayable: isReplayableBody(body),
    signal: init?.signal ?? undefined,
    method: (init?.method ?? "GET").toUpperCase(),
    path: url.pathname,
    headers,
    build(instance, port) {
      const attemptHeaders = addressed(headers, instance, port);
      // Node's fetch refuses a stream body without `duplex: "half"`; workerd ignores the field.
      const attemptInit = { ...init, headers: attemptHeaders, ...(streaming ? { duplex: "half" } : {}) };
      return new Request(url, attemptInit as RequestInit);
    },
  };
}

function preparePrebuilt(input: Request, init: RequestInit | undefined): PreparedRequest {
  let built = false;
  return {
    replayable: false,
    signal: init?.signal ?? input.signal ?? undefined,
    method: (init?.method ?? input.method).toUpperCase(),
    path: new URL(input.url).pathname,
    headers: new Headers(init?.headers ?? input.headers),
    build(instance, port) {
      if (built) throw new Error("moorage internal error: a pre-built Request was materialized twice");
      built = true;
      // A fresh Request: the caller's (e.g. the Worker's incoming request) may have immutable headers.
      const streaming = input.body !== null && init?.body === undefined;
      const request = new Request(input, { ...init, ...(streaming ? { duplex: "half" } : {}) } as RequestInit);
      routed(request.headers, instance, port);
      return request;
    },
  };
}

/** Replaces whatever routing headers the caller sent with the ones the Durable Object reads. */
function routed(headers: Headers, instance: string, port: number | undefined): Headers {
  return addressed(stripRoutingHeaders(headers), instance, port);
}

/** Sets the routing headers the Durable Object reads on headers that carry no caller's routing header. */
function addressed(headers: Headers, instance: string, port: number | undefined): Headers {
  headers.set(HEADERS.instanceName, encodeInstanceName(instance));
  if (port !== undefined) headers.set(HEADERS.port, String(port));
  return headers;
}

/** Bodies that can be handed to `new Request` again and produce the same bytes. */
export function isReplayableBody(body: unknown): boolean {
  return (
    body === undefined ||
    body === null ||
    typeof body === "string" ||
    body instanceof ArrayBuffer ||
    ArrayBuffer.isView(body) ||
    body instanceof URLSearchParams ||
    body instanceof Blob ||
    body instanceof FormData
  );
}
