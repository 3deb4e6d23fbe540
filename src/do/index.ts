/**
 * `moorage/do`: the workerd-only entry. Generated code imports `MoorageContainer` from here and re-exports
 * `ContainerProxy` from the Worker entry (the platform runs egress interception, including the
 * `moorage.internal` bridge, through that entrypoint). Never import this from Node: it pulls in
 * `@cloudflare/containers`, which imports `cloudflare:workers`.
 *
 * Durable Object RPC surface of every container class (see `MoorageContainer`): `fetch`, `start`, `stop`,
 * `destroy`, `getState`, `renewActivityTimeout`, `allowHost`, `denyHost`, `removeAllowedHost`,
 * `removeDeniedHost`, `setAllowedHosts`, `setDeniedHosts`.
 */
export {
  ContainerProxy,
  type OutboundHandler,
  type OutboundHandlerContext,
  type OutboundHandlers,
  outboundParams,
  type State as ContainerState,
  type StopParams,
} from "@cloudflare/containers";
export { type BridgeCaller, type BridgeHandler, setBridgeHandler } from "./bridge.js";
export { MoorageContainer, type MoorageStartOptions, parseRuntimeExit, type StopSignal } from "./container.js";
export { BRIDGE_HOST, BRIDGE_URL } from "./environment.js";
export { ConfigError, MoorageError, NotReadyError, TRANSIENT_MESSAGES } from "./errors.js";
export {
  LIFECYCLE_EVENTS,
  type LifecycleEvent,
  type LifecycleRecord,
  type LifecycleSink,
  type StopReason,
} from "./lifecycle-log.js";
