/**
 * The inspector's `bridge` record of one call to the RPC endpoint (`src/records.ts`), written only under
 * `moorage dev` (`MOORAGE_INSPECT`). Both bridge modes end here: zero-config calls arrive through `bridgeHandler`
 * with the calling container, token-mode calls through the endpoint's own path with the identity `resolveIdentity`
 * made of the request.
 *
 * Boundary: building and writing the record; never changes the answer. The identity is summarized (its `kind`,
 * the container, the secret's name), never printed whole: an app's identity may carry personal or secret fields.
 */
import { type BridgeRecord, inspectRecord, outboundCallerOf, writeRecord } from "../../records.js";

/** What the endpoint learned while answering one call. */
export interface CallTrace {
  functionPath?: string;
  /** `undefined`: the call was refused before an identity was resolved. */
  identity?: unknown;
  resolved: boolean;
}

/** A caller named by the zero-config bridge (the platform's word, not the request's). */
export interface TraceCaller {
  readonly container: string;
  readonly instance: string;
}

/** A one-line summary of an identity, safe to log. */
export function describeIdentity(identity: unknown): string {
  if (identity === null || identity === undefined) return "anonymous";
  if (typeof identity !== "object") return "custom identity";
  const { kind, container, instance, secret } = identity as Record<string, unknown>;
  if (kind === "container" && typeof container === "string" && typeof instance === "string") {
    return `container ${container} / ${instance}`;
  }
  if (kind === "token" && typeof secret === "string") return `token ${secret}`;
  return typeof kind === "string" ? kind.slice(0, 60) : "custom identity";
}

/** Writes the record of one answered call. Never throws. */
export function recordCall(
  request: Request,
  status: number,
  began: number,
  trace: CallTrace,
  caller: TraceCaller | undefined,
): void {
  try {
    const via = caller ? undefined : outboundCallerOf(request);
    const fields: Parameters<typeof inspectRecord<BridgeRecord>>[1] = {
      container: caller?.container ?? via?.container ?? "",
      instance: caller?.instance ?? via?.instance ?? "",
      mode: caller ? "zero-config" : "token",
      method: request.method,
      path: new URL(request.url).pathname,
      status,
      durationMs: Date.now() - began,
    };
    if (trace.functionPath !== undefined) fields.functionPath = trace.functionPath;
    if (trace.resolved) fields.identity = describeIdentity(trace.identity);
    if (via) fields.via = via.host;
    writeRecord(inspectRecord<BridgeRecord>("bridge", fields));
  } catch {
    // Observing never breaks the call.
  }
}
