/**
 * Reads a request body as UTF-8 text under a byte limit. The limit is enforced twice: up front from
 * `Content-Length` (cheap rejection of honest clients) and while streaming (a chunked body, or a lying header,
 * is cut off as soon as it crosses the limit instead of being buffered whole). A stream that errors mid-read (the
 * caller went away, a broken upstream) is an outcome too, never a throw, so the endpoint answers it in its envelope.
 */

/** The outcome of reading a body. */
export type BodyResult =
  | { readonly ok: true; readonly text: string }
  | { readonly ok: false; readonly reason: "too_large" | "not_utf8" }
  | { readonly ok: false; readonly reason: "read_failed"; readonly error: unknown };

/** Whether `Content-Length` alone says the body is over `maxBytes` (a cheap refusal before anything else runs). */
export function declaresMoreThan(request: Request, maxBytes: number): boolean {
  const declared = Number(request.headers.get("content-length") ?? Number.NaN);
  return Number.isFinite(declared) && declared > maxBytes;
}

/** Release an unread body so the runtime need not buffer it. Never throws (a locked or used body is left alone). */
export async function discardBody(request: Request): Promise<void> {
  if (request.bodyUsed) return;
  await request.body?.cancel().catch(() => {});
}

/** Read `request`'s body as text, refusing more than `maxBytes`. */
export async function readBody(request: Request, maxBytes: number): Promise<BodyResult> {
  if (declaresMoreThan(request, maxBytes)) {
    await discardBody(request);
    return { ok: false, reason: "too_large" };
  }
  if (!request.body) return { ok: true, text: "" };

  let reader: ReadableStreamDefaultReader<Uint8Array>;
  try {
    reader = request.body.getReader();
  } catch (error) {
    // Already read or locked (a resolveIdentity that consumed the body, say).
    return { ok: false, reason: "read_failed", error };
  }
  const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });
  const chunks: Uint8Array[] = [];
  let received = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      received += value.byteLength;
      if (received > maxBytes) {
        await reader.cancel().catch(() => {});
        return { ok: false, reason: "too_large" };
      }
      chunks.push(value);
    }
  } catch (error) {
    return { ok: false, reason: "read_failed", error };
  } finally {
    reader.releaseLock();
  }
  let text = "";
  try {
    for (const chunk of chunks) text += decoder.decode(chunk, { stream: true });
    text += decoder.decode();
  } catch {
    // `fatal: true` makes invalid UTF-8 throw instead of silently becoming U+FFFD inside the args.
    return { ok: false, reason: "not_utf8" };
  }
  return { ok: true, text };
}
