/**
 * What this isolate knows about each container instance's load, so `pool()` can send each attempt to the cheaper
 * of two random instances (power of two choices) rather than picking blindly.
 *
 * Cost is peak-EWMA (the balancer of Finagle and Linkerd): a latency estimate that jumps up at once to a slower
 * sample and decays toward faster ones, times the requests still in flight plus one. A slow but healthy instance
 * therefore loses every comparison while it is slow, even when it happens to be idle; a failed attempt counts as a
 * `FAILURE_PENALTY_MS` sample, so an instance that fails fast is not mistaken for a fast one. Estimates fade with
 * `DECAY_MS` while an instance is not chosen, so one that was slow or failing is tried again later instead of being
 * starved forever. An instance never seen costs the least, so new instances are explored first.
 *
 * State lives per namespace object (a `WeakMap`): a Worker builds a fresh `containers(env)` for every request, while
 * `env`'s bindings live as long as the isolate, so all requests in one isolate share one view. A request is timed
 * from the moment it is sent until its response headers arrive (or it throws); the body is not wrapped, because
 * moving every chunk through JavaScript costs more than the hint is worth. Other isolates' load is invisible here:
 * this is a routing hint, never a limit.
 *
 * Memory is bounded: every attempt, `get(id)` ones included, lands here, so a Worker that reaches many distinct ids
 * would otherwise keep ~170 bytes per id for the isolate's life. A tracker keeps at most `MAX_TRACKED_INSTANCES`
 * entries and forgets the least recently used one first (an instance forgotten is simply "never seen" again, the
 * cheapest guess). Pool members are used on every `pool()` call, so they stay while one-off ids come and go.
 */

/** Latency recorded for an attempt that failed (threw, 5xx, cold start), in ms. */
export const FAILURE_PENALTY_MS = 1_000;
/** Time constant of the latency estimate, in ms: how fast old samples (and penalties) fade. */
export const DECAY_MS = 10_000;
/** Most instances one tracker remembers; the least recently used is forgotten first. */
export const MAX_TRACKED_INSTANCES = 4_096;

interface InstanceLoad {
  inflight: number;
  /** Peak-EWMA latency estimate, in ms, as of `at`. */
  latencyMs: number;
  at: number;
}

export class LoadTracker {
  /** In least-recently-used-first order: a `Map` iterates in insertion order, and a write re-inserts its key. */
  readonly #instances = new Map<string, InstanceLoad>();
  readonly #capacity: number;

  constructor(capacity: number = MAX_TRACKED_INSTANCES) {
    this.#capacity = capacity;
  }

  /** How many instances this tracker remembers (at most its capacity, `MAX_TRACKED_INSTANCES` by default). */
  get size(): number {
    return this.#instances.size;
  }

  // The entry for `instance`, created when missing and moved to the most-recently-used end either way.
  #entry(instance: string, now: number): InstanceLoad {
    let entry = this.#instances.get(instance);
    if (entry) this.#instances.delete(instance);
    else entry = { inflight: 0, latencyMs: 0, at: now };
    this.#instances.set(instance, entry);
    if (this.#instances.size > this.#capacity) {
      const oldest = this.#instances.keys().next().value as string;
      this.#instances.delete(oldest);
    }
    return entry;
  }

  /** Requests from this isolate to `instance` still waiting for their response. */
  inflight(instance: string): number {
    return this.#instances.get(instance)?.inflight ?? 0;
  }

  /** The latency estimate for `instance` at `now`, in ms (0 for an instance never seen). */
  latency(instance: string, now: number): number {
    const entry = this.#instances.get(instance);
    if (!entry) return 0;
    return entry.latencyMs * Math.exp(-Math.max(0, now - entry.at) / DECAY_MS);
  }

  /**
   * What sending one more request to `instance` is expected to cost: lower is better. The latency is floored at
   * 1 ms so requests in flight still count where answers come back in no measurable time.
   */
  cost(instance: string, now: number): number {
    return (this.latency(instance, now) + 1) * (this.inflight(instance) + 1);
  }

  /**
   * Counts one request to `instance` sent at `now`. The returned function ends it (once, however often it is
   * called) with the time its answer arrived and whether the attempt failed: `true` (it threw, a 5xx, a cold
   * start: a `FAILURE_PENALTY_MS` sample), `false` (answered), or `"cancelled"` (aborted before an answer, by its
   * caller or because a hedge won, or refused at its concurrency limit: not the instance's failure, so no penalty; the time it went unanswered is only a
   * lower bound of its latency, which may raise the estimate but never lower it).
   */
  begin(instance: string, now: number): (endedAt: number, failed: boolean | "cancelled") => void {
    this.#entry(instance, now).inflight++;
    let ended = false;
    return (endedAt, failed) => {
      if (ended) return;
      ended = true;
      const entry = this.#entry(instance, endedAt);
      entry.inflight = Math.max(0, entry.inflight - 1);
      const elapsed = Math.max(0, endedAt - now);
      const current = this.latency(instance, endedAt);
      if (failed === "cancelled") {
        entry.latencyMs = Math.max(current, elapsed);
        entry.at = endedAt;
        return;
      }
      const sample = failed ? Math.max(FAILURE_PENALTY_MS, elapsed) : elapsed;
      // Peak: a slower sample is believed at once; a faster one only moves the estimate by the decay weight.
      const weight = Math.exp(-Math.max(0, endedAt - entry.at) / DECAY_MS);
      entry.latencyMs = sample > current ? sample : current * weight + sample * (1 - weight);
      entry.at = endedAt;
    };
  }
}

const byNamespace = new WeakMap<object, LoadTracker>();

/** The tracker shared by every client of `namespace` in this isolate (a fresh one when there is no namespace). */
export function loadFor(namespace: unknown): LoadTracker {
  if (typeof namespace !== "object" || namespace === null) return new LoadTracker();
  let tracker = byNamespace.get(namespace);
  if (!tracker) {
    tracker = new LoadTracker();
    byNamespace.set(namespace, tracker);
  }
  return tracker;
}

/**
 * Power of two choices: two distinct random candidates, the cheaper one (the first on a tie).
 * With fewer than two candidates, the only one.
 */
export function cheaperOfTwo(candidates: readonly number[], cost: (index: number) => number, random: () => number) {
  if (candidates.length < 2) return candidates[0]!;
  const a = Math.min(candidates.length - 1, Math.floor(random() * candidates.length));
  let b = Math.min(candidates.length - 2, Math.floor(random() * (candidates.length - 1)));
  if (b >= a) b++;
  const first = candidates[a]!;
  const second = candidates[b]!;
  return cost(second) < cost(first) ? second : first;
}
