/**
 * The per-instance record that must survive the Durable Object being evicted while its container keeps running:
 * the run generation, when the run started, which generation already passed readiness, and the instance's name.
 *
 * The generation is what makes timers safe: it increments on every fresh start, hard-timeout alarms carry the
 * generation they were armed for, and a timer whose generation is not the current one is stale. "Ready" is
 * recorded per generation so a run that already passed its probes is never probed again, even by a fresh object.
 *
 * Boundary: storage only, through the synchronous SQLite-backed KV API (`ctx.storage.kv`) that the platform
 * library already requires, so reads never yield the input gate.
 */

const KEY = "moorage:run";
const INSTANCE_KEY = "moorage:instance";

/** What is stored. */
export interface RunRecord {
  /** 0 before the first start. */
  generation: number;
  /** Epoch ms when the current generation started. */
  startedAt?: number;
  /** The last generation whose `readyOn` probes all passed. */
  readyGeneration?: number;
}

/** The subset of `SyncKvStorage` used here. */
export interface KvLike {
  get<T = unknown>(key: string): T | undefined;
  put<T>(key: string, value: T): void;
}

export class RunLedger {
  constructor(private readonly kv: KvLike) {}

  read(): RunRecord {
    return this.kv.get<RunRecord>(KEY) ?? { generation: 0 };
  }

  get generation(): number {
    return this.read().generation;
  }

  /** Starts a new generation and returns it. Called only when a start finds the container not running. */
  beginRun(now: number = Date.now()): RunRecord {
    const next: RunRecord = { generation: this.read().generation + 1, startedAt: now };
    this.kv.put(KEY, next);
    return next;
  }

  markReady(generation: number): void {
    const current = this.read();
    if (current.generation !== generation) return;
    this.kv.put(KEY, { ...current, readyGeneration: generation });
  }

  isReady(generation: number): boolean {
    const current = this.read();
    return current.generation === generation && current.readyGeneration === generation;
  }

  /** The instance name this object last learned (from the client's header), if any. */
  get instance(): string | undefined {
    return this.kv.get<string>(INSTANCE_KEY);
  }

  set instance(name: string) {
    if (this.kv.get<string>(INSTANCE_KEY) !== name) this.kv.put(INSTANCE_KEY, name);
  }
}
