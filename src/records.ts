/**
 * Inspector records: the per-request and bridge lines Moorage writes to the Worker's console, in the same shape as
 * the Durable Object's lifecycle lines (`src/do/lifecycle-log.ts`: `{ source: "moorage", event, container,
 * instance, ... }`) with a new `event` value each. (Egress decisions are lifecycle records: `event: "egress"`.) `moorage dev` reads them from `wrangler dev`'s output
 * and shows them on its inspector page (`src/cli/inspector/`).
 *
 * Unlike lifecycle events (a handful per run, always written), these come once per request, so they are written
 * only when the Worker runs with the `MOORAGE_INSPECT` var set, which `moorage dev` passes to wrangler. Production
 * logs carry lifecycle events only.
 *
 * Boundary: the record types, the switch, the one writer, and the tag that lets the RPC endpoint name a container
 * calling in token mode. No imports, no Node built-ins: the client, the Durable Object, the server and the CLI
 * all import it.
 */

/** The Worker var that turns these records on (`moorage dev` passes `--var MOORAGE_INSPECT:1`). */
export const INSPECT_VAR = "MOORAGE_INSPECT";

/** Every record kind this module defines. Lifecycle kinds (`egress` among them) are listed in `LIFECYCLE_EVENTS`. */
export const INSPECT_EVENTS = ["request", "bridge"] as const;
export type InspectEvent = (typeof INSPECT_EVENTS)[number];

/** Fields every inspector record carries (the lifecycle record's common fields; `generation` when known). */
export interface InspectRecordBase {
  source: "moorage";
  event: InspectEvent;
  /** The container's export name (`transcoder`). */
  container: string;
  /** The instance name (`id` for `get`, the pool instance for `any`/`pool`). */
  instance: string;
  generation?: number;
  /** ISO-8601 time of the event. */
  time: string;
  /** Epoch milliseconds of the event. */
  timestamp: number;
}

/** One `fetch()` through the typed client, after it settled (written by the client, `src/client/`). */
export interface RequestRecord extends InspectRecordBase {
  event: "request";
  /** The request's method (`GET`, `POST`, ...). */
  method: string;
  /** The request's URL path, without the query string. */
  path: string;
  /** How many attempts the call took (cold-start retries and pool failovers included). */
  attempts: number;
  /** Milliseconds from the call until its last attempt was sent: what cold starts and retries cost. */
  waitMs: number;
  /** Milliseconds until the response (or the error). */
  totalMs: number;
  /** The response status; absent when the call threw. */
  status?: number;
  /** How long the answering attempt waited for its container to start (`moorage-cold-start-ms`). */
  coldStartMs?: number;
  /** The error code or message when the call threw. */
  error?: string;
}

/**
 * The two ways a container calls its Worker's functions:
 * - `zero-config`: to `MOORAGE_URL` (`http://moorage.internal`), intercepted by the container's own Durable Object
 *   and handed to the `setBridgeHandler` handler; the identity is the calling container, from the platform.
 * - `token`: to the RPC endpoint at a URL of the Worker (its public URL, or a host an outbound handler routes into
 *   the Worker's `fetch`); the identity is what `resolveIdentity` (a bearer token by default) makes of the request.
 */
export type BridgeMode = "zero-config" | "token";

/**
 * One call to the app's functions over the bridge or the RPC endpoint, with the identity the function was given.
 * `container` and `instance` name the calling container: from the platform in zero-config mode; in token mode when
 * the call reached the Worker through one of the container's outbound handlers (`via` is then the host it called),
 * and empty strings when it came from outside any container (curl, another service).
 */
export interface BridgeRecord extends InspectRecordBase {
  event: "bridge";
  mode: BridgeMode;
  method: string;
  path: string;
  /** `file:export` of the function called, when the body named one. */
  functionPath?: string;
  /**
   * The identity the function saw, summarized: `anonymous`, `container <name> / <instance>`, `token <SECRET_NAME>`,
   * or the `kind` of an identity of the app's own (never its other fields, which may be personal or secret).
   */
  identity?: string;
  /** Token mode through an outbound handler: the host the container called. */
  via?: string;
  status: number;
  durationMs: number;
}

export type InspectRecord = RequestRecord | BridgeRecord;

/** Fields a writer supplies; the common ones are filled in by `inspectRecord`. */
export type InspectFields<R extends InspectRecord> = Omit<R, "source" | "event" | "time" | "timestamp">;

/** Whether the Worker runs with inspector records on (`env.MOORAGE_INSPECT` set to anything but "" / "0"). */
export function inspecting(env: unknown): boolean {
  if (typeof env !== "object" || env === null) return false;
  const value = (env as Record<string, unknown>)[INSPECT_VAR];
  return value !== undefined && value !== "" && value !== "0" && value !== false;
}

/** Builds one record. `fields` cannot forge `source`, `event` or the time. */
export function inspectRecord<R extends InspectRecord>(
  event: R["event"],
  fields: InspectFields<R>,
  now: number = Date.now(),
): R {
  return { ...fields, source: "moorage", event, time: new Date(now).toISOString(), timestamp: now } as R;
}

/** Writes one record as a single JSON line. Never throws: observing must not break what it observes. */
export function writeRecord(record: InspectRecord): void {
  try {
    console.log(JSON.stringify(record));
  } catch {
    // A record that cannot be written is dropped.
  }
}

/**
 * Who sent a request an outbound handler passes on, for the RPC endpoint's `bridge` record in token mode. The
 * outbound entrypoint tags the intercepted `Request` object before a handler runs; a handler that hands that same
 * object to the Worker's `fetch` (`(request, env) => worker.fetch(request, env)`) lets the endpoint name the
 * calling container. Held weakly, set only by Moorage's outbound code, never read from anything the caller sends.
 */
const outboundCallers = new WeakMap<Request, { container: string; instance: string; host: string }>();

/** Tags `request` as sent by a container (called by the outbound entrypoint only). */
export function tagOutboundCaller(
  request: Request,
  caller: { container: string; instance: string; host: string },
): void {
  outboundCallers.set(request, { container: caller.container, instance: caller.instance, host: caller.host });
}

/** The container that sent `request` through an outbound handler, when it is that same request object. */
export function outboundCallerOf(request: Request): { container: string; instance: string; host: string } | undefined {
  return outboundCallers.get(request);
}

/**
 * Set (to `true`) on a bridge handler that writes its own `bridge` records, as `bridgeHandler` from
 * `moorage/server` does, so the Durable Object's bridge does not write a second one for the same call.
 */
export const RECORDS_OWN_CALLS: unique symbol = Symbol.for("moorage.records-own-calls");
