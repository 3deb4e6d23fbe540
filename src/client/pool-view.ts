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
 * Boundary: the number only; which instance gets a request is `send.ts`'s choice.
 */
import { Autoscaler, type PoolState, type ScalePolicy } from "./pool-scaling.js";

/** The global decision is read again when the cached one is older than this. */
export const POOL_STATE_CACHE_MS = 1_000;
/** A cached global decision older than this is ignored (the coordinator could not be read for a while). */
export const POOL_STATE_MAX_AGE_MS = 10_000;

export class PoolView {
  readonly #local: Autoscaler;
  #inflight = 0;
  #global: { state: PoolState; readAt: number } | undefined;
  #refreshing: Promise<void> | undefined;
  #lastAttempt = Number.NEGATIVE_INFINITY;
  #errors = 0;

  constructor(
    readonly policy: ScalePolicy,
    now: number,
    private readonly read: () => Promise<PoolState>,
    readonly cacheMs: number = POOL_STATE_CACHE_MS,
  ) {
    this.#local = new Autoscaler(policy, now);
  }

  /** A request from this isolate to this pool started (+1) or ended (-1). */
  track(now: number, delta: 1 | -1): void {
    this.#inflight = Math.max(0, this.#inflight + delta);
    this.#local.observe(now, this.#inflight);
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

  /** Reads the coordinator's state now (joins a read in flight). */
  refresh(now: number): Promise<void> {
    if (this.#refreshing) return this.#refreshing;
    this.#lastAttempt = now;
    const run = (async () => {
      try {
        const state = await this.read();
        this.#global = { state, readAt: now };
      } catch {
        this.#errors++;
      } finally {
        this.#refreshing = undefined;
      }
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
