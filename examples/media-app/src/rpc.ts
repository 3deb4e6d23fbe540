/**
 * The app's RPC endpoint (`POST /_moorage/rpc`) and its zero-config bridge.
 *
 * Two ways in, one set of functions: public calls (token mode) are identified by `bearerTokenIdentity`, which
 * compares `Authorization: Bearer` with the MOORAGE_CONTAINER_TOKEN secret in constant time; calls a container
 * makes to `MOORAGE_URL` (zero-config) arrive through `setBridgeHandler` with the platform's `{ container,
 * instance }` as identity, no token involved.
 */
import { setBridgeHandler } from "moorage/do";
import { bearerTokenIdentity, bridgeHandler, createRpcHandler } from "moorage/server";
import { type Containers, containers } from "../moorage/_generated/containers";
import { registry } from "../moorage/_generated/registry";
import type { AppIdentity, Env } from "./env";

export const rpc = createRpcHandler<Env, AppIdentity, Containers>({
  // Every query, mutation and action in moorage/*.ts, keyed "file:export" by `moorage generate`.
  functions: registry,
  resolveIdentity: bearerTokenIdentity<Env, AppIdentity>(),
  containers: (env) => containers(env),
});

// At module top level, not per request: the container's outbound proxy runs this in whichever isolate loads the Worker.
setBridgeHandler(bridgeHandler(rpc));
