/**
 * `createContainerBridge`: the client container code uses to call the app's functions over the RPC endpoint.
 *
 * Runtime-agnostic by construction: it needs only `fetch`, `AbortController`, `TextEncoder`-era globals and
 * the pure wire and reference modules, so the same code runs in Node, Bun, Deno and workerd.
 */
import { BRIDGE_HOST } from "../protocol.js";
import type { FunctionKind } from "../server/functions.js";
import {
  type FunctionName,
  type FunctionReference,
  functionPathOf,
  type ReferenceArgs,
  type ReferenceResult,
} from "../server/reference.js";
import { decode, encode, type JsonValue } from "../server/wire.js";
import { readEnv } from "./env.js";
import { type BridgeIssue, MoorageBridgeError } from "./errors.js";

/** Where the RPC endpoint is mounted unless told otherwise (matches the server's default). */
const DEFAULT_PATH = "/_moorage/rpc";
/** Default per-call timeout: 30 seconds. */
export const DEFAULT_TIMEOUT_MS = 30_000;

/**
 * Which way a bridge's calls reach the app, decided by its URL:
 * - `zero-config`: `MOORAGE_URL` (`http://moorage.internal`, the default). The container's own Durable Object
 *   intercepts the call and the function's identity is the calling container (`{ kind: "container", container,
 *   instance }`), from the platform. No token is sent or checked.
 * - `token`: any other URL (the Worker's public URL, or a host one of the container's outbound handlers routes
 *   into the Worker). The call goes to the app's RPC endpoint like any public request, and the identity is what
 *   its `resolveIdentity` makes of it (`bearerTokenIdentity`: the bearer token checked against a Worker secret).
 */
export type BridgeMode = "zero-config" | "token";

/** Options for `createContainerBridge`. */
export interface ContainerBridgeOptions {
  /**
   * The app's origin, e.g. `https://app.example.com` (token mode). Defaults to the `MOORAGE_URL` environment
   * variable, which Moorage sets inside its containers to `http://moorage.internal` (zero-config mode: no public
   * URL, no token).
   */
  readonly baseUrl?: string;
  /**
   * Sent as `Authorization: Bearer <token>`: token mode only (see `bearerTokenIdentity` on the server). With the
   * zero-config URL it is refused at construction, since nothing there would check it.
   */
  readonly token?: string;
  /** The `fetch` to use. Default `globalThis.fetch`. */
  readonly fetch?: typeof fetch;
  /** Milliseconds before a call fails with `timeout`. Default 30 000; `0` disables the timeout. */
  readonly timeoutMs?: number;
  /** The endpoint's path, if the app mounted it elsewhere. Default `/_moorage/rpc`. */
  readonly path?: string;
  /** Extra headers sent with every call. */
  readonly headers?: Readonly<Record<string, string>>;
}

/** Per-call options. */
export interface BridgeCallOptions {
  /** Sent to the server, which refuses the call if the function is of another kind. */
  readonly kind?: FunctionKind;
  /** Aborts the call (`aborted`). */
  readonly signal?: AbortSignal;
  /** Overrides the bridge's `timeoutMs` for this call. */
  readonly timeoutMs?: number;
}

/** `[args]`, optional when the function takes none. */
export type ArgsParameter<Args> = undefined extends Args ? [args?: Args] : [args: Args];

/** A bridge method for one kind: typed when given a reference, `unknown` (or your `Result`) for a path string. */
export interface BridgeMethod<Kind extends FunctionKind> {
  <Ref extends FunctionReference<Kind>>(
    ref: Ref,
    ...args: ArgsParameter<ReferenceArgs<Ref>>
  ): Promise<ReferenceResult<Ref>>;
  <Result = unknown>(path: string, args?: unknown): Promise<Result>;
}

/** The bridge client. */
export interface ContainerBridge {
  /** Call a query. */
  readonly query: BridgeMethod<"query">;
  /** Call a mutation. */
  readonly mutation: BridgeMethod<"mutation">;
  /** Call an action. */
  readonly action: BridgeMethod<"action">;
  /** Call any function, with per-call options. */
  call<Ref extends FunctionReference>(
    ref: Ref,
    args: ReferenceArgs<Ref>,
    options?: BridgeCallOptions,
  ): Promise<ReferenceResult<Ref>>;
  call<Result = unknown>(path: string, args?: unknown, options?: BridgeCallOptions): Promise<Result>;
  /** The full endpoint URL calls go to. */
  readonly url: string;
  /** `zero-config` (the URL is `MOORAGE_URL`'s `moorage.internal`) or `token` (any other URL); see `BridgeMode`. */
  readonly mode: BridgeMode;
}

/**
 * A client for the app's functions.
 *
 * @example
 * const moorage = createContainerBridge(); // zero-config: MOORAGE_URL is set inside Moorage containers
 * // token mode: createContainerBridge({ baseUrl: process.env.APP_URL, token: process.env.MOORAGE_CONTAINER_TOKEN })
 * const pending = await moorage.query(api.jobs.listPending, { limit: 10 });
 * await moorage.mutation("jobs:markDone", { id: pending[0].id });
 */
export function createContainerBridge(options: ContainerBridgeOptions = {}): ContainerBridge {
  const url = endpointUrl(options);
  const mode: BridgeMode = new URL(url).hostname === BRIDGE_HOST ? "zero-config" : "token";
  if (mode === "zero-config" && options.token) {
    throw new MoorageBridgeError(
      "invalid-option",
      `createContainerBridge: a token is never checked in zero-config mode (${url}): the container's Durable Object ` +
        'vouches for it and the function sees { kind: "container", container, instance }. For token mode pass ' +
        "baseUrl: the Worker's URL (e.g. process.env.APP_URL), or drop the token to call in zero-config mode.",
    );
  }
  const fetchImpl = options.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => globalThis.fetch(input, init));
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (!(timeoutMs >= 0))
    throw new MoorageBridgeError("invalid-option", `timeoutMs must be 0 or more, got ${timeoutMs}.`);
  const headers: Record<string, string> = { "content-type": "application/json", ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;

  async function call(name: FunctionName, args?: unknown, callOptions: BridgeCallOptions = {}): Promise<unknown> {
    const functionPath = functionPathOf(name);
    let body: string;
    try {
      body = JSON.stringify({ functionPath, args: encode(args), ...(callOptions.kind && { kind: callOptions.kind }) });
    } catch (error) {
      throw new MoorageBridgeError(
        "encode-failed",
        `Cannot send args to ${functionPath}: ${(error as Error).message}`,
        {
          functionPath,
          cause: error,
        },
      );
    }

    const limit = callOptions.timeoutMs ?? timeoutMs;
    const controller = new AbortController();
    let timedOut = false;
    const timer =
      limit > 0
        ? setTimeout(() => {
            timedOut = true;
            controller.abort();
          }, limit)
        : undefined;
    const onAbort = () => controller.abort();
    callOptions.signal?.addEventListener("abort", onAbort, { once: true });
    if (callOptions.signal?.aborted) controller.abort();

    let status = 0;
    let text: string;
    try {
      const response = await fetchImpl(url, { method: "POST", headers, body, signal: controller.signal });
      status = response.status;
      text = await response.text();
    } catch (error) {
      if (timedOut) {
        throw new MoorageBridgeError("timeout", `${functionPath} did not answer within ${limit} ms (${url}).`, {
          functionPath,
          status,
          cause: error,
        });
      }
      if (callOptions.signal?.aborted) {
        throw new MoorageBridgeError("aborted", `Call to ${functionPath} was aborted.`, {
          functionPath,
          status,
          cause: error,
        });
      }
      throw new MoorageBridgeError(
        "network-error",
        `Could not reach ${url} calling ${functionPath}: ${(error as Error)?.message ?? String(error)}`,
        { functionPath, status, cause: error },
      );
    } finally {
      clearTimeout(timer);
      callOptions.signal?.removeEventListener("abort", onAbort);
    }
    return readAnswer(text, status, functionPath, url);
  }

  const method =
    (kind: FunctionKind) =>
    (name: FunctionName, args?: unknown): Promise<unknown> =>
      call(name, args, { kind });
  return {
    query: method("query") as BridgeMethod<"query">,
    mutation: method("mutation") as BridgeMethod<"mutation">,
    action: method("action") as BridgeMethod<"action">,
    call: call as ContainerBridge["call"],
    url,
    mode,
  };
}

// Turn the endpoint's answer into the result, or the error it describes.
function readAnswer(text: string, status: number, functionPath: string, url: string): unknown {
  let payload: unknown;
  try {
    payload = JSON.parse(text);
  } catch {
    const snippet = text.length > 120 ? `${text.slice(0, 120)}...` : text;
    throw new MoorageBridgeError(
      "invalid-response",
      `${url} answered ${status} with a non-JSON body (is baseUrl the Moorage app?): ${JSON.stringify(snippet)}`,
      { status, functionPath },
    );
  }
  const record = (payload !== null && typeof payload === "object" ? payload : {}) as {
    result?: JsonValue;
    error?: { code?: unknown; message?: unknown; issues?: unknown };
  };
  if (status >= 200 && status < 300 && "result" in record) {
    try {
      return decode(record.result);
    } catch (error) {
      throw new MoorageBridgeError(
        "invalid-response",
        `Could not decode the result of ${functionPath}: ${(error as Error).message}`,
        {
          status,
          functionPath,
          cause: error,
        },
      );
    }
  }
  // Tolerate `{ error: "code", message }`, the flat shape a proxy in front of the endpoint may answer with.
  const flat = record as { error?: unknown; message?: unknown };
  if (typeof flat.error === "string" && typeof flat.message === "string") {
    throw new MoorageBridgeError(flat.error, flat.message, { status, functionPath });
  }
  const error = record.error;
  if (error && typeof error.code === "string" && typeof error.message === "string") {
    throw new MoorageBridgeError(error.code, error.message, {
      status,
      functionPath,
      issues: Array.isArray(error.issues) ? (error.issues as BridgeIssue[]) : undefined,
    });
  }
  throw new MoorageBridgeError("invalid-response", `${url} answered ${status} without { result } or { error }.`, {
    status,
    functionPath,
  });
}

// Resolve and validate the endpoint URL at construction, so a misconfigured container fails on start, not first call.
function endpointUrl(options: ContainerBridgeOptions): string {
  const baseUrl = options.baseUrl ?? readEnv("MOORAGE_URL");
  if (baseUrl === undefined || baseUrl.trim() === "") {
    throw new MoorageBridgeError(
      "invalid-option",
      options.baseUrl === undefined
        ? 'createContainerBridge: no baseUrl and MOORAGE_URL is not set. Inside a Moorage container MOORAGE_URL is set for you; elsewhere pass createContainerBridge({ baseUrl: "https://your-app.example.com", token }).'
        : 'createContainerBridge: baseUrl is empty. Pass the app\'s origin, e.g. "https://your-app.example.com", or leave it out to use MOORAGE_URL.',
    );
  }
  let parsed: URL;
  try {
    parsed = new URL(baseUrl);
  } catch {
    throw new MoorageBridgeError(
      "invalid-option",
      `createContainerBridge: baseUrl "${baseUrl}" is not an absolute URL (e.g. "https://your-app.example.com").`,
    );
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw new MoorageBridgeError("invalid-option", `createContainerBridge: baseUrl must be http(s), got "${baseUrl}".`);
  }
  const path = options.path ?? DEFAULT_PATH;
  return `${parsed.origin}${parsed.pathname.replace(/\/+$/, "")}${path.startsWith("/") ? path : `/${path}`}`;
}
