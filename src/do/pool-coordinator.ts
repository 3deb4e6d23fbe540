/**
 * The pool coordinator's logic: the global view of one pool. Every pool instance reports its in-flight count (see
 * `pool-load.ts`); the coordinator sums them into the pool's concurrency, runs the autoscaler on it
 * (`client/pool-scaling.ts`, the same arithmetic every isolate uses for its own view) and answers two questions:
 * how many instances should be active (every isolate reads this with a short cache, so all Workers route to the
 * same set), and which instances should be started ahead of traffic (the `min` warm ones, and those a scale-up
 * just added, so their cold start is not paid by a request). Demand no instance can see counts too: the calls
 * isolates hold while every serving instance is at its limit (`client/pool-hold.ts`) come with their reads and are
 * added to the in-flight count (Knative counts the requests its activator queues the same way). The panic mode
 * compares against the instances that are serving, not those still starting (Knative's ready pods).
 *
 * It lives in one Durable Object per pool (an instance of the container's own class under a reserved name, so no
 * extra class, binding or migration is needed); this module is the pure part, driven by explicit times, so it is
 * unit-tested with a fake clock. Boundary: no I/O; the object wires reports, reads and starts to it.
 */
import {
  Autoscaler,
  type InstanceLoad,
  type PoolDemand,
  type PoolState,
  type ScalePolicy,
} from "../client/pool-scaling.js";
import type { LoadReport } from "./pool-load.js";

/** A report older than this no longer counts (the instance went away without saying so). */
export const REPORT_STALE_MS = 30_000;
/** The coordinator asks for the same instance's start at most this often. */
export const START_RETRY_MS = 5_000;
/** An isolate's held count no longer counts after this without a new one (an isolate reports every 500 ms while holding). */
export const HELD_STALE_MS = 2_000;
/** Most isolates whose held counts one coordinator remembers (the oldest is forgotten first). */
export const MAX_DEMAND_SOURCES = 256;
/** A held count above this from one isolate is taken as this (input from a caller: bounded). */
export const MAX_HELD_PER_SOURCE = 10_000;

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
  /** Held counts per isolate (`PoolDemand.source`), with the time each arrived. */
  readonly #held = new Map<string, { held: number; at: number }>();

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
    const running = report.running === true;
    this.#instances.set(report.index, {
      index: report.index,
      inflight: Math.max(0, Math.floor(report.inflight) || 0),
      running,
      serving: typeof report.serving === "boolean" ? report.serving && running : running,
      at: report.at,
    });
    if (report.running) this.#startRequested.delete(report.index);
    // Decide now, so a scale-up's instances are started on the report that asked for them, not on the next read.
    this.#decide(now);
  }

  /**
   * An isolate's held calls (sent with its read). Input from a caller: a malformed one changes nothing; a count
   * replaces that isolate's last one; 0 forgets it.
   */
  demand(demand: PoolDemand | undefined, now: number): void {
    if (typeof demand !== "object" || demand === null) return;
    const { source, held } = demand;
    if (typeof source !== "string" || source.length === 0 || source.length > 64) return;
    if (typeof held !== "number" || !Number.isFinite(held) || held < 0) return;
    this.#held.delete(source);
    if (held >= 1) {
      this.#held.set(source, { held: Math.min(MAX_HELD_PER_SOURCE, Math.floor(held)), at: now });
      if (this.#held.size > MAX_DEMAND_SOURCES) this.#held.delete(this.#held.keys().next().value as string);
    }
    this.#scaler.observe(now, this.#inflight(now));
  }

  #fresh(now: number): InstanceLoad[] {
    return [...this.#instances.values()].filter((i) => now - i.at <= REPORT_STALE_MS);
  }

  #heldNow(now: number): number {
    let sum = 0;
    for (const [source, entry] of this.#held) {
      if (now - entry.at > HELD_STALE_MS) this.#held.delete(source);
      else sum += entry.held;
    }
    return sum;
  }

  #inflight(now: number): number {
    return this.#fresh(now).reduce((sum, i) => sum + i.inflight, 0) + this.#heldNow(now);
  }

  #decide(now: number) {
    // Staleness is time-driven: refresh the level before deciding.
    const inflight = this.#inflight(now);
    this.#scaler.observe(now, inflight);
    const fresh = this.#fresh(now);
    const running = fresh.filter((i) => i.running).length;
    const serving = fresh.filter((i) => i.serving).length;
    // A burst is measured against the instances that serve now (Knative's ready pods): starting ones serve nobody.
    const decision = this.#scaler.decide(now, Math.max(1, serving));
    return { decision, inflight, running, serving };
  }

  /** The decision at `now`, with what it is based on. */
  state(now: number): PoolState {
    const { decision, inflight, running, serving } = this.#decide(now);
    return {
      ...decision,
      min: this.#policy.min,
      max: this.#policy.max,
      target: this.#policy.target,
      inflight,
      held: this.#heldNow(now),
      running,
      serving,
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
