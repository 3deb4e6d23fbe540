/**
 * The object's timers on its one Durable Object alarm: `sleepAfter` (idle time), `hardTimeout` (lifetime from
 * start) and the SIGTERM -> SIGKILL escalation of a stop. The alarm is set to the earliest due time and re-planned
 * when it fires; nothing is written on the warm request path.
 *
 * Activity is a timestamp in memory. So that an object evicted while its container runs does not lose it, the
 * timestamp is also written to storage, at most once per `window` (a quarter of `sleepAfter`, at most a minute),
 * and a fresh object assumes the last activity was as late as that write allows: it may sleep up to one window
 * late, never early.
 *
 * The container must outlive an evicted object until the alarm wakes one up again: every activity write, and
 * every stop, also renews `ctx.container.setInactivityTimeout()` past the next due time (workerd keeps the
 * container for that long after the object is gone, and the next object finds it running).
 *
 * Boundary: when things are due and keeping the alarm and the inactivity timeout right. What happens when they are
 * due is `lifecycle.ts`'s.
 */
import type { KvLike } from "./run-ledger.js";

const ACTIVITY_KEY = "moorage:activity";
/** Slack added to every inactivity timeout, for alarm delivery and object start-up. */
const INACTIVITY_SLACK_MS = 30_000;

export interface AlarmStorage {
  setAlarm(scheduledTime: number | Date): Promise<void>;
  getAlarm(): Promise<number | null>;
  deleteAlarm(): Promise<void>;
}

export interface TimerHost {
  kv: KvLike;
  alarm: AlarmStorage;
  sleepAfterMs: number;
  /** `ctx.container.setInactivityTimeout`, or undefined where the runtime has none. */
  keepContainer?(durationMs: number): Promise<void>;
}

export class Timers {
  readonly windowMs: number;
  #lastActivity: number;
  #persistedAt: number | undefined;
  #alarmAt: number | null | undefined;

  constructor(private readonly host: TimerHost) {
    this.windowMs = Math.max(1_000, Math.min(60_000, Math.floor(host.sleepAfterMs / 4)));
    const persisted = host.kv.get<number>(ACTIVITY_KEY);
    this.#persistedAt = persisted;
    // A fresh object: the last activity was at most one window after the last write (or is now, if never written).
    this.#lastActivity = persisted === undefined ? Date.now() : persisted + this.windowMs;
  }

  get lastActivity(): number {
    return this.#lastActivity;
  }

  /** When the run goes to sleep unless more activity arrives. */
  get sleepDueAt(): number {
    return this.#lastActivity + this.host.sleepAfterMs;
  }

  /** How long the container must be kept if the object went away now. */
  get keepAliveMs(): number {
    return this.host.sleepAfterMs + 2 * this.windowMs + INACTIVITY_SLACK_MS;
  }

  /** Records activity. One comparison on the warm path; a storage write at most once per window. */
  touch(now: number = Date.now()): void {
    this.#lastActivity = now;
    if (this.#persistedAt === undefined || now - this.#persistedAt >= this.windowMs) {
      this.#persistedAt = now;
      this.host.kv.put(ACTIVITY_KEY, now);
      this.keep(this.keepAliveMs);
    }
  }

  /** Starts activity accounting afresh for a new run. */
  resetForRun(now: number = Date.now()): void {
    this.#persistedAt = undefined;
    this.touch(now);
  }

  /** Asks the runtime to keep the container for `ms` after the object is gone. Never throws. */
  keep(ms: number): void {
    if (!this.host.keepContainer) return;
    this.host.keepContainer(Math.max(1, Math.ceil(ms))).catch(() => {
      // Not fatal: the alarm still wakes an object, which then finds the container gone and reports the stop.
    });
  }

  /** Sets the alarm to `dueAt` when it is earlier than the one set (or none is). */
  async arm(dueAt: number): Promise<void> {
    if (this.#alarmAt === undefined) this.#alarmAt = await this.host.alarm.getAlarm();
    if (this.#alarmAt !== null && this.#alarmAt <= dueAt && this.#alarmAt > Date.now()) return;
    this.#alarmAt = dueAt;
    await this.host.alarm.setAlarm(dueAt);
  }

  /** Replaces the alarm with `dueAt` (or removes it). Called from `alarm()` once due work is done. */
  async replan(dueAt: number | undefined): Promise<void> {
    if (dueAt === undefined) {
      this.#alarmAt = null;
      await this.host.alarm.deleteAlarm();
      return;
    }
    this.#alarmAt = dueAt;
    await this.host.alarm.setAlarm(dueAt);
  }

  /** The alarm fired: the stored alarm is gone until `replan`. */
  fired(): void {
    this.#alarmAt = null;
  }
}
