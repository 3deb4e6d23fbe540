/**
 * The object's own failures: which platform errors are cold-start signals, and how every failure becomes a
 * response the client can act on (`moorage-error` header + JSON body).
 *
 * Boundary: classification and response shaping only. The kinds and header names come from `src/protocol.ts`, so
 * the client and this object can never disagree about what is retryable.
 */
import { type ErrorKind, HEADERS } from "../protocol.js";

/** A failure that carries its own kind and HTTP status. */
export class MoorageError extends Error {
  readonly kind: ErrorKind;
  readonly status: number;
  constructor(kind: ErrorKind, status: number, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "MoorageError";
    this.kind = kind;
    this.status = status;
  }
}

/** Configuration is missing (a secret, a Secrets Store binding, the `ContainerProxy` export): it will not fix itself. */
export class ConfigError extends MoorageError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("config", 500, message, options);
    this.name = "ConfigError";
  }
}

/** `readyOn` probes did not all pass within the budget. */
export class NotReadyError extends MoorageError {
  constructor(message: string) {
    super("not-ready", 503, message);
    this.name = "NotReadyError";
  }
}

/**
 * Messages (lowercased substrings) that mean "the platform or the local engine is still bringing the container up":
 * the platform's own provisioning errors, and the local-engine transients that crashed Durable Objects upstream
 * (containers#155). All of them become a retryable `starting` response.
 */
export const TRANSIENT_MESSAGES: readonly string[] = [
  "there is no container instance",
  "no container instance",
  "monitor failed to find container",
  "container port not found",
  "connection refused",
  "not listening",
  "network connection lost",
  "container suddenly disconnected",
  "did not start after",
  "try again later",
  "container is stopping",
];

/** The platform's rate-limit message: also a cold-start signal, but answered with 429 like the platform does. */
const RATE_LIMITED = "you are requesting too many containers";

function messageOf(error: unknown): string {
  if (error instanceof Error) {
    const cause = error.cause === undefined ? "" : ` ${messageOf(error.cause)}`;
    return `${error.message}${cause}`;
  }
  return String(error);
}

/** True for errors that mean "still starting, retry the same instance". Looks through `cause` chains. */
export function isTransientError(error: unknown): boolean {
  const message = messageOf(error).toLowerCase();
  return message.includes(RATE_LIMITED) || TRANSIENT_MESSAGES.some((m) => message.includes(m));
}

/** Maps any failure on the start path to a `MoorageError` with the right kind and status. */
export function classifyStartError(error: unknown, who: string): MoorageError {
  if (error instanceof MoorageError) return error;
  const message = messageOf(error);
  if (message.toLowerCase().includes(RATE_LIMITED)) {
    return new MoorageError("starting", 429, `${who} is rate limited by the platform while starting: ${message}`, {
      cause: error,
    });
  }
  if (message.includes("ContainerProxy") || message.includes("ctx.exports")) {
    return new ConfigError(
      `${who} cannot set up egress interception: ${message}. Re-export ContainerProxy from your Worker entry ` +
        `(moorage generate emits it; check that your entry does \`export * from "./moorage/_generated/containers"\`)`,
      { cause: error },
    );
  }
  if (isTransientError(error)) {
    return new MoorageError("starting", 503, `${who} is still starting: ${message}`, { cause: error });
  }
  return new MoorageError("start-failed", 500, `${who} failed to start: ${message}`, { cause: error });
}

/** The JSON error response the object sends for its own failures. `starting` responses carry `Retry-After: 1`. */
export function errorResponse(error: MoorageError, extra: Record<string, unknown> = {}): Response {
  const headers = new Headers({ "content-type": "application/json; charset=utf-8", [HEADERS.error]: error.kind });
  if (error.kind === "starting") headers.set("retry-after", "1");
  return new Response(JSON.stringify({ error: error.kind, message: error.message, ...extra }), {
    status: error.status,
    headers,
  });
}
