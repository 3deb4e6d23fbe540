/**
 * The typed client: `createContainerContext` and everything it exposes. Node-safe and Worker-safe (no Node
 * built-ins, no `cloudflare:workers`), re-exported from the root entry.
 */

export type { TerminalClientMessage, TerminalServerMessage } from "../terminal-wire.js";
export { createContainerContext, FIX_BINDINGS_COMMAND } from "./context.js";
export { MoorageContainerError, type MoorageContainerErrorDetails, type MoorageErrorCode } from "./errors.js";
export {
  type ContainerProcess,
  DEFAULT_MAX_OUTPUT_BYTES,
  ExecError,
  type ExecErrorCode,
  type ExecOptions,
  type ExecOutputOptions,
  type ExecResult,
} from "./exec.js";
export type { PoolExec, PoolExecResult } from "./pool-exec.js";
export type { HedgeOptions } from "./pool-hedge.js";
export type { PoolState } from "./pool-scaling.js";
export type { PoolViewSnapshot } from "./pool-view.js";
export { CONTAINER_ORIGIN, isReplayableBody } from "./request.js";
export {
  backoffDelay,
  DEFAULT_ATTEMPTS,
  DEFAULT_BACKOFF_MS,
  DEFAULT_MAX_BACKOFF_MS,
  type RetryPolicy,
} from "./retry.js";
export {
  COLD_START_SIGNALS,
  type ColdStartSignal,
  type ColdStartSignalName,
  matchErrorSignal,
  matchResponseSignal,
  type RetryableObjectCode,
} from "./signals.js";
export type { ContainerStub } from "./stub.js";
export type { TerminalOptions } from "./terminal.js";
export type {
  AttemptEvent,
  AttemptOutcome,
  AttemptResult,
  CallEvent,
  Clock,
  ContainerAccessor,
  ContainerContext,
  ContainerContextOptions,
  ContainerHandle,
  ContainerName,
  ContainerSignal,
  ContainerSpec,
  ContainerStartOptions,
  ContainerState,
  EgressControl,
  FetchHandle,
  PoolHandle,
  PoolOptions,
  RetryOptions,
} from "./types.js";
