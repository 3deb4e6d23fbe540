/**
 * Request proxying to a serving container, as cheap as the contract allows on the warm path: one header copy to
 * drop Moorage's routing headers (`moorage-*`, `cf-container-target-port`: they are for the object, never the app),
 * `getTcpPort(port).fetch()` with the body streamed, and the container's response passed back untouched unless it
 * carries `moorage-*` headers of its own (stripped, so `moorage-error` on a response always comes from Moorage) or
 * Moorage adds one (`moorage-cold-start-ms`).
 *
 * Activity: a response with a declared length up to 1 MiB releases its activity when its headers arrive (the
 * transfer that remains is shorter than any `sleepAfter`), so it needs no pipe; every other body (streams, SSE,
 * large downloads) is piped through workerd's native pass-through and releases when it ends, is cancelled, or the
 * request aborts. WebSockets are relayed frame by frame (`websocket.ts`).
 *
 * Boundary: one request. Deciding whether the container is serving, and classifying failures, is the caller's.
 */
import { INTERNAL_HEADER_PREFIX, stripRoutingHeaders } from "../protocol.js";
import { declaredLength, type Release, releasingBody } from "./activity.js";
import { proxyWebSocket } from "./websocket.js";

/** Moorage's own headers: never passed back from the app's responses (so `moorage-error` always comes from Moorage). */
const MOORAGE_PREFIX = INTERNAL_HEADER_PREFIX;
/** Largest declared body released at headers time instead of at its end. */
const SMALL_BODY = 1 << 20;

/** Headers for the app: the caller's minus every routing header (`isRoutingHeader` in protocol.ts). */
export function appRequestHeaders(incoming: Headers): Headers {
  return stripRoutingHeaders(new Headers(incoming));
}

function hasMoorageHeader(headers: Headers): boolean {
  for (const name of headers.keys()) if (name.startsWith(MOORAGE_PREFIX)) return true;
  return false;
}

function responseHeaders(from: Headers, extra: Record<string, string>): Headers {
  const headers = new Headers();
  for (const [name, value] of from) {
    if (!name.startsWith(MOORAGE_PREFIX)) headers.append(name, value);
  }
  for (const [name, value] of Object.entries(extra)) headers.set(name, value);
  return headers;
}

export interface ProxyOptions {
  port: { fetch(input: string, init?: RequestInit): Promise<Response> };
  request: Request;
  release: Release;
  /** Headers Moorage adds to the response. */
  extra?: Record<string, string>;
  /** Called on every WebSocket frame (activity). */
  onFrame(): void;
}

/** Sends `request` to the container port and shapes its answer. Throws what `fetch` throws. */
export async function proxyToContainer(options: ProxyOptions): Promise<Response> {
  const { request, release } = options;
  const url = request.url.startsWith("https:") ? `http:${request.url.slice(6)}` : request.url;
  // The body is handed over as a stream, never buffered (containers#98/#116). `duplex` is required by
  // standards-following runtimes for a streamed request body and ignored by workerd.
  const init: RequestInit & { duplex?: "half" } = {
    method: request.method,
    headers: appRequestHeaders(request.headers),
    redirect: "manual",
    signal: request.signal,
  };
  if (request.body !== null) {
    init.body = request.body;
    init.duplex = "half";
  }
  const response = await options.port.fetch(url, init);
  const extra = options.extra ?? {};
  const rewrite = Object.keys(extra).length > 0 || hasMoorageHeader(response.headers);

  const upgraded = (response as Response & { webSocket?: WebSocket | null }).webSocket;
  if (upgraded) {
    return proxyWebSocket(
      response as Response & { webSocket: WebSocket },
      release,
      options.onFrame,
      responseHeaders(response.headers, extra),
    );
  }
  const length = declaredLength(response.headers);
  if (response.body === null || (length !== undefined && length <= SMALL_BODY)) {
    release();
    if (!rewrite) return response;
    return new Response(response.body, {
      status: response.status,
      statusText: response.statusText,
      headers: responseHeaders(response.headers, extra),
    });
  }
  return new Response(releasingBody(response.body, release, request.signal, length), {
    status: response.status,
    statusText: response.statusText,
    headers: rewrite ? responseHeaders(response.headers, extra) : response.headers,
  });
}
