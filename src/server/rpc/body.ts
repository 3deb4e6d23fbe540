/**
 * Reads a request body as UTF-8 text under a byte limit. The limit is enforced twice: up front from
 * `Content-Length` (cheap rejection of honest clients) and while streaming (a chunked body, or a lying header,
 * is cut off as soon as it crosses the limit instead of being buffered whole).
 */

/** The outcome of reading a body. */
export type BodyResult =
  | { readonly ok: true; readonly text: string }
  | { readonly ok: false; readonly reason: "too_large" | "not_utf8" };

/** Read `request`'s body as text, refusing more than `maxBytes`. */
export async function readBody(request: Request, maxBytes: number): Promise<BodyResult> {
  const declared = Number(request.headers.get("content-length") ?? Number.NaN);
  if (Number.isFinite(declared) && declared > maxBytes) {
    // Release the unread stream so the runtime need not buffer it.
    await request.body?.cancel().catch(() => {});
    return { ok: false, reason: "too_large" };
  }
  if (!request.body) return { ok: true, text: "" };

  const reader = request.body.getReader();
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
