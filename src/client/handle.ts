/**
 * Handles: the objects `get`, `any`, `pool` and `port` return. They hold a route, a port and a retry policy, and
 * delegate every request to the shared send loop and every lifecycle or egress call to one Durable Object RPC.
 * Lifecycle calls are not retried: `start()` is itself the cold start, and the others act on a running instance.
 */
import { fromRpcError } from "../do/snapshot-plan.js";
import { MoorageContainerError } from "./errors.js";
import { execOn } from "./exec.js";
import { type HedgeSetup, sendPool } from "./pool-send.js";
import type { RetryPolicy } from "./retry.js";
import { type Route, type SendContext, send } from "./send.js";
import { terminalOn } from "./terminal.js";
import type { ContainerHandle, FetchHandle } from "./types.js";

export function fetchHandle(
  ctx: SendContext,
  route: Route,
  policy: RetryPolicy,
  port?: number,
  hedge?: HedgeSetup,
): FetchHandle {
  return {
    fetch: (input, init) =>
      route.kind === "pool"
        ? sendPool(ctx, route, port, policy, input, init, hedge)
        : send(ctx, route, port, policy, input, init),
    port: (target) => fetchHandle(ctx, route, policy, validPort(ctx.container, target), hedge),
  };
}

export function containerHandle(ctx: SendContext, instance: string, policy: RetryPolicy): ContainerHandle {
  // A fresh stub per call: the platform advises against reusing a stub after it threw.
  const rpc = () => ctx.stub(instance);
  return {
    ...fetchHandle(ctx, { kind: "instance", instance }, policy),
    instance,
    start: async (options) => rpc().start(options).catch(revive),
    stop: async (signal) => rpc().stop(signal),
    destroy: async () => rpc().destroy(),
    getState: async () => rpc().getState(),
    renewActivityTimeout: async () => {
      await rpc().renewActivityTimeout();
    },
    snapshot: async (options) => rpc().snapshot(options).catch(revive),
    snapshots: async () => rpc().snapshots(),
    exec: (cmd, options) => execOn(rpc, { container: ctx.container, instance }, cmd, options),
    execOutput: async (cmd, options = {}) => {
      const { maxOutputBytes, ...rest } = options;
      const process = await execOn(rpc, { container: ctx.container, instance }, cmd, rest);
      return process.output(maxOutputBytes === undefined ? {} : { maxOutputBytes });
    },
    terminal: (options) => terminalOn(rpc, { container: ctx.container, instance }, options),
    egress: {
      allow: async (host) => rpc().allowHost(host),
      deny: async (host) => rpc().denyHost(host),
      removeAllowed: async (host) => rpc().removeAllowedHost(host),
      removeDenied: async (host) => rpc().removeDeniedHost(host),
      setAllowed: async (hosts) => rpc().setAllowedHosts([...hosts]),
      setDenied: async (hosts) => rpc().setDeniedHosts([...hosts]),
    },
  };
}

/** A refusal from the object keeps its code across RPC (see `toRpcError`). */
function revive(error: unknown): never {
  throw fromRpcError(error);
}

function validPort(container: string, port: number): number {
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new MoorageContainerError(
      "invalid-option",
      `moorage: container "${container}": port(${port}) is not a TCP port; use a whole number from 1 to 65535`,
      { container },
    );
  }
  return port;
}
