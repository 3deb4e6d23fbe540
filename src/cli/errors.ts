/**
 * The CLI's exit-code contract, in one place: 0 ok, 1 a check failed or an operation failed, 2 the command line
 * itself was wrong. Commands throw these; `main.ts` is the only place that turns them into `process.exitCode`.
 */

export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** The command line was wrong (unknown command or flag, missing value). Exit 2, with a pointer to `--help`. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** An operation failed or a check found a problem; the message is already directed. Exit 1. */
export class CommandFailed extends Error {
  override name = "CommandFailed";
}
