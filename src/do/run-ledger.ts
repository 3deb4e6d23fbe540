/**
 * The per-instance record that must survive the Durable Object being evicted or reset while its container keeps
 * running: the run generation and when it started, which generation passed readiness, which generation's `start`
 * and `stop` were already reported (so hooks fire exactly once per real event, whichever object sees it), a stop
 * in progress (reason, and when SIGTERM escalates to SIGKILL), the hard-timeout due time, and the instance's name.
 *
 * The generation is what makes timers and exits safe: it increments on every fresh start, and anything stamped
 * with another generation is stale.
 *
 * Boundary: storage only, through the synchronous SQLite-backed KV API (`ctx.storage.kv`), so reads never yield
 * the input gate. Nothing here is read on the warm request path.
 */
import type { StopReason } from "./lifecycle-log.js";

const KEY = "moorage:run";
const INSTANCE_KEY = "moorage:instance";

/** A stop that was asked for and has not been observed yet. */
export interface PendingStop {
  generation: number;
  reason: StopReason;
  /** Epoch ms the stop was requested. */
  since: number;
  /** Epoch ms at which a run still alive gets SIGKILL (absent once SIGKILL was sent, or for SIGKILL itself). */
  killAt?: number;
  /** Set once Moorage escalated to SIGKILL. */
  killed?: boolean;
}

/** What is stored. */
export interface RunRecord {
  /** 0 before the first start. */
  generation: number;
  /** Epoch ms when the current generation started. */
  startedAt?: number;
  /** The last generation whose `readyOn` probes all passed. */
  readyGeneration?: number;
  /** The last generation whose start was reported (`start` event, `onStart`). */
  startReported?: number;
  /** The last generation whose stop was reported (`stop` event, `onStop`). */
  stopReported?: number;
  /** Epoch ms when the current generation's `hardTimeout` elapses. */
  hardDueAt?: number;
  stopping?: PendingStop;
  /** The exit code of the last reported stop, when known. */
  lastExitCode?: number;
}

/** The subset of `SyncKvStorage` used here. */
export interface KvLike {
  get<T = unknown>(key: string): T | undefined;
  put<T>(key: string, value: T): void;
  delete(key: string): boolean;
}

export class RunLedger {
  constructor(private readonly kv: KvLike) {}

  read(): RunRecord {
    return this.kv.get<RunRecord>(KEY) ?? { generation: 0 };
  }

  #write(next: RunRecord): void {
    this.kv.put(KEY, next);
  }

  get generation(): number {
    return this.read().generation;
  }

  /** Starts a new generation and returns it. Called only when a start finds the container not running. */
  beginRun(now: number = Date.now(), hardTimeoutSeconds?: number): RunRecord {
    const { startReported, stopReported } = this.read();
    const next: RunRecord = { generation: this.read().generation + 1, startedAt: now };
    if (startReported !== undefined) next.startReported = startReported;
    if (stopReported !== undefined) next.stopReported = stopReported;
    if (hardTimeoutSeconds !== undefined) next.hardDueAt = now + hardTimeoutSeconds * 1000;
    this.#write(next);
    return next;
  }

  /** Applies `patch` if `generation` is still the current one. */
  update(generation: number, patch: Partial<Omit<RunRecord, "generation">>): void {
    const current = this.read();
    if (current.generation !== generation) return;
    const next = { ...current, ...patch };
    for (const [key, value] of Object.entries(patch)) {
      if (value === undefined) delete next[key as keyof RunRecord];
    }
    this.#write(next);
  }

  isReady(generation: number): boolean {
    const current = this.read();
    return current.generation === generation && current.readyGeneration === generation;
  }

  /** Claims the right to report `generation`'s start: true exactly once per generation. */
  claimStart(generation: number): boolean {
    const current = this.read();
    if (current.generation !== generation || current.startReported === generation) return false;
    this.#write({ ...current, startReported: generation });
    return true;
  }

  /** Claims the right to report `generation`'s stop: true exactly once per generation. */
  claimStop(generation: number): boolean {
    const current = this.read();
    if (generation === 0 || current.generation !== generation || current.stopReported === generation) return false;
    const next = { ...current, stopReported: generation };
    delete next.stopping;
    delete next.hardDueAt;
    this.#write(next);
    return true;
  }

  /** The instance name this object last learned, if any. */
  get instance(): string | undefined {
    return this.kv.get<string>(INSTANCE_KEY);
  }

  set instance(name: string) {
    if (this.kv.get<string>(INSTANCE_KEY) !== name) this.kv.put(INSTANCE_KEY, name);
  }
}
