/**
 * `moorage/do`: the workerd-only entry for Worker code. What an app uses next to its generated container classes:
 * the bridge handler, outbound handlers, lifecycle hooks, and the types of lifecycle records. Never import this
 * from Node: it imports `cloudflare:workers`.
 *
 * What only generated code needs (the outbound entrypoint, the definition plumbing) is in `moorage/internal`.
 *
 * Durable Object RPC surface of every container class (see `MoorageContainer`): `fetch`, `start`, `stop`,
 * `destroy`, `getState`, `renewActivityTimeout`, `allowHost`, `denyHost`, `removeAllowedHost`,
 * `removeDeniedHost`, `setAllowedHosts`, `setDeniedHosts`.
 */
export { type BridgeCaller, type BridgeHandler, setBridgeHandler } from "./bridge.js";
export { type ContainerState, MoorageContainer } from "./container.js";
export { BRIDGE_HOST, BRIDGE_URL } from "./environment.js";
export type { StopSignal } from "./exit.js";
export {
  type ContainerHooks,
  type RunContext,
  type StopDetails,
  setContainerHooks,
} from "./hooks.js";
export type { StartOptions } from "./lifecycle.js";
export {
  LIFECYCLE_EVENTS,
  type LifecycleEvent,
  type LifecycleRecord,
  type LifecycleSink,
  type StopReason,
} from "./lifecycle-log.js";
export {
  type OutboundCaller,
  type OutboundHandler,
  type OutboundHandlers,
  setOutboundHandlers,
} from "./outbound.js";
