/**
 * The object's own failures: which platform errors are cold-start signals, and how every failure becomes a
 * response the client can act on (`moorage-error` header + JSON body `{ error, message }`).
 *
 * Boundary: classification and response shaping only. The codes, their statuses and whether a request answered
 * with each may have reached the app (`OBJECT_ERRORS`), the header names, and the catalog of platform messages
 * (`PLATFORM_MESSAGES`) all live in `src/protocol.ts`, from which the client derives its signals too (a test checks
 * both ends agree); the error base is the package's one `MoorageError` (`src/errors.ts`).
 */
import { MoorageError, messageOf } from "../errors.js";
import { HEADERS, matchPlatformMessage, OBJECT_ERRORS, type ObjectErrorCode } from "../protocol.js";

export { messageOf, OBJECT_ERRORS, type ObjectErrorCode };

/** Options of an `ObjectError`: the status defaults to the code's own (`OBJECT_ERRORS`). */
export interface ObjectErrorOptions {
  readonly cause?: unknown;
  readonly status?: number;
  readonly hint?: string;
}

/** A failure of the object itself: a `MoorageError` with its wire code and the HTTP status it is answered with. */
export class ObjectError extends MoorageError<ObjectErrorCode> {
  override name = "ObjectError";
  readonly status: number;
  constructor(code: ObjectErrorCode, message: string, options: ObjectErrorOptions = {}) {
    super(code, message, { cause: options.cause, hint: options.hint });
    this.status = options.status ?? OBJECT_ERRORS[code].status;
  }
}

/** True for errors in the platform catalog (`PLATFORM_MESSAGES`). Looks through `cause` chains. */
export function isTransientStartError(error: unknown): boolean {
  return matchPlatformMessage(error) !== undefined;
}

/**
 * Maps any failure on the start path to an `ObjectError`. Nothing has been sent to the app yet, so every catalog
 * match is `starting` (a rate limit keeps the platform's 429); anything else is `start-failed`.
 */
export function classifyStartError(error: unknown, who: string): ObjectError {
  if (error instanceof ObjectError) return error;
  const message = messageOf(error);
  const platform = matchPlatformMessage(error);
  if (platform?.name === "rate-limited") {
    return new ObjectError("starting", `${who} is rate limited by the platform while starting: ${message}`, {
      cause: error,
      status: 429,
    });
  }
  if (platform) return new ObjectError("starting", `${who} is still starting: ${message}`, { cause: error });
  return new ObjectError("start-failed", `${who} failed to start: ${message}`, { cause: error });
}

/**
 * Maps a failure of `getTcpPort(port).fetch()` against a serving container. A catalog match keeps its own code and
 * status (`not-listening` or a `starting` transient were never sent; `connection-lost` may have reached the app).
 * Otherwise `stillRunning`, read after the failure, decides: a container that is gone took the request with it
 * (`connection-lost`); one still running that could not be reached is `unreachable`. Both may have been delivered;
 * neither is `start-failed`.
 */
export function classifyProxyError(error: unknown, who: string, port: number, stillRunning: boolean): ObjectError {
  const message = messageOf(error);
  const platform = matchPlatformMessage(error);
  const code: ObjectErrorCode = platform?.code ?? (stillRunning ? "unreachable" : "connection-lost");
  const delivered = OBJECT_ERRORS[code].delivery === "not-delivered" ? "was not delivered" : "may have been delivered";
  const what =
    code === "not-listening"
      ? `is not listening on port ${port}`
      : code === "connection-lost"
        ? `dropped the connection on port ${port} after the request was sent`
        : code === "unreachable"
          ? `could not be reached on port ${port}`
          : `did not take the request on port ${port} (${code})`;
  return new ObjectError(code, `${who} ${what} (the request ${delivered}): ${message}`, {
    cause: error,
    ...(platform?.status !== undefined ? { status: platform.status } : {}),
  });
}

/** The JSON error response the object sends for its own failures. Never-delivered retryable ones carry `Retry-After`. */
export function errorResponse(error: ObjectError): Response {
  const headers = new Headers({ "content-type": "application/json; charset=utf-8", [HEADERS.error]: error.code });
  if (OBJECT_ERRORS[error.code].retry === "any") headers.set("retry-after", "1");
  const body: Record<string, string> = { error: error.code, message: error.message };
  if (error.hint !== undefined) body.hint = error.hint;
  return new Response(JSON.stringify(body), { status: error.status, headers });
}
