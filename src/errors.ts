/**
 * The one error model of the package: every layer (definition, client, Durable Object, RPC endpoint, bridge,
 * authoring, CLI, local engine) throws `MoorageError`, or a subclass that adds fields (`status`, `container`, ...),
 * and names the problem in one field, `code`, a kebab-case value registered in `ERROR_CODES` below.
 *
 * The split follows wrangler's user errors vs bugs: a `MoorageError` is a failure Moorage expected and explained
 * (its message says what failed, the field or input at fault, and the fix; `hint` adds a one-line fix where the
 * message alone would be too long). Anything else that escapes Moorage is a bug in Moorage, and the CLI reports it
 * as one (stack and a request to file an issue). The codes of the wire protocol between the client and the Durable
 * Object, and what each means for retries, live in `src/protocol.ts`; they are registered here too, so one list
 * names every code a user can meet.
 *
 * Boundary: types and pure helpers only, no runtime-specific imports (loaded by the Worker, the container and Node).
 */

/** Where a code is raised. Informational: it tells a reader which part of Moorage to look at. */
export type ErrorLayer =
  | "definition"
  | "client"
  | "object"
  | "rpc"
  | "bridge"
  | "wire"
  | "authoring"
  | "cli"
  | "engine"
  | "testing";

/** One registered code: where it comes from and what it means, in one line. */
export interface ErrorCodeInfo {
  readonly layer: ErrorLayer;
  readonly meaning: string;
}

/**
 * Every code Moorage raises, with its one-line meaning. A code is kebab-case and means the same thing in every layer
 * it appears in (`invalid-option` is a bad option whether the client or the bridge refuses it).
 */
export const ERROR_CODES = {
  // definition (`defineContainer`, naming)
  "invalid-definition": {
    layer: "definition",
    meaning: "a defineContainer field is missing, mistyped or out of range",
  },
  "name-conflict": { layer: "definition", meaning: "two exports map to the same generated class or binding" },

  // client (`containers(env)`, `createContainerContext`)
  "invalid-id": { layer: "client", meaning: "get(id) got an empty, non-string or reserved (moorage:...) id" },
  "invalid-option": { layer: "client", meaning: "an option is out of range or of the wrong type (the field is named)" },
  "missing-binding": { layer: "client", meaning: "env has no usable Durable Object binding for the container" },
  "cold-start-exhausted": { layer: "client", meaning: "every attempt hit a signal that the instance was not serving" },
  "not-replayed": {
    layer: "client",
    meaning: "the request may have reached the app and was not sent again because it is not marked idempotent",
  },
  "fetch-failed": { layer: "client", meaning: "the call to the Durable Object threw an error that is no known signal" },
  "pool-exhausted": { layer: "client", meaning: "pool() ran out of attempts on different instances" },
  "exec-failed": {
    layer: "client",
    meaning: "an exec gave no exit code (ExecError.execCode says why: not found, timeout, output cap)",
  },
  // ...and why, in ExecError.execCode (with "exec-failed" itself: the platform refused to start the process)
  "command-not-found": { layer: "client", meaning: "exec: the command does not exist in the image (the shell's 127)" },
  "command-not-executable": { layer: "client", meaning: "exec: the command exists but cannot run (the shell's 126)" },
  "exec-timeout": { layer: "client", meaning: "exec: the command ran past timeoutMs and was killed" },
  "exec-output-too-large": {
    layer: "client",
    meaning: "execOutput: stdout plus stderr exceeded maxOutputBytes (use exec() and read the streams)",
  },
  "terminal-failed": {
    layer: "client",
    meaning: "terminal() could not open its WebSocket (the ticket was refused or too many were being opened)",
  },

  // object (the Durable Object's own responses: `moorage-error` header; see `OBJECT_ERRORS` in protocol.ts)
  starting: { layer: "object", meaning: "the container is still starting; the request did not reach the app" },
  busy: { layer: "object", meaning: "the instance is over its concurrency limit; the request did not reach the app" },
  stopping: { layer: "object", meaning: "the container is stopping; the request did not reach the app" },
  "not-listening": { layer: "object", meaning: "the app's port refused the connection; the request was not sent" },
  "connection-lost": {
    layer: "object",
    meaning: "the container went away after the request was sent; the app may have run it",
  },
  unreachable: {
    layer: "object",
    meaning: "the serving container could not be reached, and whether the request arrived is unknown",
  },
  "not-ready": { layer: "object", meaning: "readyOn probes did not all pass within the readiness budget" },
  config: { layer: "object", meaning: "configuration is missing (a secret, a Secrets Store binding, an export)" },
  "start-failed": { layer: "object", meaning: "the container could not be started (it exited, or start was refused)" },
  "snapshot-image-mismatch": {
    layer: "object",
    meaning:
      "a snapshot would be restored into another image than the one it was taken from; refused, nothing restored",
  },
  "snapshot-not-found": {
    layer: "object",
    meaning: "start({ fromSnapshot }) names a snapshot this instance never took",
  },
  "snapshot-failed": {
    layer: "object",
    meaning: "the platform could not take or restore a snapshot (its message says why)",
  },
  "snapshot-unsupported": {
    layer: "object",
    meaning: "snapshots, persist or run-time images need what this runtime lacks (the policy, a compatibility flag)",
  },
  "bad-request": {
    layer: "object",
    meaning: "the request is malformed (a bad routing header for the object, a bad RPC body)",
  },

  // rpc (`createRpcHandler`)
  "method-not-allowed": { layer: "rpc", meaning: "the endpoint takes POST only" },
  "unsupported-media-type": {
    layer: "rpc",
    meaning: "the body is not declared as JSON (content-type: application/json is required)",
  },
  "cross-origin": { layer: "rpc", meaning: "a browser sent the call from an origin the endpoint does not allow" },
  "function-not-found": { layer: "rpc", meaning: "no function is registered under that path" },
  "payload-too-large": { layer: "rpc", meaning: "the body is over maxBodyBytes" },
  unauthorized: { layer: "rpc", meaning: "the caller is not authenticated" },
  forbidden: { layer: "rpc", meaning: "the caller is authenticated but not allowed" },
  "invalid-args": { layer: "rpc", meaning: "the args do not match the function's input schema" },
  "internal-error": { layer: "rpc", meaning: "a function threw an unexpected error (logged, never shown)" },
  "not-found": { layer: "rpc", meaning: "the zero-config bridge serves only the RPC path" },
  "invalid-function": { layer: "rpc", meaning: "a function, registry or function path is built wrongly" },

  // bridge (`moorage/bridge` in the container, and its Durable Object side)
  "network-error": { layer: "bridge", meaning: "the bridge call got no response (DNS, refused connection, reset)" },
  timeout: { layer: "bridge", meaning: "no complete response within timeoutMs" },
  aborted: { layer: "bridge", meaning: "the caller's signal aborted the call" },
  "invalid-response": { layer: "bridge", meaning: "a response arrived that is not the endpoint's JSON" },
  "bridge-not-mounted": {
    layer: "bridge",
    meaning: "a container called moorage.internal but no bridge handler is set",
  },
  "bridge-handler-failed": { layer: "bridge", meaning: "the app's bridge handler threw" },

  // wire (the encoding shared by the endpoint and the bridge)
  "encode-failed": { layer: "wire", meaning: "a value cannot cross the wire (a Map, a function, a cycle)" },
  "decode-failed": {
    layer: "wire",
    meaning: "a payload has an unknown, malformed or over-limit tagged value",
  },

  // authoring (`generate`, `sync`, discovery)
  "invalid-declaration": { layer: "authoring", meaning: "a declaration in moorage/ is wrong (file:line is named)" },
  "module-load-failed": { layer: "authoring", meaning: "a module in moorage/ could not be bundled or evaluated" },
  "wrangler-config": { layer: "authoring", meaning: "wrangler's config file has a problem the user must fix" },

  // cli
  usage: { layer: "cli", meaning: "the command line is wrong (unknown command or flag, missing value)" },
  "command-failed": { layer: "cli", meaning: "an operation failed or a check found a problem" },

  // engine (the local Docker engine)
  "docker-unreachable": { layer: "engine", meaning: "no Docker engine answers on DOCKER_HOST" },
  "docker-cli-missing": { layer: "engine", meaning: "no docker CLI is on PATH" },
  "official-sidecar-unavailable": { layer: "engine", meaning: "the platform's sidecar image cannot be used here" },
  "image-missing": { layer: "engine", meaning: "a local image Moorage needs is not built" },
  "image-build-failed": { layer: "engine", meaning: "building a local image failed" },

  // testing (`createContainerTestContext`)
  "no-handler": { layer: "testing", meaning: "the test double has no handler for this container" },
} as const satisfies Record<string, ErrorCodeInfo>;

/** A registered code. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** True when `code` is registered (a code from the wire may be anything). */
export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === "string" && Object.hasOwn(ERROR_CODES, code);
}

/** Options every Moorage error takes. */
export interface MoorageErrorOptions {
  /** One line saying what to do, when the message alone does not. */
  readonly hint?: string;
  readonly cause?: unknown;
}

/**
 * A failure Moorage expected and explains. Branch on `code`, never on the message.
 *
 * `Code` is a registered `ErrorCode` everywhere except `FunctionError` (`moorage/server`), whose codes are the app's
 * own and travel to the caller unchanged.
 */
export class MoorageError<Code extends string = ErrorCode> extends Error {
  override name = "MoorageError";
  /** What went wrong: a kebab-case code (see `ERROR_CODES`). */
  readonly code: Code;
  /** A one-line fix, when there is one beyond the message. */
  readonly hint: string | undefined;

  constructor(code: Code, message: string, options: MoorageErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.hint = options.hint;
  }
}

/** True for a `MoorageError` (optionally with one of `codes`). */
export function isMoorageError<C extends ErrorCode>(error: unknown, ...codes: C[]): error is MoorageError<C> {
  if (!(error instanceof MoorageError)) return false;
  return codes.length === 0 || (codes as string[]).includes(error.code);
}

/**
 * The message of any thrown value, for error texts: an Error's message followed by its causes' (when they add
 * something), a string as is, anything else stringified. Bounded, so a cyclic cause chain cannot loop.
 */
export function messageOf(error: unknown): string {
  if (error === undefined || error === null) return String(error);
  let text = "";
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current !== undefined && current !== null; depth++) {
    const message =
      current instanceof Error ? current.message : typeof current === "string" ? current : safeString(current);
    if (text === "") text = message;
    else if (message !== "" && !text.includes(message)) text += ` (cause: ${message})`;
    if (!(current instanceof Error)) break;
    current = current.cause;
  }
  return text;
}

function safeString(value: unknown): string {
  try {
    return String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}
