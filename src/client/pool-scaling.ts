/**
 * The pool autoscaler's arithmetic: how many instances a pool should have, from the in-flight requests it carries.
 *
 * Knative's algorithm (KPA), on a time-weighted average rather than sampled scrapes: the concurrency the pool carried
 * is averaged over a stable window (default 60 s) and over a panic window (a tenth of it). The stable average over
 * `target` is the instance count in normal mode. When the panic average asks for at least twice the instances that
 * are active, the scaler panics: it follows the panic window (so a burst gets instances within seconds) and never
 * scales down until a full stable window has passed without a panic-level burst. The result is clamped to
 * `[min, max]`.
 *
 * Pure: time comes in as arguments, so tests drive it with a fake clock and assert decisions, never durations.
 * Used by the pool coordinator (the global view, fed by every instance's reports) and by the client (its own
 * isolate's view, the fallback when no global decision is known yet). Memory is bounded by the window's buckets.
 */

/** Threshold of the panic mode: the panic window asks for this many times the active instances (Knative's 200%). */
export const PANIC_THRESHOLD = 2;
/** Buckets per panic window: the resolution of the averages. */
const BUCKETS_PER_PANIC_WINDOW = 5;

/**
 * Time-weighted average of a level (requests in flight) that holds between changes, over trailing windows up to
 * `windowMs`. Kept as per-bucket integrals in a ring, so a busy pool costs the same memory as an idle one.
 */
export class ConcurrencyMeter {
  readonly #bucketMs: number;
  readonly #slots: Float64Array;
  /** Index (time / bucketMs) of the newest bucket written. */
  #latest: number;
  #level = 0;
  #at: number;
  readonly #since: number;

  constructor(windowMs: number, bucketMs: number, now: number) {
    this.#bucketMs = Math.max(1, bucketMs);
    this.#slots = new Float64Array(Math.ceil(windowMs / this.#bucketMs) + 2);
    this.#latest = Math.floor(now / this.#bucketMs);
    this.#at = now;
    this.#since = now;
  }

  /** The level now (as last set). */
  get level(): number {
    return this.#level;
  }

  /** The level changes to `level` at `now` (times before the last change are treated as the last change). */
  set(now: number, level: number): void {
    this.#advance(now);
    this.#level = Math.max(0, level);
  }

  /** Adds `delta` to the level at `now` (a request started: +1, ended: -1). */
  add(now: number, delta: number): void {
    this.set(now, this.#level + delta);
  }

  /** The average level over the `spanMs` before `now` (over the meter's whole life when it is younger). */
  average(now: number, spanMs: number): number {
    this.#advance(now);
    const b = this.#bucketMs;
    const start = Math.max(this.#since, this.#at - Math.min(spanMs, (this.#slots.length - 2) * b));
    const covered = this.#at - start;
    if (covered <= 0) return this.#level;
    let sum = 0;
    const first = Math.floor(start / b);
    for (let index = first; index <= this.#latest; index++) {
      let value = this.#slot(index);
      if (index === first) {
        // Only part of the first bucket lies inside the span: take that share, assuming the level was even within it.
        const bucketStart = Math.max(index * b, this.#since);
        const bucketEnd = Math.min((index + 1) * b, this.#at);
        const width = bucketEnd - bucketStart;
        value = width > 0 ? value * ((bucketEnd - start) / width) : 0;
      }
      sum += value;
    }
    return sum / covered;
  }

  #slot(index: number): number {
    return this.#slots[index % this.#slots.length] ?? 0;
  }

  /** Integrates the current level from the last change up to `now`, clearing buckets that left the window. */
  #advance(now: number): void {
    if (now <= this.#at) return;
    const b = this.#bucketMs;
    const n = this.#slots.length;
    const target = Math.floor(now / b);
    // Clear the buckets entered since the last write (at most the whole ring).
    for (let index = Math.max(this.#latest + 1, target - n + 1); index <= target; index++) this.#slots[index % n] = 0;
    let from = Math.max(this.#at, (target - n + 1) * b);
    while (from < now) {
      const index = Math.floor(from / b);
      const end = Math.min(now, (index + 1) * b);
      this.#slots[index % n] = (this.#slots[index % n] ?? 0) + this.#level * (end - from);
      from = end;
    }
    this.#latest = Math.max(this.#latest, target);
    this.#at = now;
  }
}

/** What the scaler is configured with (a declaration's `instances` and `concurrency`). */
export interface ScalePolicy {
  min: number;
  max: number;
  /** In-flight requests per instance to aim for. */
  target: number;
  /** Stable window, in ms. */
  windowMs: number;
  /** Panic window, in ms; default a tenth of `windowMs`, at least 1 s. */
  panicWindowMs?: number;
}

/** One decision, with the figures behind it (for visibility). */
export interface ScaleDecision {
  /** How many instances the pool should have active: within `[min, max]`. */
  desired: number;
  panic: boolean;
  /** Average in-flight requests over the stable and panic windows. */
  stableConcurrency: number;
  panicConcurrency: number;
}

/** A declaration's `instances` and `concurrency` as the policy the scaler runs (target 100 without `concurrency`). */
export function scalePolicyOf(
  instances: { min: number; max: number; scaleWindowSeconds: number },
  concurrency: { target: number } | undefined,
): ScalePolicy {
  return {
    min: instances.min,
    max: instances.max,
    target: concurrency?.target ?? 100,
    windowMs: instances.scaleWindowSeconds * 1000,
  };
}

/** The panic window a policy uses, in ms. */
export function panicWindowMs(policy: ScalePolicy): number {
  return policy.panicWindowMs ?? Math.max(1000, policy.windowMs / 10);
}

export class Autoscaler {
  readonly policy: ScalePolicy;
  readonly meter: ConcurrencyMeter;
  #panicSince: number | undefined;
  #lastPanicBurst: number | undefined;
  #desired: number;

  constructor(policy: ScalePolicy, now: number) {
    this.policy = policy;
    this.meter = new ConcurrencyMeter(policy.windowMs, panicWindowMs(policy) / BUCKETS_PER_PANIC_WINDOW, now);
    this.#desired = policy.min;
  }

  /** The pool carries `concurrency` requests in flight from `now` on. */
  observe(now: number, concurrency: number): void {
    this.meter.set(now, concurrency);
  }

  /** The last decision's instance count (`min` before the first decision). */
  get desired(): number {
    return this.#desired;
  }

  /** Decides the instance count at `now`, given how many instances are active (serving traffic) at the moment. */
  decide(now: number, active: number): ScaleDecision {
    const { min, max, target, windowMs } = this.policy;
    const stableConcurrency = this.meter.average(now, windowMs);
    const panicConcurrency = this.meter.average(now, panicWindowMs(this.policy));
    const stableWant = Math.ceil(stableConcurrency / target - 1e-9);
    const panicWant = Math.ceil(panicConcurrency / target - 1e-9);
    const burst = panicConcurrency / target >= PANIC_THRESHOLD * Math.max(1, active);
    if (burst) {
      this.#panicSince ??= now;
      this.#lastPanicBurst = now;
    } else if (this.#panicSince !== undefined && now - (this.#lastPanicBurst ?? now) >= windowMs) {
      this.#panicSince = undefined;
    }
    const panic = this.#panicSince !== undefined;
    // In panic the pool follows the short window up and never shrinks; otherwise the stable window decides.
    const want = panic ? Math.max(panicWant, this.#desired) : stableWant;
    this.#desired = Math.min(max, Math.max(min, want));
    return { desired: this.#desired, panic, stableConcurrency, panicConcurrency };
  }
}

/** One pool instance as the coordinator last heard of it. */
export interface InstanceLoad {
  index: number;
  inflight: number;
  running: boolean;
  /** Whether its container is serving (started and ready), not only running; `running` for an older report. */
  serving: boolean;
  /** Epoch ms of the report. */
  at: number;
}

/** What a pool's coordinator answers to a read: the decision, its inputs, and every instance's last report. */
export interface PoolState extends ScaleDecision {
  min: number;
  max: number;
  target: number;
  /** What the decision counts as in flight: the instances' last reported in-flight counts plus `held`. */
  inflight: number;
  /** Calls isolates hold in their activators (every serving instance at its limit), as last reported to it. */
  held: number;
  /** Instances whose last fresh report says their container is running (serving or starting). */
  running: number;
  /** Instances whose last fresh report says their container is serving: what the panic mode compares against. */
  serving: number;
  instances: InstanceLoad[];
  /** Epoch ms the decision was taken. */
  at: number;
}

/** The load report a pool instance sends to its coordinator. */
export interface LoadReport {
  /** The instance's pool index. */
  index: number;
  /** Requests in flight at `at`. */
  inflight: number;
  /** Whether the instance's container is running (serving or starting). */
  running: boolean;
  /** Whether it is serving (ready for requests); absent in a report from an older object: taken as `running`. */
  serving?: boolean;
  /** Epoch ms the report was taken. */
  at: number;
}

/**
 * What an isolate tells the coordinator with its read of the decision: the calls its activator holds for this
 * pool (they wait for a slot, so no instance counts them). Keyed by `source`, a random id per isolate and pool.
 */
export interface PoolDemand {
  source: string;
  held: number;
}
