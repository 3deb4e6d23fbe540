/**
 * How many instances of a declared pool an isolate routes to: the larger of the global decision (the pool
 * coordinator's, read with a short cache) and this isolate's own (the same autoscaler over the requests this
 * isolate has in flight), within `[1, max]`.
 *
 * The global read never sits on a request's path: `active()` answers from what is cached and, when the cache is
 * older than `cacheMs`, starts one background refresh whose result the next calls use. So a warm request still
 * costs exactly one Durable Object call, and every isolate and Worker converges on the coordinator's decision
 * within a cache period. The local view is the floor that makes a burst in one isolate spread out at once, and the
 * fallback while no global decision is known. State is per namespace and isolate, like `load.ts`.
 * The read also carries the demand no instance can see: the calls this isolate's activator holds
 * (`pool-hold.ts`). They count in the local view at once, and when their number changes the view reads the
 * coordinator early (at most every `DEMAND_REPORT_MS`), and again every `HELD_REPORT_MS` while any are held, so
 * the global decision counts them within a fraction of a second; each read's answer is handed to `onState`.
 * Boundary: the number only; which instance gets a request is `send.ts`'s and `pool-hold.ts`'s choice.
 */

import type { PoolHold } from "./pool-hold.js";
import { Autoscaler, type PoolDemand, type PoolState, type ScalePolicy } from "./pool-scaling.js";
import type { Clock } from "./types.js";

/** The global decision is read again when the cached one is older than this. */
export const POOL_STATE_CACHE_MS = 1_000;
/** A cached global decision older than this is ignored (the coordinator could not be read for a while). */
export const POOL_STATE_MAX_AGE_MS = 10_000;
/**
 * A coordinator read that has not settled by then is given up by the next call (counted as a failed read), which
 * starts another: workerd cancels the I/O a request started once that request is over, and a background read begun late
 * in one request can then hang forever, which would stop every later refresh of this isolate's view.
 */
export const POOL_STATE_READ_TIMEOUT_MS = 2_000;
/** A change in the held count is reported with a read at most this often. */
export const DEMAND_REPORT_MS = 250;
/** While calls are held, the count is reported again this often (the coordinator forgets it after 2 s). */
export const HELD_REPORT_MS = 500;

/** One isolate's view of a declared pool (`poolView()`). */
export interface PoolViewSnapshot {
  /** Instances this isolate routes to now: the larger of `local` and a fresh `global.desired`, within `[1, max]`. */
  active: number;
  /** This isolate's own decision, from the requests it has in flight. */
  local: number;
  /** Requests this isolate has in flight to the pool. */
  inflight: number;
  /** The coordinator's decision as last read (undefined before the first read answered). */
  global:
    | {
        desired: number;
        running: number;
        panic: boolean;
        /** Epoch ms the coordinator took the decision. */
        at: number;
        /** Ms since this isolate read it (ignored for routing after `POOL_STATE_MAX_AGE_MS`). */
        ageMs: number;
      }
    | undefined;
}

export class PoolView {
  readonly #local: Autoscaler;
  #inflight = 0;
  #global: { state: PoolState; readAt: number } | undefined;
  #refreshing: Promise<void> | undefined;
  #lastAttempt = Number.NEGATIVE_INFINITY;
  #errors = 0;
  #held = 0;
  /** The held count the coordinator last received (or is receiving). */
  #reportedHeld = 0;
  /** When the pending demand read is due (one timer at a time). */
  #trailingAt: number | undefined;
  /** Who this view is to the coordinator: its held count replaces the last one from the same source. */
  readonly source = `v${Math.random().toString(36).slice(2, 12)}`;
  /** Called with every state read (the activator learns which instances serve from it). */
  onState: ((state: PoolState) => void) | undefined;
  /** The pool's activator in this isolate (set by the context that made the view). */
  hold: PoolHold | undefined;

  constructor(
    readonly policy: ScalePolicy,
    now: number,
    private readonly read: (demand?: PoolDemand) => Promise<PoolState>,
    readonly cacheMs: number = POOL_STATE_CACHE_MS,
    /** For the early and repeated demand reads; without it, demand only rides the cache-period reads. */
    private readonly clock?: Clock,
  ) {
    this.#local = new Autoscaler(policy, now);
  }

  /** A request from this isolate to this pool started (+1) or ended (-1). */
  track(now: number, delta: 1 | -1): void {
    this.#inflight = Math.max(0, this.#inflight + delta);
    this.#local.observe(now, this.#inflight + this.#held);
  }

  /** Calls this isolate holds for the pool now (the activator's queue): demand no instance sees. */
  setHeld(now: number, held: number): void {
    this.#held = Math.max(0, held);
    this.#local.observe(now, this.#inflight + this.#held);
    this.#reportDemand(now);
  }

  /** Calls held, as last set. */
  get held(): number {
    return this.#held;
  }

  /** Reads early when the held count differs from the one reported, or is not 0 (a repeat); bounded in rate. */
  #reportDemand(now: number): void {
    if (this.#held === this.#reportedHeld && this.#held === 0) return;
    const gap = this.#held === this.#reportedHeld ? HELD_REPORT_MS : DEMAND_REPORT_MS;
    const wait = this.#lastAttempt + gap - now;
    if (wait <= 0 && !this.#refreshing) {
      void this.refresh(now);
      return;
    }
    if (!this.clock) return;
    // One timer, moved earlier when a change needs an earlier read than the repeat it waits for.
    const due = now + Math.max(wait, DEMAND_REPORT_MS / 5);
    // A timer that is overdue was lost (workerd drops a finished request's timers): it no longer counts.
    if (this.#trailingAt !== undefined && this.#trailingAt <= due && this.#trailingAt >= now) return;
    this.#trailingAt = due;
    const clock = this.clock;
    const fire = () => {
      if (this.#trailingAt !== due) return;
      this.#trailingAt = undefined;
      this.#reportDemand(clock.now());
    };
    clock.sleep(due - now).then(fire, fire);
  }

  /** The last global decision read, if any (for visibility). */
  get global(): PoolState | undefined {
    return this.#global?.state;
  }

  /** Failed reads of the coordinator so far. */
  get readErrors(): number {
    return this.#errors;
  }

  /** The number of instances to route to at `now`; may start a background refresh (see the module doc). */
  active(now: number): number {
    const local = this.#local.decide(now, Math.max(1, this.#local.desired)).desired;
    const cached = this.#global;
    if ((!cached || now - cached.readAt >= this.cacheMs) && now - this.#lastAttempt >= this.cacheMs) {
      void this.refresh(now);
    }
    const global = cached && now - cached.readAt <= POOL_STATE_MAX_AGE_MS ? cached.state.desired : 0;
    return Math.min(this.policy.max, Math.max(1, local, global));
  }

  /**
   * What this isolate routes on at `now`, for visibility (`poolView()`): the instance count, its own decision and
   * the global one it holds. Never starts a read and never changes a decision.
   */
  snapshot(now: number): PoolViewSnapshot {
    const local = Math.max(1, this.#local.desired);
    const cached = this.#global;
    const fresh = cached !== undefined && now - cached.readAt <= POOL_STATE_MAX_AGE_MS;
    return {
      active: Math.min(this.policy.max, Math.max(local, fresh ? cached.state.desired : 0)),
      local,
      inflight: this.#inflight,
      global: cached
        ? {
            desired: cached.state.desired,
            running: cached.state.running,
            panic: cached.state.panic,
            at: cached.state.at,
            ageMs: now - cached.readAt,
          }
        : undefined,
    };
  }

  /** Reads the coordinator's state now (joins a read in flight). */
  refresh(now: number): Promise<void> {
    // A read out for longer than POOL_STATE_READ_TIMEOUT_MS is given up here, on the next call, without a timer
    // (workerd drops a finished request's timers too, so a timeout set beside the read could be lost with it).
    if (this.#refreshing && now - this.#lastAttempt < POOL_STATE_READ_TIMEOUT_MS) return this.#refreshing;
    if (this.#refreshing) this.#errors++;
    this.#lastAttempt = now;
    const held = this.#held;
    const hadReported = this.#reportedHeld;
    this.#reportedHeld = held;
    let run: Promise<void> | undefined;
    run = (async () => {
      try {
        const state = await this.read(held > 0 || hadReported > 0 ? { source: this.source, held } : undefined);
        // A read given up and answering late never replaces a newer one.
        if (!this.#global || this.#global.readAt <= now) this.#global = { state, readAt: now };
        try {
          this.onState?.(state);
        } catch {
          // A listener's failure must not cost the decision.
        }
      } catch {
        this.#errors++;
        // Not received: report it again, unless nothing is held (the coordinator forgets a count within 2 s).
        this.#reportedHeld = held === 0 ? 0 : hadReported;
      } finally {
        if (this.#refreshing === run) this.#refreshing = undefined;
      }
      // Demand that changed while this read was out (or is still held) goes with the next one.
      if (this.clock) this.#reportDemand(this.clock.now());
    })();
    this.#refreshing = run;
    return run;
  }
}

const byNamespace = new WeakMap<object, PoolView>();

/** The view shared by every client of `namespace` in this isolate; a fresh one without a namespace. */
export function poolViewFor(namespace: unknown, create: () => PoolView): PoolView {
  if (typeof namespace !== "object" || namespace === null) return create();
  let view = byNamespace.get(namespace);
  if (!view) {
    view = create();
    byNamespace.set(namespace, view);
  }
  return view;
}
