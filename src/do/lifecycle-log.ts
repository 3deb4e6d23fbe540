/**
 * Lifecycle events: one structured JSON line per event, so `wrangler tail`, Workers Logs and any log pipeline can
 * filter on `source: "moorage"` and an event name without parsing prose.
 *
 * Boundary: formatting and emitting only. Deciding *when* an event happened is the container class's job; this
 * module never reads platform state.
 */

/** Every event a Moorage container emits, in lifecycle order. The one list other code and docs refer to. */
export const LIFECYCLE_EVENTS = [
  "start",
  "ready",
  "stop",
  "error",
  "sleep",
  "hard-timeout",
  "egress",
  /** Persisted directories or the whole container were snapshotted (`kind`, ids, `sizeBytes`, `durationMs`). */
  "snapshot",
  /** A start restored snapshots (`kind`, ids, `sizeBytes`, `durationMs` of the start that restored them). */
  "restore",
] as const;
export type LifecycleEvent = (typeof LIFECYCLE_EVENTS)[number];

/** Why a run ended, as reported on `stop` events. */
export type StopReason =
  /** `stop()` was called (by the client, the app, or an override). */
  | "requested"
  /** `sleepAfter` of idle time elapsed. */
  | "sleep"
  /** `hardTimeout` elapsed. */
  | "hard-timeout"
  /** `destroy()` was called. */
  | "destroy"
  /** The platform replaced the container with a new image version (upstream containers#253). */
  | "rollout"
  /** The runtime signalled the container to exit for another reason. */
  | "runtime-signal"
  /** It kept running but stopped answering on its ports for the stop grace period (`health.ts`): replaced. */
  | "unreachable"
  /** The process exited on its own with code 0. */
  | "exit"
  /** The process exited on its own with a non-zero code, or the platform reported an error for it. */
  | "crash";

/** Fields every line carries. */
export interface LifecycleContext {
  /** The container's export name (`transcoder`). */
  container: string;
  /** The instance name (`id` for `get`, `moorage:pool:N` for `any`/`pool`). */
  instance: string;
  labels: Readonly<Record<string, string>>;
  /** The run generation: increments on every fresh start of this instance, persisted in Durable Object storage. */
  generation: number;
}

/** The JSON shape of one line. Extra fields depend on the event (`exitCode`, `reason`, `durationMs`, `message`...). */
export interface LifecycleRecord extends LifecycleContext {
  source: "moorage";
  event: LifecycleEvent;
  /** ISO-8601 time of the event. */
  time: string;
  /** Epoch milliseconds of the event (same instant as `time`, cheaper to compare). */
  timestamp: number;
  [extra: string]: unknown;
}

export type LifecycleSink = (record: LifecycleRecord) => void;

/** Default sink: `console.error` for `error`, `console.log` otherwise, always as a single JSON string. */
export const consoleSink: LifecycleSink = (record) => {
  const line = JSON.stringify(record);
  if (record.event === "error") console.error(line);
  else console.log(line);
};

/** Builds one record. Extras never overwrite the common fields: a caller cannot forge `event` or `container`. */
export function lifecycleRecord(
  event: LifecycleEvent,
  context: LifecycleContext,
  extra: Record<string, unknown> = {},
  now: number = Date.now(),
): LifecycleRecord {
  return {
    ...extra,
    source: "moorage",
    event,
    container: context.container,
    instance: context.instance,
    labels: { ...context.labels },
    generation: context.generation,
    time: new Date(now).toISOString(),
    timestamp: now,
  };
}
