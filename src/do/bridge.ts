/**
 * The zero-config bridge, object side: a container's outbound calls to `http://moorage.internal` are intercepted
 * (`ctx.container.interceptOutboundHttp("moorage.internal", ...)`, that host only) and routed to a handler the app
 * registers with `setBridgeHandler`.
 *
 * The handler does not run in the Durable Object: the platform invokes it in the `MoorageOutbound` worker
 * entrypoint, with the identity the object attached (`{ container, instance }`). The registry is therefore
 * module-level: the Worker entry calls `setBridgeHandler` at import time, so every isolate that loads the Worker
 * (and can run `MoorageOutbound`) has it.
 *
 * Boundary: the registry and the outbound handler. Attaching the host override to a run is the container class's job.
 */
import { type BridgeRecord, inspecting, inspectRecord, RECORDS_OWN_CALLS, writeRecord } from "../records.js";
import { BRIDGE_HOST } from "./environment.js";

/** Who is calling: the container's export name and the instance name (`id` or `moorage:pool:N`). */
export interface BridgeCaller {
  container: string;
  instance: string;
}

export type BridgeHandler = (request: Request, env: unknown, caller: BridgeCaller) => Promise<Response> | Response;

let registered: BridgeHandler | undefined;

/**
 * Registers the app's bridge handler. Call it once at the top level of the Worker entry (not inside a request):
 * the handler runs wherever the platform runs the container's outbound proxy. Pass `undefined` to unregister.
 */
export function setBridgeHandler(handler: BridgeHandler | undefined): void {
  registered = handler;
}

function json(status: number, body: Record<string, unknown>): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json; charset=utf-8" },
  });
}

/** Answers a container's call to `moorage.internal` with the registered bridge handler. */
export async function bridgeOutboundHandler(request: Request, env: unknown, caller: BridgeCaller): Promise<Response> {
  if (registered === undefined) {
    return json(503, {
      error: "bridge-not-mounted",
      message:
        `moorage: container "${caller.container}" (instance "${caller.instance}") called ${BRIDGE_HOST}, but the ` +
        `Worker has no bridge handler. Register one at the top level of your Worker entry: ` +
        `\`import { setBridgeHandler } from "moorage/do"; setBridgeHandler((request, env, caller) => ...)\`.`,
    });
  }
  const began = Date.now();
  try {
    const handler = registered;
    const recordsItself = (handler as { [RECORDS_OWN_CALLS]?: boolean })[RECORDS_OWN_CALLS] === true;
    const response = await handler(request, env, caller);
    if (inspecting(env) && !recordsItself) recordBridgeCall(request, caller, response.status, began);
    return response;
  } catch (error) {
    if (inspecting(env)) recordBridgeCall(request, caller, 502, began);
    console.error(
      JSON.stringify({
        source: "moorage",
        event: "bridge-error",
        container: caller.container,
        instance: caller.instance,
        message: error instanceof Error ? error.message : String(error),
      }),
    );
    return json(502, {
      error: "bridge-handler-failed",
      message: `moorage: the bridge handler threw: ${error instanceof Error ? error.message : String(error)}`,
    });
  }
}

/** The inspector's record of one bridge call (written only under `moorage dev`, see `src/records.ts`). */
function recordBridgeCall(request: Request, caller: BridgeCaller, status: number, began: number): void {
  writeRecord(
    inspectRecord<BridgeRecord>("bridge", {
      container: caller.container,
      instance: caller.instance,
      mode: "zero-config",
      method: request.method,
      path: new URL(request.url).pathname,
      status,
      durationMs: Date.now() - began,
    }),
  );
}
