/**
 * Hedged requests for `pool({ hedge })`, the tail-at-scale technique: when the first attempt has not answered
 * after a delay taken from recent latency (a quantile, with a floor), a second attempt goes to another instance;
 * the first answer wins and the other attempt is cancelled through its AbortSignal.
 *
 * Three pieces, each pure and driven by an injected clock: the latency window the delay comes from, the budget
 * that keeps hedges to a share of requests (a token bucket: each call earns `budget` of a hedge, a hedge spends one,
 * so an incident that slows everything cannot double the load), and `race`, which runs the two attempts. Whether a
 * request may be hedged at all (safe to repeat) is the caller's decision, from `isSafeToRepeat`. State is per
 * namespace and isolate, like the load view in `load.ts`. Boundary: this module never picks instances or reads
 * responses; the send loop does.
 */

import { isIdempotent } from "../protocol.js";
import type { Clock } from "./types.js";

/** `pool({ hedge })` options. `hedge: true` takes every default. */
export interface HedgeOptions {
  /** Latency quantile (0-1) of recent answers after which the hedge is sent. Default 0.9. */
  quantile?: number;
  /** The hedge is never sent sooner than this, in ms. Default 10. */
  floorMs?: number;
  /** Extra requests hedging may add, as a share of calls (0-1). Default 0.1 (at most ~10% more requests). */
  budget?: number;
}

export const HEDGE_DEFAULTS = {
  quantile: 0.9,
  floorMs: 10,
  budget: 0.1,
  /** Answers the latency window must hold before the first hedge (below it the quantile means little). */
  minSamples: 20,
  /** Answers the latency window keeps: the recent past only. */
  windowSize: 256,
  /** Hedges the budget can save up while traffic is calm. */
  maxTokens: 10,
} as const;

/** Hedge options with defaults applied. */
export interface HedgePolicy {
  quantile: number;
  floorMs: number;
  budget: number;
}

/** The most recent answer latencies, for a quantile. */
export class LatencyWindow {
  readonly #samples: number[] = [];
  #next = 0;
  readonly #size: number;

  constructor(size: number = HEDGE_DEFAULTS.windowSize) {
    this.#size = size;
  }

  get count(): number {
    return this.#samples.length;
  }

  record(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) return;
    if (this.#samples.length < this.#size) this.#samples.push(ms);
    else this.#samples[this.#next] = ms;
    this.#next = (this.#next + 1) % this.#size;
  }

  /** The `q` quantile (nearest rank) of the window, or undefined when it is empty. */
  quantile(q: number): number | undefined {
    if (this.#samples.length === 0) return undefined;
    const sorted = [...this.#samples].sort((a, b) => a - b);
    const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
    return sorted[rank];
  }
}

/** A token bucket: each call deposits `ratio` of a hedge, each hedge withdraws one. */
export class HedgeBudget {
  #tokens = 0;
  #calls = 0;
  #hedges = 0;

  constructor(
    readonly ratio: number,
    readonly maxTokens: number = HEDGE_DEFAULTS.maxTokens,
  ) {}

  /** One call was made (hedged or not). */
  deposit(): void {
    this.#calls++;
    this.#tokens = Math.min(this.maxTokens, this.#tokens + this.ratio);
  }

  /** Spends one hedge if the budget has it. */
  tryWithdraw(): boolean {
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    this.#hedges++;
    return true;
  }

  /** Calls and hedges so far, for visibility (`hedges / calls` stays at or under `ratio` plus the saved tokens). */
  get stats(): { calls: number; hedges: number } {
    return { calls: this.#calls, hedges: this.#hedges };
  }
}

/** Validates `pool({ hedge })` into a policy; a message naming the option otherwise. */
export function resolveHedge(hedge: boolean | HedgeOptions | undefined): HedgePolicy | string | undefined {
  if (hedge === undefined || hedge === false) return undefined;
  const options = hedge === true ? {} : hedge;
  if (typeof options !== "object" || options === null) {
    return `hedge must be true, false or { quantile?, floorMs?, budget? } (got ${JSON.stringify(hedge)})`;
  }
  const policy: HedgePolicy = {
    quantile: options.quantile ?? HEDGE_DEFAULTS.quantile,
    floorMs: options.floorMs ?? HEDGE_DEFAULTS.floorMs,
    budget: options.budget ?? HEDGE_DEFAULTS.budget,
  };
  if (!(policy.quantile > 0 && policy.quantile < 1)) {
    return `hedge.quantile must be between 0 and 1, like 0.9 (got ${JSON.stringify(options.quantile)})`;
  }
  if (!(policy.floorMs >= 0) || !Number.isFinite(policy.floorMs)) {
    return `hedge.floorMs must be a finite number of milliseconds >= 0 (got ${JSON.stringify(options.floorMs)})`;
  }
  if (!(policy.budget > 0 && policy.budget <= 1)) {
    return `hedge.budget must be a share of calls above 0 and at most 1, like 0.1 (got ${JSON.stringify(options.budget)})`;
  }
  return policy;
}

/** How long to wait before hedging, or undefined while the window is too thin to say. */
export function hedgeDelay(window: LatencyWindow, policy: HedgePolicy): number | undefined {
  if (window.count < HEDGE_DEFAULTS.minSamples) return undefined;
  const q = window.quantile(policy.quantile);
  return q === undefined ? undefined : Math.max(policy.floorMs, q);
}

/**
 * Whether a request may be sent twice (contract 2 of the team brief: the idempotency rule): GET, HEAD and OPTIONS,
 * a request carrying `Idempotency-Key`, or a call marked `{ idempotent: true }`. One rule for the package:
 * `isIdempotent` in `src/protocol.ts`, which the send loop uses too.
 */
export function isSafeToRepeat(method: string, headers: Headers, idempotent: boolean | undefined): boolean {
  return isIdempotent(method, headers, idempotent);
}

/** Per-isolate hedging state of one container. */
export interface HedgeState {
  latency: LatencyWindow;
  budgets: Map<number, HedgeBudget>;
}

const byNamespace = new WeakMap<object, HedgeState>();

/** The hedging state shared by every client of `namespace` in this isolate (a fresh one without a namespace). */
export function hedgeStateFor(namespace: unknown): HedgeState {
  const fresh = (): HedgeState => ({ latency: new LatencyWindow(), budgets: new Map() });
  if (typeof namespace !== "object" || namespace === null) return fresh();
  let state = byNamespace.get(namespace);
  if (!state) {
    state = fresh();
    byNamespace.set(namespace, state);
  }
  return state;
}

/** The budget for one ratio (calls with different budgets do not share tokens). */
export function budgetFor(state: HedgeState, ratio: number): HedgeBudget {
  let budget = state.budgets.get(ratio);
  if (!budget) {
    budget = new HedgeBudget(ratio);
    state.budgets.set(ratio, budget);
  }
  return budget;
}

/** What `race` reports about the winner. */
export interface RaceResult<T> {
  value: T;
  /** 1: the first attempt answered first; 2: the hedge did. */
  winner: 1 | 2;
  /** Whether a hedge was sent. */
  hedged: boolean;
}

export interface RaceOptions<T> {
  clock: Clock;
  /** Wait this long before hedging; undefined: never hedge. */
  delayMs: number | undefined;
  /** Asked once the delay passed without an answer: may the hedge go (budget)? */
  mayHedge(): boolean;
  /** Runs attempt 1 or 2 with its own signal; aborting the signal cancels that attempt. */
  run(attempt: 1 | 2, signal: AbortSignal): Promise<T>;
  /** Disposes of a loser's value that arrived after the winner (e.g. cancels a response body). */
  discard?(value: T): void;
  /** The caller's signal: aborting it cancels both attempts. */
  signal?: AbortSignal | undefined;
}

/**
 * Runs attempt 1, and attempt 2 if attempt 1 is still pending after `delayMs` and `mayHedge()` agrees. The first
 * attempt to succeed wins and the other is aborted; when one fails, the other's outcome decides; when both fail,
 * the first failure is thrown.
 */
export function race<T>(options: RaceOptions<T>): Promise<RaceResult<T>> {
  const { clock, signal } = options;
  const controllers: readonly [AbortController, AbortController] = [new AbortController(), new AbortController()];
  const abortAll = () => {
    for (const c of controllers) c.abort(signal?.reason);
  };
  if (signal?.aborted) abortAll();
  else signal?.addEventListener("abort", abortAll, { once: true });

  return new Promise<RaceResult<T>>((resolve, reject) => {
    let settled = false;
    let hedged = false;
    let pending = 0;
    let firstError: { error: unknown } | undefined;
    const timer = new AbortController();
    const finish = () => {
      settled = true;
      timer.abort();
      signal?.removeEventListener("abort", abortAll);
    };
    const start = (attempt: 1 | 2) => {
      pending++;
      let promise: Promise<T>;
      try {
        promise = options.run(attempt, (attempt === 1 ? controllers[0] : controllers[1]).signal);
      } catch (error) {
        promise = Promise.reject(error);
      }
      promise.then(
        (value) => {
          pending--;
          if (settled) {
            options.discard?.(value);
            return;
          }
          finish();
          controllers[attempt === 1 ? 1 : 0].abort(new DOMException("a hedged attempt won", "AbortError"));
          resolve({ value, winner: attempt, hedged });
        },
        (error: unknown) => {
          pending--;
          if (settled) return;
          firstError ??= { error };
          // The other attempt may still answer; when nothing is left in flight the call fails (a first attempt
          // that failed before the hedge delay already failed over inside the send loop: no hedge is sent then).
          if (pending === 0) {
            finish();
            reject(firstError.error);
          }
        },
      );
    };
    start(1);
    if (options.delayMs === undefined) return;
    clock.sleep(options.delayMs, timer.signal).then(
      () => {
        if (settled || signal?.aborted || !options.mayHedge()) return;
        hedged = true;
        start(2);
      },
      () => {
        // The timer was cancelled: the race is over.
      },
    );
  });
}
