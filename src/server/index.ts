/**
 * `moorage/server`: server functions, the RPC endpoint and its identity helpers.
 *
 * Imported by Worker code bundled for workerd, so nothing here touches Node built-ins or `cloudflare:*` modules.
 */
import { type ActionCtx, createFunctions, type FunctionBuilder, type MutationCtx, type QueryCtx } from "./functions.js";
import type { RegisteredContainers, RegisteredEnv, RegisteredIdentity } from "./register.js";

export { type ErrorCode, isMoorageError, MoorageError } from "../errors.js";
export {
  type BridgeCaller,
  type BridgeHandler,
  type BridgeHandlerOptions,
  bridgeHandler,
  type ContainerIdentity,
} from "./bridge-handler.js";
export { type CallOptions, callFunction } from "./call.js";
export { type ArgsIssue, ForbiddenError, FunctionError, InvalidArgsError, UnauthorizedError } from "./errors.js";
export {
  type ActionCtx,
  type AnyFunction,
  type ArgsOf,
  type BaseCtx,
  type CtxFor,
  type CtxOf,
  createFunctions,
  type FunctionBuilder,
  type FunctionKind,
  type Functions,
  type HandlerOptions,
  type InputFunctionBuilder,
  isMoorageFunction,
  type MoorageFunction,
  type MutationCtx,
  type QueryCtx,
  type ResultOf,
} from "./functions.js";
export { type HonoLikeContext, honoRpc } from "./hono.js";
export {
  type BearerTokenOptions,
  bearerToken,
  bearerTokenIdentity,
  firstIdentity,
  type TokenIdentity,
} from "./identity.js";
export {
  type Api,
  createApi,
  FUNCTION_PATH,
  type FunctionName,
  type FunctionReference,
  type FunctionRegistry,
  functionPathOf,
  makeReference,
  type ReferenceArgs,
  type ReferenceFor,
  type ReferenceResult,
} from "./reference.js";
export type { Register, RegisteredContainers, RegisteredEnv, RegisteredIdentity } from "./register.js";
export {
  createRpcHandler,
  DEFAULT_MAX_BODY_BYTES,
  DEFAULT_RPC_PATH,
  type HandleOptions,
  type ResolveIdentity,
  type RpcHandler,
  type RpcHandlerOptions,
  type RpcLogger,
} from "./rpc/handler.js";
export type { RpcErrorBody, RpcErrorCode, RpcSuccessBody } from "./rpc/respond.js";
export { timingSafeEqual } from "./timing-safe.js";
export { decode, encode, type JsonValue, parse, stringify, WIRE_LIMITS, WIRE_TAG, WireError } from "./wire.js";

const builders = createFunctions<RegisteredEnv, RegisteredIdentity, RegisteredContainers>();

// Annotated rather than destructured: the emitted .d.ts must keep the `Registered*` aliases (resolved where the
// builders are used, after the app's augmentation) instead of the `unknown`s they resolve to inside this package.

/**
 * A query builder typed from `Register` (see `register.ts`). For several apps in one codebase, or without
 * augmentation, use `createFunctions<Env, Identity, Containers>()` instead.
 */
export const query: FunctionBuilder<"query", QueryCtx<RegisteredEnv, RegisteredIdentity>> = builders.query;
/** A mutation builder typed from `Register`. */
export const mutation: FunctionBuilder<"mutation", MutationCtx<RegisteredEnv, RegisteredIdentity>> = builders.mutation;
/** An action builder typed from `Register`. */
export const action: FunctionBuilder<
  "action",
  ActionCtx<RegisteredEnv, RegisteredIdentity, RegisteredContainers>
> = builders.action;
