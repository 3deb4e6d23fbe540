/**
 * The pool coordinator's logic: the global view of one pool. Every pool instance reports its in-flight count (see
 * `pool-load.ts`); the coordinator sums them into the pool's concurrency, runs the autoscaler on it
 * (`client/pool-scaling.ts`, the same arithmetic every isolate uses for its own view) and answers two questions:
 * how many instances should be active (every isolate reads this with a short cache, so all Workers route to the
 * same set), and which instances should be started ahead of traffic (the `min` warm ones, and those a scale-up
 * just added, so their cold start is not paid by a request).
 *
 * It lives in one Durable Object per pool (an instance of the container's own class under a reserved name, so no
 * extra class, binding or migration is needed); this module is the pure part, driven by explicit times, so it is
 * unit-tested with a fake clock. Boundary: no I/O; the object wires reports, reads and starts to it.
 */
import { Autoscaler, type InstanceLoad, type PoolState, type ScalePolicy } from "../client/pool-scaling.js";
import type { LoadReport } from "./pool-load.js";

/** A report older than this no longer counts (the instance went away without saying so). */
export const REPORT_STALE_MS = 30_000;
/** The coordinator asks for the same instance's start at most this often. */
export const START_RETRY_MS = 5_000;

function samePolicy(a: ScalePolicy, b: ScalePolicy): boolean {
  return (
    a.min === b.min &&
    a.max === b.max &&
    a.target === b.target &&
    a.windowMs === b.windowMs &&
    a.panicWindowMs === b.panicWindowMs
  );
}

export class PoolCoordinator {
  #policy: ScalePolicy;
  #scaler: Autoscaler;
  readonly #instances = new Map<number, InstanceLoad>();
  readonly #startRequested = new Map<number, number>();

  constructor(policy: ScalePolicy, now: number) {
    this.#policy = policy;
    this.#scaler = new Autoscaler(policy, now);
  }

  get policy(): ScalePolicy {
    return this.#policy;
  }

  /** Adopts a new policy (a redeploy changed the declaration); the load history starts over. */
  configure(policy: ScalePolicy, now: number): void {
    if (samePolicy(policy, this.#policy)) return;
    this.#policy = policy;
    this.#scaler = new Autoscaler(policy, now);
    this.#scaler.observe(now, this.#inflight(now));
  }

  /** An instance reported its load. Reports out of order (older than the one held) are ignored. */
  report(report: LoadReport, now: number): void {
    if (!Number.isInteger(report.index) || report.index < 0 || report.index >= this.#policy.max) return;
    const held = this.#instances.get(report.index);
    if (held && held.at > report.at) return;
    this.#instances.set(report.index, {
      index: report.index,
      inflight: Math.max(0, Math.floor(report.inflight) || 0),
      running: report.running === true,
      at: report.at,
    });
    if (report.running) this.#startRequested.delete(report.index);
    this.#scaler.observe(now, this.#inflight(now));
  }

  #fresh(now: number): InstanceLoad[] {
    return [...this.#instances.values()].filter((i) => now - i.at <= REPORT_STALE_MS);
  }

  #inflight(now: number): number {
    return this.#fresh(now).reduce((sum, i) => sum + i.inflight, 0);
  }

  /** The decision at `now`, with what it is based on. */
  state(now: number): PoolState {
    // Staleness is time-driven: refresh the level before deciding.
    const inflight = this.#inflight(now);
    this.#scaler.observe(now, inflight);
    const fresh = this.#fresh(now);
    const running = fresh.filter((i) => i.running).length;
    const decision = this.#scaler.decide(now, Math.max(1, this.#scaler.desired, running));
    return {
      ...decision,
      min: this.#policy.min,
      max: this.#policy.max,
      target: this.#policy.target,
      inflight,
      running,
      instances: [...this.#instances.values()].sort((a, b) => a.index - b.index),
      at: now,
    };
  }

  /**
   * Instances to start now: every index below the decision (and below `min`) whose container is not known to be
   * running, at most once per `START_RETRY_MS` each. The caller starts them and reports back through their own
   * reports.
   */
  toStart(now: number): number[] {
    const want = Math.max(this.#policy.min, this.#scaler.desired);
    const out: number[] = [];
    for (let index = 0; index < Math.min(want, this.#policy.max); index++) {
      const known = this.#instances.get(index);
      if (known?.running && now - known.at <= REPORT_STALE_MS) continue;
      const asked = this.#startRequested.get(index);
      if (asked !== undefined && now - asked < START_RETRY_MS) continue;
      this.#startRequested.set(index, now);
      out.push(index);
    }
    return out;
  }
}
