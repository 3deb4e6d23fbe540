/**
 * Zero-config mode: turns an RPC handler into the `(request, env, caller)` function that `setBridgeHandler` (from
 * `moorage/do`) installs. Inside a container, `MOORAGE_URL` points at an internal host whose requests the Durable
 * Object intercepts and hands here together with the caller's container and instance, which the platform supplies.
 * The identity is built from that caller and never from a header, so a container cannot claim to be another.
 */
import { inspecting, RECORDS_OWN_CALLS } from "../records.js";
import type { RpcHandler } from "./rpc/handler.js";
import { recordCall } from "./rpc/record.js";
import { failure } from "./rpc/respond.js";

/** Who is calling through the zero-config bridge, as reported by the Durable Object. */
export interface BridgeCaller {
  /** The container's export name in `moorage/containers.ts`, e.g. `"transcoder"`. */
  readonly container: string;
  /** The instance name: the id for `.get(id)`, `moorage:pool:N` for `.any()`/`.pool()`. */
  readonly instance: string;
}

/** The identity a function sees for a zero-config bridge call (the default). */
export interface ContainerIdentity extends BridgeCaller {
  readonly kind: "container";
}

/** Options for `bridgeHandler`. */
export interface BridgeHandlerOptions<Env, Identity> {
  /** Map the caller to your app's identity type. Default `{ kind: "container", container, instance }`. */
  readonly identity?: (caller: BridgeCaller, env: Env) => Identity;
}

/**
 * The function `setBridgeHandler` accepts. `env` is `unknown` here because the Durable Object's outbound hook
 * cannot know the app's Env type; it is the same Worker env the RPC handler expects.
 */
export type BridgeHandler = (request: Request, env: unknown, caller: BridgeCaller) => Promise<Response>;

/**
 * The zero-config bridge for `rpc`: answers container calls to `rpc.path` with the calling container as identity
 * (bypassing `resolveIdentity`, which keeps serving public calls), and 404 for any other internal path.
 *
 * @example setBridgeHandler(bridgeHandler(rpc));
 */
export function bridgeHandler<Env, Identity = ContainerIdentity>(
  rpc: RpcHandler<Env, unknown>,
  options: BridgeHandlerOptions<Env, Identity> = {},
): BridgeHandler {
  const handler: BridgeHandler = async (request, untypedEnv, caller) => {
    const env = untypedEnv as Env;
    const pathname = new URL(request.url).pathname;
    if (pathname !== rpc.path) {
      if (inspecting(env)) recordCall(request, 404, Date.now(), { resolved: false }, caller);
      return failure(404, "not-found", `The Moorage bridge only serves ${rpc.path}; got ${pathname}.`);
    }
    const identity = options.identity
      ? options.identity(caller, env)
      : ({
          kind: "container",
          container: caller.container,
          instance: caller.instance,
        } satisfies ContainerIdentity as Identity);
    return rpc.handle(request, env, { identity, caller: { container: caller.container, instance: caller.instance } });
  };
  // The endpoint writes the inspector's record of each call (with the function and identity), not the object.
  return Object.assign(handler, { [RECORDS_OWN_CALLS]: true });
}
