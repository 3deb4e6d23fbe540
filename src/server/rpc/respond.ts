/**
 * The endpoint's response shapes: `{ result }` on success, `{ error: { code, message, issues? } }` otherwise.
 * One place, so every status the endpoint answers has the same envelope and headers.
 */
import type { ErrorCode } from "../../errors.js";
import type { ArgsIssue } from "../errors.js";
import type { JsonValue } from "../wire.js";

/**
 * Error codes the endpoint itself produces (registered in `ERROR_CODES`, kebab-case like every Moorage code).
 * Functions may add their own through `FunctionError`.
 */
export type RpcErrorCode = Extract<
  ErrorCode,
  | "bad-request"
  | "method-not-allowed"
  | "unsupported-media-type"
  | "cross-origin"
  | "function-not-found"
  | "payload-too-large"
  | "unauthorized"
  | "forbidden"
  | "invalid-args"
  | "internal-error"
  | "not-found"
>;

/** The body of every non-200 answer. */
export interface RpcErrorBody {
  readonly error: {
    readonly code: RpcErrorCode | (string & {});
    readonly message: string;
    /** Present for `invalid_args`: the schema's issues. */
    readonly issues?: ReadonlyArray<ArgsIssue>;
  };
}

/** The body of a 200 answer: the wire-encoded result. */
export interface RpcSuccessBody {
  readonly result: JsonValue;
}

const JSON_HEADERS = { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" };

/** A 200 `{ result }` answer. `encoded` is already wire-encoded. */
export function success(encoded: JsonValue): Response {
  return new Response(JSON.stringify({ result: encoded } satisfies RpcSuccessBody), {
    status: 200,
    headers: JSON_HEADERS,
  });
}

/** An error answer. */
export function failure(
  status: number,
  code: RpcErrorBody["error"]["code"],
  message: string,
  extra: { issues?: ReadonlyArray<ArgsIssue>; headers?: Record<string, string> } = {},
): Response {
  const error = extra.issues ? { code, message, issues: extra.issues } : { code, message };
  return new Response(JSON.stringify({ error } satisfies RpcErrorBody), {
    status,
    headers: { ...JSON_HEADERS, ...extra.headers },
  });
}
