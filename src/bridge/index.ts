/**
 * `moorage/bridge`: call the app's functions from inside a container (or any other process).
 *
 * Runtime-agnostic: Node, Bun, Deno and workerd. It must import no Node built-ins and nothing workerd-only, and
 * only the pure parts of the server package (references and the wire encoding), never function or endpoint code.
 */

export { type ErrorCode, isMoorageError, MoorageError } from "../errors.js";
export {
  type Api,
  createApi,
  type FunctionName,
  type FunctionReference,
  type FunctionRegistry,
  functionPathOf,
  makeReference,
  type ReferenceArgs,
  type ReferenceResult,
} from "../server/reference.js";
export { decode, encode, type JsonValue, WIRE_TAG, WireError } from "../server/wire.js";
export {
  type ArgsParameter,
  type BridgeCallOptions,
  type BridgeMethod,
  type BridgeMode,
  type ContainerBridge,
  type ContainerBridgeOptions,
  createContainerBridge,
  DEFAULT_TIMEOUT_MS,
} from "./client.js";
export { type BridgeIssue, MoorageBridgeError, type MoorageBridgeErrorCode } from "./errors.js";
