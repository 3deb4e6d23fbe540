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
import { containers } from "../moorage/_generated/containers";
import * as jobs from "../moorage/jobs";
import type { AppIdentity, Env } from "./env";

export const rpc = createRpcHandler<Env, AppIdentity, ReturnType<typeof containers>>({
  functions: {
    "jobs:whoami": jobs.whoami,
    "jobs:listPending": jobs.listPending,
    "jobs:markDone": jobs.markDone,
    "jobs:transcode": jobs.transcode,
  },
  resolveIdentity: bearerTokenIdentity<Env, AppIdentity>(),
  containers: (env) => containers(env),
});

// At module top level, not per request: the container's outbound proxy runs this in whichever isolate loads the Worker.
setBridgeHandler(bridgeHandler(rpc) as Parameters<typeof setBridgeHandler>[0]);
