/**
 * The error the client throws itself, so callers can tell "Moorage could not reach the container" from an error
 * their own code raised: a `MoorageError` (one code registry, `src/errors.ts`) that also names the container, the
 * instance and the attempts made. Errors from the application or the Durable Object are kept as `cause`.
 */
import { type ErrorCode, MoorageError } from "../errors.js";

/** The codes the client (and its test double) raise. */
export type MoorageErrorCode = Extract<
  ErrorCode,
  | "missing-binding"
  | "cold-start-exhausted"
  | "not-replayed"
  | "fetch-failed"
  | "pool-exhausted"
  | "invalid-option"
  | "invalid-id"
  | "no-handler"
  | "exec-failed"
  | "terminal-failed"
>;

export interface MoorageContainerErrorDetails {
  container: string;
  instance?: string;
  attempts?: number;
  hint?: string;
  cause?: unknown;
}

export class MoorageContainerError extends MoorageError<MoorageErrorCode> {
  override name = "MoorageContainerError";
  /** Export name of the container. */
  readonly container: string;
  /** Durable Object name of the last instance tried, when one was. */
  readonly instance: string | undefined;
  /** Attempts made before giving up, when any were. */
  readonly attempts: number | undefined;

  constructor(code: MoorageErrorCode, message: string, details: MoorageContainerErrorDetails) {
    super(code, message, { hint: details.hint, cause: details.cause });
    this.container = details.container;
    this.instance = details.instance;
    this.attempts = details.attempts;
  }
}
