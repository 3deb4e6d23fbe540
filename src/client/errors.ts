/**
 * The one error type the client throws itself, so callers can tell "Moorage could not reach the container" from
 * an error their own code raised. Errors from the application or the Durable Object are kept as `cause`.
 */

/** Why the client gave up. */
export type MoorageErrorCode =
  /** `env` has no (usable) Durable Object binding for this container: the Worker config is out of date. */
  | "missing-binding"
  /** Every attempt hit a cold-start signal that was thrown (not returned as a response). */
  | "cold-start-exhausted"
  /** The call to the Durable Object threw an error that is not a cold-start signal. */
  | "fetch-failed"
  /** `pool()` ran out of attempts and the last one threw. */
  | "pool-exhausted"
  /** An option is out of range (attempts, port, pool size). */
  | "invalid-option"
  /** The test double has no handler for this container. */
  | "no-handler"
  /** An `exec` gave no exit code: see `ExecError.execCode` (command not found, timeout, output cap, ...). */
  | "exec-failed";

export interface MoorageContainerErrorDetails {
  code: MoorageErrorCode;
  container: string;
  instance?: string;
  attempts?: number;
  cause?: unknown;
}

export class MoorageContainerError extends Error {
  override readonly name = "MoorageContainerError";
  readonly code: MoorageErrorCode;
  /** Export name of the container. */
  readonly container: string;
  /** Durable Object name of the last instance tried, when one was. */
  readonly instance: string | undefined;
  /** Attempts made before giving up, when any were. */
  readonly attempts: number | undefined;

  constructor(message: string, details: MoorageContainerErrorDetails) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = details.code;
    this.container = details.container;
    this.instance = details.instance;
    this.attempts = details.attempts;
  }
}

/** The message of an unknown thrown value, for error texts. */
export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  return typeof error === "string" ? error : String(error);
}
