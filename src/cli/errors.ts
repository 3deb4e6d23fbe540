/**
 * The CLI's exit-code contract, in one place: 0 ok, 1 a check failed or an operation failed, 2 the command line
 * itself was wrong. Commands throw these; `main.ts` is the only place that turns them into `process.exitCode`.
 * Both are `MoorageError`s (`src/errors.ts`): any `MoorageError` is a directed user error (exit 1, message only);
 * anything else reaching `main.ts` is a bug in Moorage and is reported as one.
 */

import { MoorageError, type MoorageErrorOptions } from "../errors.js";

export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** The command line was wrong (unknown command or flag, missing value). Exit 2, with a pointer to `--help`. */
export class UsageError extends MoorageError<"usage"> {
  override name = "UsageError";
  constructor(message: string, options?: MoorageErrorOptions) {
    super("usage", message, options);
  }
}

/** An operation failed or a check found a problem; the message is already directed. Exit 1. */
export class CommandFailed extends MoorageError<"command-failed"> {
  override name = "CommandFailed";
  constructor(message: string, options?: MoorageErrorOptions) {
    super("command-failed", message, options);
  }
}
