/**
 * `MoorageBridgeError`: the one error type the bridge client throws, so container code can branch on `code`
 * (the server's own codes, plus the client-side failures below) without parsing messages. A `MoorageError` (one
 * error model, `src/errors.ts`); its code may also be an app's own `FunctionError` code, passed through.
 */
import { type ErrorCode, MoorageError } from "../errors.js";
import type { RpcErrorCode } from "../server/rpc/respond.js";

/**
 * Codes the bridge can report: the endpoint's own (`RpcErrorCode`, a type-only import: no server code reaches
 * the container), an app's own `FunctionError` code, or a client-side one (`status` is 0 unless a response arrived):
 * - `invalid-option`: the bridge was constructed wrongly (no or bad `baseUrl`, a token with the zero-config URL);
 * - `network-error`: the request never got a response (DNS, refused connection, reset);
 * - `timeout`: no complete response within `timeoutMs`;
 * - `aborted`: the caller's `signal` aborted the call;
 * - `invalid-response`: a response arrived that is not the endpoint's JSON (a proxy's HTML error page, a wrong URL);
 * - `encode-failed`: the args hold a value that cannot cross the wire (a Map, a function, a cycle);
 * - `bridge-not-mounted`, `bridge-handler-failed`: the Durable Object side of the zero-config bridge.
 */
export type MoorageBridgeErrorCode =
  | RpcErrorCode
  | Extract<
      ErrorCode,
      | "invalid-option"
      | "network-error"
      | "timeout"
      | "aborted"
      | "invalid-response"
      | "encode-failed"
      | "bridge-not-mounted"
      | "bridge-handler-failed"
    >
  | (string & {});

/** One validation issue, as the server reports it for `invalid_args`. */
export interface BridgeIssue {
  readonly message: string;
  readonly path?: ReadonlyArray<string | number>;
}

/** A failed bridge call (or construction). */
export class MoorageBridgeError extends MoorageError<MoorageBridgeErrorCode> {
  override name = "MoorageBridgeError";
  /** The HTTP status, or 0 when no response arrived. */
  readonly status: number;
  /** The function called, when there was one. */
  readonly functionPath: string | undefined;
  /** The schema's issues, for `invalid_args`. */
  readonly issues: ReadonlyArray<BridgeIssue> | undefined;

  constructor(
    code: MoorageBridgeErrorCode,
    message: string,
    details: { status?: number; functionPath?: string; issues?: ReadonlyArray<BridgeIssue>; cause?: unknown } = {},
  ) {
    super(code, message, { cause: details.cause });
    this.status = details.status ?? 0;
    this.functionPath = details.functionPath;
    this.issues = details.issues;
  }
}
