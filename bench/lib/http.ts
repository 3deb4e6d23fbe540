/**
 * The bench's one HTTP client, for every path: the Worker (wrangler dev on loopback, keep-alive) and the sidecar
 * tunnel (a fresh CONNECT per request, as workerd opens one per container fetch).
 *
 * Why node:http and not fetch: the same client code on both kinds of target, so differences between paths are the
 * paths'. Every request has a timeout; bodies are drained and counted, never kept.
 * Boundary: loopback only (127.0.0.1).
 */
import http from "node:http";
import { openTunnel } from "./tunnel.js";

export type Target = { kind: "worker"; port: number } | { kind: "tunnel"; ingressPort: number; appPort?: number };

export interface Sent {
  status: number;
  /** Milliseconds until the response head arrived (time to first byte). */
  ttfbMs: number;
  /** Milliseconds until the body was fully read. */
  totalMs: number;
  /** Epoch ms when the head arrived (same clock as the container's Date.now()). */
  headAt: number;
  bytes: number;
  /** The body as text when it is small (<= 64 KiB), for JSON answers. */
  text?: string;
  /** The response headers (lowercase names), e.g. Moorage's `moorage-*` stamps. */
  headers: http.IncomingHttpHeaders;
}

export interface SendOptions {
  method?: string;
  /** A buffer to upload (sent with content-length). */
  body?: Buffer;
  timeoutMs?: number;
}

/** Keep-alive pool to the Worker, big enough for the herd's 50 simultaneous first requests. */
const agent = new http.Agent({ keepAlive: true, maxSockets: 128, maxFreeSockets: 128 });

export function destroyAgent(): void {
  agent.destroy();
}

export async function send(target: Target, path: string, opts: SendOptions = {}): Promise<Sent> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const t0 = performance.now();
  const headers: Record<string, string | number> = { host: "bench" };
  if (opts.body) headers["content-length"] = opts.body.length;
  const base: http.RequestOptions = { method: opts.method ?? (opts.body ? "POST" : "GET"), path, headers };
  let options: http.RequestOptions;
  if (target.kind === "worker") {
    options = { ...base, host: "127.0.0.1", port: target.port, agent };
  } else {
    const socket = await openTunnel(target.ingressPort, target.appPort ?? 8080, timeoutMs);
    headers.connection = "close";
    // No `agent` at all: node:http uses `createConnection` only when no agent is given (agent: false would not).
    options = { ...base, createConnection: () => socket };
  }
  return new Promise<Sent>((resolve, reject) => {
    const req = http.request(options, (res) => {
      const ttfbMs = performance.now() - t0;
      const headAt = Date.now();
      let bytes = 0;
      const small: Buffer[] = [];
      res.on("data", (chunk: Buffer) => {
        bytes += chunk.length;
        if (bytes <= 65_536) small.push(chunk);
      });
      res.on("end", () =>
        resolve({
          status: res.statusCode ?? 0,
          ttfbMs,
          totalMs: performance.now() - t0,
          headAt,
          bytes,
          text: bytes <= 65_536 ? Buffer.concat(small).toString() : undefined,
          headers: res.headers,
        }),
      );
      res.on("error", reject);
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`${path}: no answer within ${timeoutMs} ms`)));
    req.on("error", reject);
    req.end(opts.body);
  });
}

/** `send`, but a thrown error becomes status 0 (for scenarios that count failures instead of aborting). */
export async function trySend(
  target: Target,
  path: string,
  opts: SendOptions = {},
): Promise<Sent & { error?: string }> {
  const t0 = performance.now();
  try {
    return await send(target, path, opts);
  } catch (err) {
    const ms = performance.now() - t0;
    return {
      status: 0,
      ttfbMs: ms,
      totalMs: ms,
      headAt: Date.now(),
      bytes: 0,
      headers: {},
      error: (err as Error).message,
    };
  }
}

/** `send` that insists on a 2xx and returns the parsed JSON body. */
export async function sendJson<T>(target: Target, path: string, opts: SendOptions = {}): Promise<T & { _sent: Sent }> {
  const sent = await send(target, path, opts);
  if (sent.status < 200 || sent.status > 299) {
    throw new Error(`${opts.method ?? "GET"} ${path} answered ${sent.status}: ${sent.text?.slice(0, 500)}`);
  }
  return { ...(JSON.parse(sent.text ?? "null") as T), _sent: sent };
}
