/**
 * The object's own failures: what each code means on the wire (HTTP status, whether the request may have reached
 * the app), which platform errors are cold-start signals, and how every failure becomes a response the client can
 * act on (`moorage-error` header + JSON body `{ error, message }`).
 *
 * Boundary: classification and response shaping only. Header names come from `src/protocol.ts`. The codes follow
 * the team's wire contract (contract 2); until the shared registry in `src/errors.ts` lands they are declared here.
 */
import { HEADERS } from "../protocol.js";

/** Codes the Durable Object puts in `moorage-error`. */
export type ObjectErrorCode =
  /** Not serving yet (provisioning, or a local-engine transient): not delivered, retry any method. */
  | "starting"
  /** Over the instance's concurrency limit: not delivered. */
  | "busy"
  /** The run is stopping: not delivered; the next run starts once it has exited. */
  | "stopping"
  /** The container refused the connection before the request was sent: not delivered. */
  | "not-listening"
  /** The container went away after the request was sent: maybe delivered. */
  | "connection-lost"
  /** A serving container could not be reached and the object cannot tell whether the request got there. */
  | "unreachable"
  /** `readyOn` probes did not all pass within `readyTimeout`. */
  | "not-ready"
  /** Missing configuration (a secret, a binding, an export): will not fix itself. */
  | "config"
  /** The container failed to start for another reason. */
  | "start-failed";

/** Per code: default HTTP status, and whether a request answered with it may have reached the app. */
export const OBJECT_ERRORS: Readonly<Record<ObjectErrorCode, { status: number; maybeDelivered: boolean }>> = {
  starting: { status: 503, maybeDelivered: false },
  busy: { status: 503, maybeDelivered: false },
  stopping: { status: 503, maybeDelivered: false },
  "not-listening": { status: 502, maybeDelivered: false },
  "connection-lost": { status: 502, maybeDelivered: true },
  unreachable: { status: 502, maybeDelivered: true },
  "not-ready": { status: 503, maybeDelivered: false },
  config: { status: 500, maybeDelivered: false },
  "start-failed": { status: 500, maybeDelivered: false },
};

/** A failure of the object itself, with its wire code and HTTP status. */
export class MoorageError extends Error {
  readonly code: ObjectErrorCode;
  readonly status: number;
  readonly hint?: string;
  constructor(code: ObjectErrorCode, message: string, options?: { cause?: unknown; status?: number; hint?: string }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "MoorageError";
    this.code = code;
    this.status = options?.status ?? OBJECT_ERRORS[code].status;
    if (options?.hint !== undefined) this.hint = options.hint;
  }
}

/** The message of any thrown value, with its `cause` chain appended. */
export function messageOf(error: unknown): string {
  if (error instanceof Error) {
    const cause = error.cause === undefined ? "" : ` ${messageOf(error.cause)}`;
    return `${error.message}${cause}`;
  }
  return String(error);
}

/**
 * Messages (lowercased substrings) that mean "the platform or the local engine is still bringing the container up"
 * when seen while starting: the platform's provisioning errors and the local-engine transients that crashed
 * Durable Objects upstream (containers#155).
 */
const STARTING_MESSAGES: readonly string[] = [
  "there is no container instance",
  "no container instance",
  "monitor failed to find container",
  "container port not found",
  "connection refused",
  "not listening",
  "network connection lost",
  "try again later",
];

/** The platform's rate-limit message: a cold-start signal answered with 429, like the platform does. */
const RATE_LIMITED = "you are requesting too many containers";

/** True for errors that mean "still starting, retry the same instance". Looks through `cause` chains. */
export function isTransientStartError(error: unknown): boolean {
  const message = messageOf(error).toLowerCase();
  return message.includes(RATE_LIMITED) || STARTING_MESSAGES.some((m) => message.includes(m));
}

/** Maps any failure on the start path to a `MoorageError`. */
export function classifyStartError(error: unknown, who: string): MoorageError {
  if (error instanceof MoorageError) return error;
  const message = messageOf(error);
  if (message.toLowerCase().includes(RATE_LIMITED)) {
    return new MoorageError("starting", `${who} is rate limited by the platform while starting: ${message}`, {
      cause: error,
      status: 429,
    });
  }
  if (isTransientStartError(error)) {
    return new MoorageError("starting", `${who} is still starting: ${message}`, { cause: error });
  }
  return new MoorageError("start-failed", `${who} failed to start: ${message}`, { cause: error });
}

/**
 * Maps a failure of `getTcpPort(port).fetch()` against a serving container. `stillRunning` is read after the
 * failure: a container that is gone took the request with it.
 */
export function classifyProxyError(error: unknown, who: string, port: number, stillRunning: boolean): MoorageError {
  const message = messageOf(error);
  const lower = message.toLowerCase();
  if (lower.includes("not listening") || lower.includes("connection refused")) {
    return new MoorageError(
      "not-listening",
      `${who} is not listening on port ${port} (the request was not delivered): ${message}`,
      {
        cause: error,
      },
    );
  }
  if (
    !stillRunning ||
    lower.includes("connection lost") ||
    lower.includes("closed unexpectedly") ||
    lower.includes("disconnected")
  ) {
    return new MoorageError(
      "connection-lost",
      `${who} dropped the connection on port ${port} after the request was sent (it may have been delivered): ${message}`,
      { cause: error },
    );
  }
  return new MoorageError("unreachable", `${who} could not be reached on port ${port}: ${message}`, { cause: error });
}

/** The JSON error response the object sends for its own failures. Not-delivered retryable ones carry `Retry-After`. */
export function errorResponse(error: MoorageError): Response {
  const headers = new Headers({ "content-type": "application/json; charset=utf-8", [HEADERS.error]: error.code });
  if (error.code === "starting" || error.code === "stopping") headers.set("retry-after", "1");
  const body: Record<string, string> = { error: error.code, message: error.message };
  if (error.hint !== undefined) body.hint = error.hint;
  return new Response(JSON.stringify(body), { status: error.status, headers });
}
