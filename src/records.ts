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
 * Boundary: the record types, the switch and the one writer. No imports, no Node built-ins: the client, the
 * Durable Object and the CLI all import it.
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

/** One call from a container to its Worker over the bridge, with the identity the Worker was given. */
export interface BridgeRecord extends InspectRecordBase {
  event: "bridge";
  /** `zero-config` (intercepted `moorage.internal`, identity from the platform) or `token` (signed token). */
  mode: "zero-config" | "token";
  method: string;
  path: string;
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
