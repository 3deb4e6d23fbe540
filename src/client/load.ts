/**
 * In-flight requests per container instance, as this isolate sees them, so `pool()` can send each attempt to the
 * less busy of two random instances (power of two choices) rather than picking blindly: a slow but healthy
 * instance piles up requests in flight and stops being chosen, where uniform picking keeps feeding it a fair share.
 *
 * Counts live per namespace object (a `WeakMap`): a Worker builds a fresh `containers(env)` for every request, while
 * `env`'s bindings live as long as the isolate, so all requests in one isolate share one view. A request counts from
 * the moment it is sent until its response headers arrive (or it throws); the body stream is not wrapped, because
 * moving every chunk through JavaScript costs more than the hint is worth. Counts are a routing hint, never a limit:
 * other isolates' load is invisible here.
 */

export class InflightCounts {
  readonly #counts = new Map<string, number>();

  /** Requests from this isolate to `instance` still waiting for their response. */
  get(instance: string): number {
    return this.#counts.get(instance) ?? 0;
  }

  /** Counts one request to `instance`; the returned function ends it (once, however often it is called). */
  begin(instance: string): () => void {
    this.#counts.set(instance, this.get(instance) + 1);
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      const left = this.get(instance) - 1;
      if (left > 0) this.#counts.set(instance, left);
      else this.#counts.delete(instance);
    };
  }
}

const byNamespace = new WeakMap<object, InflightCounts>();

/** The counts shared by every client of `namespace` in this isolate (fresh ones when there is no namespace). */
export function inflightFor(namespace: unknown): InflightCounts {
  if (typeof namespace !== "object" || namespace === null) return new InflightCounts();
  let counts = byNamespace.get(namespace);
  if (!counts) {
    counts = new InflightCounts();
    byNamespace.set(namespace, counts);
  }
  return counts;
}

/**
 * Power of two choices: two distinct random candidates, the one with fewer requests in flight (the first on a tie).
 * With fewer than two candidates, the only one.
 */
export function lessBusyOfTwo(candidates: readonly number[], load: (index: number) => number, random: () => number) {
  if (candidates.length < 2) return candidates[0]!;
  const a = Math.min(candidates.length - 1, Math.floor(random() * candidates.length));
  let b = Math.min(candidates.length - 2, Math.floor(random() * (candidates.length - 1)));
  if (b >= a) b++;
  const first = candidates[a]!;
  const second = candidates[b]!;
  return load(second) < load(first) ? second : first;
}
