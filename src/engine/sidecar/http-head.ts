/**
 * Just enough HTTP/1.x to read one message head off a raw socket.
 *
 * Why: the sidecar must keep byte-exact control of its sockets (half-close, the bytes that follow a
 * CONNECT head, the app's original request bytes that get replayed into workerd's tunnel), which
 * node:http does not give. It only ever needs the first head of a stream, so a tiny parser suffices.
 * Boundary: parsing and head reading only; bodies and everything after the head are the caller's.
 */
import type { Socket } from "node:net";

export const MAX_HEAD_BYTES = 64 * 1024;

export interface RequestHead {
  method: string;
  target: string;
  version: string;
  /** Lower-cased names; repeated headers joined with ", ". */
  headers: Record<string, string>;
}

export interface ResponseHead {
  status: number;
  reason: string;
  headers: Record<string, string>;
}

/** Index just after the blank line that ends a head, or -1. */
export function headEnd(buf: Buffer): number {
  const i = buf.indexOf("\r\n\r\n");
  return i < 0 ? -1 : i + 4;
}

function parseHeaderLines(lines: string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = name in headers ? `${headers[name]}, ${value}` : value;
  }
  return headers;
}

export function parseRequestHead(head: Buffer | string): RequestHead | undefined {
  const lines = head.toString("latin1").split("\r\n");
  const m = /^([A-Z][A-Z0-9_-]*) (\S+) (HTTP\/\d(?:\.\d)?)$/.exec(lines[0] ?? "");
  if (!m) return undefined;
  return { method: m[1] ?? "", target: m[2] ?? "", version: m[3] ?? "", headers: parseHeaderLines(lines.slice(1)) };
}

export function parseResponseHead(head: Buffer | string): ResponseHead | undefined {
  const lines = head.toString("latin1").split("\r\n");
  const m = /^HTTP\/\d(?:\.\d)? (\d{3})(?: (.*))?$/.exec(lines[0] ?? "");
  if (!m) return undefined;
  return { status: Number(m[1]), reason: m[2] ?? "", headers: parseHeaderLines(lines.slice(1)) };
}

/** True when the bytes so far can still be, or already are, the start of an HTTP/1.x request line. */
export function looksLikeHttpRequest(buf: Buffer): boolean {
  const sp = buf.indexOf(0x20);
  const token = buf.subarray(0, sp < 0 ? Math.min(buf.length, 16) : sp).toString("latin1");
  if (!/^[A-Z]{0,16}$/.test(token)) return false;
  return sp < 0 ? token.length < 16 : sp >= 3;
}

export interface ReadHeadResult {
  head: Buffer;
  /** Bytes that arrived after the head; they belong to whatever comes next on the stream. */
  rest: Buffer;
}

/**
 * Reads from `socket` until a complete head arrived, then pauses the socket and detaches.
 * Rejects on close, error, timeout or a head larger than `limit`.
 */
export function readHead(socket: Socket, timeoutMs: number, limit = MAX_HEAD_BYTES): Promise<ReadHeadResult> {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    const timer = setTimeout(() => finish(new Error(`no complete HTTP head within ${timeoutMs} ms`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
      const end = headEnd(buf);
      if (end >= 0) finish(undefined, { head: buf.subarray(0, end), rest: buf.subarray(end) });
      else if (buf.length > limit) finish(new Error(`HTTP head larger than ${limit} bytes`));
    };
    const onEnd = () => finish(new Error("stream ended before a complete HTTP head"));
    const onError = (err: Error) => finish(err);
    function finish(err?: Error, result?: ReadHeadResult) {
      clearTimeout(timer);
      socket.off("data", onData).off("end", onEnd).off("error", onError);
      socket.pause();
      if (err) reject(err);
      else if (result) resolve(result);
    }
    socket.on("data", onData).on("end", onEnd).on("error", onError);
    socket.resume();
  });
}

export function simpleResponse(status: number, reason: string, body = "", contentType = "text/plain"): string {
  const payload = Buffer.from(body, "utf8");
  return (
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: ${contentType}\r\nContent-Length: ${payload.length}\r\n` +
    `Connection: close\r\n\r\n${body}`
  );
}
