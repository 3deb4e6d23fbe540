/**
 * The RPC endpoint's cross-site request guard: the checks a request passes before anything else reads it.
 *
 * Why: a browser lets any page send a "simple" cross-site `POST` (`text/plain`, form encodings) with the user's
 * cookies and no preflight. If an app's `resolveIdentity` reads a cookie, such a page could call its functions as
 * the user. So the endpoint accepts only what a simple request cannot carry, and checks `Origin` when a browser
 * sends one:
 *
 * - `Content-Type`'s media type must be `application/json` (case-insensitive; parameters such as
 *   `charset=utf-8` are allowed). A browser must preflight that content type cross-site, and the endpoint never
 *   answers a preflight, so the browser never sends the call. Anything else is 415 `unsupported-media-type`.
 * - `Origin`, when present, must be the request URL's own origin or one listed in `allowedOrigins`
 *   (`"https://app.example.com"`, exact match). `Origin: null` (sandboxed frames, some redirects) is never
 *   accepted. Anything else is 403 `cross-origin`. Non-browser callers (a container, curl) send no `Origin` and
 *   pass.
 *
 * Boundary: pure checks on headers, no body reads. Identity is `handler.ts`'s job.
 */
import { MoorageError } from "../../errors.js";
import { failure } from "./respond.js";

/** The one media type the endpoint accepts. */
export const RPC_MEDIA_TYPE = "application/json";

/** Validate `allowedOrigins` once, at construction: each entry an origin exactly as browsers send it. */
export function checkAllowedOrigins(origins: ReadonlyArray<string> | undefined): ReadonlySet<string> {
  const accepted = new Set<string>();
  for (const origin of origins ?? []) {
    let parsed: URL | undefined;
    try {
      parsed = typeof origin === "string" ? new URL(origin) : undefined;
    } catch {
      parsed = undefined;
    }
    if (!parsed || parsed.origin === "null" || parsed.origin !== origin) {
      throw new MoorageError(
        "invalid-option",
        `createRpcHandler: allowedOrigins entries must be origins like "https://app.example.com" (scheme, host and port only, no path or trailing slash); got ${JSON.stringify(origin)}.`,
      );
    }
    accepted.add(origin);
  }
  return accepted;
}

/** The media type of a `Content-Type` value, lower-cased, without parameters; `""` when absent. */
export function mediaTypeOf(contentType: string | null): string {
  return (contentType ?? "").split(";", 1)[0]?.trim().toLowerCase() ?? "";
}

/**
 * The refusal for a request a cross-site page could have sent, or `null` when it passes. `path` names the
 * endpoint in messages.
 */
export function crossSiteRefusal(request: Request, allowedOrigins: ReadonlySet<string>, path: string): Response | null {
  const contentType = request.headers.get("content-type");
  if (mediaTypeOf(contentType) !== RPC_MEDIA_TYPE) {
    return failure(
      415,
      "unsupported-media-type",
      `${path} takes JSON: send the header "content-type: ${RPC_MEDIA_TYPE}" (got ${contentType === null ? "no content-type" : JSON.stringify(contentType)}).`,
    );
  }
  const origin = request.headers.get("origin");
  if (origin === null) return null;
  if (origin !== "null" && (origin === new URL(request.url).origin || allowedOrigins.has(origin))) return null;
  return failure(
    403,
    "cross-origin",
    `${path} does not accept calls from pages on ${JSON.stringify(origin)}: only the app's own origin, and origins listed in createRpcHandler({ allowedOrigins }), may call it from a browser.`,
  );
}
