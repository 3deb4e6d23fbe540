/**
 * Errors a function may throw on purpose, and how the RPC endpoint reports them.
 *
 * A `FunctionError` is the app speaking: its `code`, `status` and `message` reach the caller unchanged. Anything
 * else a handler throws is a bug: the endpoint logs it and answers a generic 500, so no stack or internals leak.
 * `FunctionError` is a `MoorageError` (one error model, `src/errors.ts`) whose `code` is the app's own.
 */
import { MoorageError } from "../errors.js";

/** Where a Standard Schema issue points: property keys and array indexes from the root of the args. */
export type IssuePath = ReadonlyArray<PropertyKey>;

/** One validation problem, as reported to callers (a JSON-safe form of a Standard Schema issue). */
export interface ArgsIssue {
  readonly message: string;
  /** Keys from the root of `args` to the offending value; absent when the issue is about the whole value. */
  readonly path?: ReadonlyArray<string | number>;
}

/**
 * An error the app throws deliberately, reported to the caller as `{ error: { code, message } }` with `status`.
 * Use a 4xx status: a 5xx here still reaches the caller verbatim, so keep internals out of the message.
 *
 * @example throw new FunctionError("job-not-found", `no job ${args.id}`, 404)
 */
export class FunctionError extends MoorageError<string> {
  override name = "FunctionError";
  constructor(
    /** A stable, machine-readable code (kebab-case, like Moorage's own codes). */
    code: string,
    message: string,
    /** HTTP status the endpoint answers with. Defaults to 400. */
    readonly status: number = 400,
  ) {
    super(code, message);
  }
}

/** The caller is not authenticated (no or an unrecognised identity). Answered 401. */
export class UnauthorizedError extends FunctionError {
  override name = "UnauthorizedError";
  constructor(message = "Authentication required") {
    super("unauthorized", message, 401);
  }
}

/** The caller is authenticated but not allowed to do this. Answered 403. */
export class ForbiddenError extends FunctionError {
  override name = "ForbiddenError";
  constructor(message = "Forbidden") {
    super("forbidden", message, 403);
  }
}

/** The args did not match the function's input schema. Answered 422 with the schema's issues. */
export class InvalidArgsError extends FunctionError {
  override name = "InvalidArgsError";
  constructor(
    readonly functionName: string,
    readonly issues: ReadonlyArray<ArgsIssue>,
  ) {
    super("invalid-args", `Invalid args for ${functionName}: ${summarize(issues)}`, 422);
  }
}

function summarize(issues: ReadonlyArray<ArgsIssue>): string {
  const shown = issues
    .slice(0, 3)
    .map((issue) => (issue.path?.length ? `${issue.path.join(".")}: ` : "") + issue.message);
  return shown.join("; ") + (issues.length > 3 ? ` (and ${issues.length - 3} more)` : "");
}
