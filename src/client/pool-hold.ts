/**
 * The pool's activator, in the client: where a declared pool's call goes while the pool scales up, and what it
 * does when every serving instance is at its limit (Knative's activator, without its extra hop).
 *
 * Each isolate keeps, per pool, which instances serve (its own evidence from answers and warm-ups, and the
 * coordinator's reports from the reads `pool-view.ts` makes, the newer winning), how many of its own calls each has
 * in flight, and which refused `busy` lately. A call goes to a serving instance with a free slot (the cheaper of
 * two, routed instances first, then serving ones beyond them). When every serving instance it may use is at its
 * limit, the call is held here, in a bounded FIFO queue (`HOLD_QUEUE_MAX`), and sent as soon as a slot frees: one of
 * this isolate's calls there ends, a `busy` mark ages out (`FULL_RECHECK_MS`, for slots other isolates free), a
 * warm-up finishes or a coordinator read shows a new serving instance. Holding also starts the instances the
 * demand asks for in the background (their object's `start()`, never the user's request), and is reported as
 * demand: the view sends the held count with its next read, so the coordinator's decision counts it.
 * A call is sent to an instance that is not serving only when waiting would be worse: when no instance is known to
 * serve (a cold pool), when the queue is full, or when it has waited longer than this isolate's estimate of a
 * cold start (from `moorage-cold-start-ms` answers and from warm-ups that took a start's time, a longer one
 * believed at once; `DEFAULT_COLD_START_MS` before one is seen), clamped to `[HOLD_FLOOR_MS, HOLD_CAP_MS]` and read
 * again when it is due; then it prefers an instance being started. Undefined from `pick` means "no
 * opinion": the send loop chooses as it always did.
 * Guarantees stay where they were: the object's limit is the truth (a held call may still be refused `busy` and is
 * then held again), nothing is sent twice by holding (a held call has not been sent), and a warm call with a free
 * slot is chosen synchronously, with no extra hop. Boundary: choosing and waiting; the send loop (`send.ts`) sends.
 */
import { poolIndexOf, poolInstanceName } from "../definition/naming.js";
import { HEADERS } from "../protocol.js";
import { cheaperOfTwo } from "./load.js";
import type { PoolState } from "./pool-scaling.js";
import { matchErrorSignal, matchResponseSignal } from "./signals.js";
import type { Clock } from "./types.js";

/** Most calls one isolate holds for one pool; the next ones are sent on as if nothing were held. */
export const HOLD_QUEUE_MAX = 1_000;
/** A call is held at least this long (when the cold-start estimate is shorter) before it may go to a cold instance. */
export const HOLD_FLOOR_MS = 250;
/** ... and at most this long, whatever the estimate. */
export const HOLD_CAP_MS = 10_000;
/** The cold-start estimate before this isolate has seen one. */
export const DEFAULT_COLD_START_MS = 2_000;
/** An instance that refused `busy` is tried again after this, when no call of this isolate ended there first. */
export const FULL_RECHECK_MS = 100;
/** The same instance is warmed up by one isolate at most this often. */
export const WARMUP_RETRY_MS = 5_000;
/** `busy` refusals one held call may meet before the send loop's own bound takes over again. */
export const HOLD_MAX_BUSY = 32;

/** Object codes that prove the instance is not serving now. */
const NOT_SERVING = new Set(["starting", "stopping", "not-listening"]);

export interface HoldHost {
  /** The pool's size (`instances.max`). */
  size: number;
  /** `concurrency.limit`, when declared: this isolate never sends an instance more than this at once. */
  limit: number | undefined;
  /** `concurrency.target`: how many calls per instance the warm-ups plan for. */
  target: number;
  clock: Clock;
  random: () => number;
  /** Instances to route to now (the scaling view's decision). */
  active(): number;
  /** What one more call to `index` costs by this isolate's load view (lower is better). */
  cost(index: number): number;
  /** Starts instance `index` in the background (its object's `start()`); resolves once it serves. */
  warm(index: number): Promise<void>;
  /** The number of held calls changed. */
  heldChanged(held: number): void;
}

/** One call's side of the activator. */
export interface HeldCall {
  /**
   * The instance for the next attempt (reserved for this call until `settled`), a promise of one when the call is
   * held, or undefined: no opinion (the caller chooses). Rejects with the signal's reason on abort.
   */
  pick(tried: number[], signal?: AbortSignal | null): string | undefined | Promise<string | undefined>;
  /** The attempt at `instance` ended with this outcome. */
  settled(instance: string, outcome: { response?: Response; error?: unknown }): void;
  /** Whether a `busy` refusal now leads back to `pick` (held again), rather than to the send loop's move bound. */
  readonly holding: boolean;
  /** Milliseconds this call spent held (0 for one held only until the same tick). */
  readonly heldMs: number;
  /** Whether the call was held at all. */
  readonly wasHeld: boolean;
}

interface Evidence {
  serving: boolean;
  at: number;
}

interface Call {
  /** When the call began: it may be held until `holdBoundMs` (read when it is due) after this. */
  since: number;
  heldMs: number;
  wasHeld: boolean;
  reserved: number | undefined;
}

interface Waiter {
  call: Call;
  tried: number[];
  since: number;
  finish(index: number | undefined): void;
}

export class PoolHold {
  readonly #host: HoldHost;
  readonly #inflight: number[];
  readonly #local = new Map<number, Evidence>();
  readonly #global = new Map<number, Evidence>();
  readonly #fullUntil = new Map<number, number>();
  readonly #warmedAt = new Map<number, number>();
  #waiters: Waiter[] = [];
  #coldStartMs: number | undefined;
  #recheckAt: number | undefined;

  constructor(host: HoldHost) {
    this.#host = host;
    this.#inflight = Array.from({ length: host.size }, () => 0);
  }

  /** Calls held now. */
  get held(): number {
    return this.#waiters.length;
  }

  /** How long a call may be held before a cold instance is the better bet, in ms. */
  get holdBoundMs(): number {
    return Math.min(HOLD_CAP_MS, Math.max(HOLD_FLOOR_MS, this.#coldStartMs ?? DEFAULT_COLD_START_MS));
  }

  /**
   * A cold start took `ms`: the estimate follows a longer one at once and a shorter one slowly (peak-EWMA, as
   * `load.ts` does for latency), so a loaded machine's slow starts are believed at once.
   */
  #sampleColdStart(ms: number): void {
    const estimate = this.#coldStartMs;
    this.#coldStartMs = estimate === undefined || ms > estimate ? ms : 0.8 * estimate + 0.2 * ms;
  }

  #deadline(call: Call): number {
    return call.since + this.holdBoundMs;
  }

  /** Whether instance `index` serves, as far as this isolate knows. */
  serving(index: number): boolean | undefined {
    const local = this.#local.get(index);
    const global = this.#global.get(index);
    const best = !local ? global : !global ? local : local.at >= global.at ? local : global;
    return best?.serving;
  }

  /** A coordinator read: every instance's last report (an instance it never heard of is not serving). */
  learn(state: PoolState): void {
    const reported = new Map((Array.isArray(state.instances) ? state.instances : []).map((i) => [i.index, i]));
    for (let index = 0; index < this.#host.size; index++) {
      const report = reported.get(index);
      const at = typeof report?.at === "number" ? report.at : Number.NEGATIVE_INFINITY;
      this.#global.set(index, { serving: report ? (report.serving ?? report.running) === true : false, at });
    }
    this.#pump(true);
  }

  /** One call's side (see `HeldCall`); its hold deadline starts now. */
  begin(): HeldCall {
    const clock = this.#host.clock;
    const call: Call = { since: clock.now(), heldMs: 0, wasHeld: false, reserved: undefined };
    const deadline = () => this.#deadline(call);
    return {
      pick: (tried, signal) => this.#pick(call, tried, signal),
      settled: (instance, outcome) => this.#settled(call, instance, outcome),
      get holding() {
        return clock.now() < deadline();
      },
      get heldMs() {
        return call.heldMs;
      },
      get wasHeld() {
        return call.wasHeld;
      },
    };
  }

  #free(index: number, now: number): boolean {
    if (this.serving(index) !== true) return false;
    const limit = this.#host.limit;
    if (limit !== undefined && (this.#inflight[index] ?? 0) >= limit) return false;
    return (this.#fullUntil.get(index) ?? 0) <= now;
  }

  /** A serving instance with a free slot, not tried by this call: routed ones first, then the rest. */
  #choose(tried: number[], now: number): number | undefined {
    const size = this.#host.size;
    const routed = Math.min(size, Math.max(1, this.#host.active()));
    for (const [from, to] of [
      [0, routed],
      [routed, size],
    ] as const) {
      const candidates: number[] = [];
      for (let i = from; i < to; i++) if (!tried.includes(i) && this.#free(i, now)) candidates.push(i);
      if (candidates.length > 0) return cheaperOfTwo(candidates, (i) => this.#host.cost(i), this.#host.random);
    }
    return undefined;
  }

  /** Whether holding can help this call: a serving instance it may use is only full, not absent. */
  #worthHolding(tried: number[]): boolean {
    for (let i = 0; i < this.#host.size; i++) if (!tried.includes(i) && this.serving(i) === true) return true;
    return false;
  }

  /** An instance that is not serving, for a call that should not wait longer: one being started first. */
  #cold(call: Call, tried: number[]): string | undefined {
    const size = this.#host.size;
    const routed = Math.min(size, Math.max(1, this.#host.active()));
    const candidates: number[] = [];
    for (let i = 0; i < size; i++) if (!tried.includes(i) && this.serving(i) !== true) candidates.push(i);
    if (candidates.length === 0) return undefined;
    const now = this.#host.clock.now();
    const warming = candidates.filter(
      (i) => now - (this.#warmedAt.get(i) ?? Number.NEGATIVE_INFINITY) < WARMUP_RETRY_MS,
    );
    const inRange = candidates.filter((i) => i < routed);
    const pool = warming.length > 0 ? warming : inRange.length > 0 ? inRange : candidates;
    return this.#reserve(
      call,
      cheaperOfTwo(pool, (i) => this.#host.cost(i), this.#host.random),
      tried,
    );
  }

  #reserve(call: Call, index: number, tried: number[]): string {
    this.#inflight[index] = (this.#inflight[index] ?? 0) + 1;
    call.reserved = index;
    tried.push(index);
    return poolInstanceName(index);
  }

  #pick(
    call: Call,
    tried: number[],
    signal: AbortSignal | null | undefined,
  ): string | undefined | Promise<string | undefined> {
    const now = this.#host.clock.now();
    if (this.#waiters.length === 0) {
      const index = this.#choose(tried, now);
      if (index !== undefined) return this.#reserve(call, index, tried);
    }
    if (!this.#worthHolding(tried)) return undefined;
    if (now >= this.#deadline(call) || this.#waiters.length >= HOLD_QUEUE_MAX) return this.#cold(call, tried);
    if (signal?.aborted) return Promise.reject(signal.reason);
    this.#warmUp(now);
    return this.#enqueue(call, tried, signal, now);
  }

  #enqueue(call: Call, tried: number[], signal: AbortSignal | null | undefined, now: number) {
    return new Promise<string | undefined>((resolve, reject) => {
      const stop = new AbortController();
      const onAbort = () => {
        if (!this.#remove(waiter)) return;
        stop.abort();
        call.heldMs += this.#host.clock.now() - waiter.since;
        reject(signal?.reason);
      };
      const waiter: Waiter = {
        call,
        tried,
        since: now,
        finish: (index) => {
          stop.abort();
          signal?.removeEventListener("abort", onAbort);
          call.heldMs += this.#host.clock.now() - waiter.since;
          resolve(index === undefined ? this.#cold(call, tried) : this.#reserve(call, index, tried));
        },
      };
      this.#waiters.push(waiter);
      call.wasHeld = true;
      signal?.addEventListener("abort", onAbort, { once: true });
      // Held as long as a cold start is expected to take, then a cold instance is the better bet. The estimate is
      // read again when the time is up (a slow warm-up may have raised it): at most HOLD_CAP_MS in all.
      const expire = () => {
        const left = this.#deadline(call) - this.#host.clock.now();
        if (left > 0) {
          this.#host.clock.sleep(left, stop.signal).then(expire, () => {});
          return;
        }
        if (this.#remove(waiter)) waiter.finish(undefined);
      };
      this.#host.clock.sleep(Math.max(0, this.#deadline(call) - now), stop.signal).then(expire, () => {});
      this.#host.heldChanged(this.#waiters.length);
      this.#pump();
    });
  }

  #remove(waiter: Waiter): boolean {
    const at = this.#waiters.indexOf(waiter);
    if (at < 0) return false;
    this.#waiters.splice(at, 1);
    this.#host.heldChanged(this.#waiters.length);
    return true;
  }

  /**
   * Gives free slots to held calls, oldest first; releases the ones holding can no longer help (only an evidence
   * change can do that: `rethink`). Without a free slot and without new evidence, nothing can change: O(size).
   */
  #pump(rethink = false): void {
    if (this.#waiters.length === 0) return;
    const now = this.#host.clock.now();
    if (!rethink) {
      let anyFree = false;
      for (let i = 0; i < this.#host.size && !anyFree; i++) anyFree = this.#free(i, now);
      if (!anyFree) {
        this.#scheduleRecheck(now);
        return;
      }
    }
    const before = this.#waiters.length;
    const kept: Waiter[] = [];
    const ready: [Waiter, number | undefined][] = [];
    for (const waiter of this.#waiters) {
      const index = this.#choose(waiter.tried, now);
      if (index !== undefined) {
        // Reserved now, in queue order, so the next waiter sees the slot taken.
        this.#inflight[index] = (this.#inflight[index] ?? 0) + 1;
        ready.push([waiter, index]);
      } else if (!this.#worthHolding(waiter.tried)) ready.push([waiter, undefined]);
      else kept.push(waiter);
    }
    this.#waiters = kept;
    if (kept.length !== before) this.#host.heldChanged(kept.length);
    for (const [waiter, index] of ready) {
      if (index !== undefined) this.#inflight[index] = (this.#inflight[index] ?? 1) - 1;
      waiter.finish(index);
    }
    this.#scheduleRecheck(now);
  }

  /** While calls are held, wakes the queue when the earliest `busy` mark ages out. */
  #scheduleRecheck(now: number): void {
    if (this.#waiters.length === 0) return;
    let next: number | undefined;
    for (const until of this.#fullUntil.values()) if (until > now && (next === undefined || until < next)) next = until;
    // A pending recheck that is overdue was lost (workerd drops a finished request's timers): schedule anew.
    const pending = this.#recheckAt !== undefined && this.#recheckAt >= now ? this.#recheckAt : undefined;
    if (next === undefined || (pending !== undefined && pending <= next)) return;
    this.#recheckAt = next;
    this.#host.clock.sleep(next - now).then(
      () => {
        if (this.#recheckAt === next) this.#recheckAt = undefined;
        this.#pump();
      },
      () => {},
    );
  }

  /** Starts, in the background, the instances the demand asks for that do not serve yet. */
  #warmUp(now: number): void {
    const { size, target } = this.#host;
    // Holding means every serving instance is full: at least one more, and as many as the demand asks for.
    let serving = 0;
    for (let index = 0; index < size; index++) if (this.serving(index) === true) serving++;
    const demand = this.#inflight.reduce((a, b) => a + b, 0) + this.#waiters.length + 1;
    const asked = Math.max(this.#host.active(), serving + 1, Math.ceil(demand / Math.max(1, target)));
    const want = Math.min(size, asked);
    for (let index = 0; index < want; index++) {
      if (this.serving(index) === true) continue;
      const last = this.#warmedAt.get(index);
      if (last !== undefined && now - last < WARMUP_RETRY_MS) continue;
      this.#warmedAt.set(index, now);
      const startedAt = now;
      let warming: Promise<void>;
      try {
        warming = this.#host.warm(index);
      } catch {
        continue;
      }
      warming.then(
        () => {
          const at = this.#host.clock.now();
          // A warm-up that took a while was a real start (a quick one found the instance serving already).
          if (at - startedAt >= HOLD_FLOOR_MS) this.#sampleColdStart(at - startedAt);
          this.#local.set(index, { serving: true, at });
          this.#pump(true);
        },
        () => {
          // The next hold asks again after WARMUP_RETRY_MS; a call may still start it.
        },
      );
    }
  }

  #settled(call: Call, instance: string, outcome: { response?: Response; error?: unknown }): void {
    const index = poolIndexOf(instance);
    if (index === undefined || index >= this.#host.size) return;
    if (call.reserved === index) {
      this.#inflight[index] = Math.max(0, (this.#inflight[index] ?? 0) - 1);
      call.reserved = undefined;
    }
    const now = this.#host.clock.now();
    const knew = this.serving(index);
    if (outcome.response) {
      const signal = matchResponseSignal(outcome.response);
      if (signal?.moveInstance) {
        this.#fullUntil.set(index, now + FULL_RECHECK_MS);
      } else if (signal && NOT_SERVING.has(signal.code)) {
        this.#local.set(index, { serving: false, at: now });
      } else if (!signal) {
        // An answer from the app: the instance serves, and the slot this call used is free again.
        this.#local.set(index, { serving: true, at: now });
        this.#fullUntil.delete(index);
        const cold = Number(outcome.response.headers.get(HEADERS.coldStartMs) ?? Number.NaN);
        if (Number.isFinite(cold) && cold >= 0) this.#sampleColdStart(cold);
      }
    } else {
      const signal = matchErrorSignal(outcome.error);
      if (signal && NOT_SERVING.has(signal.code)) this.#local.set(index, { serving: false, at: now });
    }
    this.#pump(this.serving(index) !== knew);
  }
}
