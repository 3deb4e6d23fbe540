/**
 * The run-state machine of one container instance: `stopped -> starting -> serving -> stopping -> stopped`, each
 * state stamped with the run generation it belongs to. It replaces the loose private fields the old base class
 * kept (ready generation, stopping-since, pending stop reason, ...): every question the request path and the
 * lifecycle ask ("can this request go straight through?", "is this exit the current run's?") is one read here.
 *
 * - `starting`: a run exists (or is being created) but has not passed its ports and `readyOn` yet. A run left in
 *   `starting` with no start in flight (a readiness wait that failed, an object that woke up mid-start) is picked up
 *   by the next request, which waits again without starting a second container.
 * - `serving`: requests are proxied straight through; the warm path reads nothing but this phase.
 * - `stopping`: a stop was requested (with its reason); requests are refused with `stopping` until the exit.
 *
 * Boundary: in-memory state and its legal transitions only. What survives the object (generation, readiness,
 * reported events) is `RunLedger`'s; what causes transitions is `Lifecycle`'s.
 */
import type { StopReason } from "./lifecycle-log.js";

export type RunPhase = "stopped" | "starting" | "serving" | "stopping";

export interface RunSnapshot {
  phase: RunPhase;
  /** The run generation this phase belongs to (0 before the first run). */
  generation: number;
  /** Epoch ms the phase was entered. */
  since: number;
  /** Why the run is stopping (only in `stopping`). */
  stopReason?: StopReason;
}

const LEGAL: Readonly<Record<RunPhase, readonly RunPhase[]>> = {
  stopped: ["starting"],
  starting: ["serving", "stopping", "stopped"],
  serving: ["stopping", "stopped"],
  stopping: ["stopped"],
};

export class RunState {
  #state: RunSnapshot;

  constructor(initial: Omit<RunSnapshot, "since"> & { since?: number }) {
    this.#state = { ...initial, since: initial.since ?? Date.now() };
  }

  get phase(): RunPhase {
    return this.#state.phase;
  }

  get generation(): number {
    return this.#state.generation;
  }

  snapshot(): Readonly<RunSnapshot> {
    return { ...this.#state };
  }

  /** True when `phase` holds for `generation` right now. */
  is(phase: RunPhase, generation: number): boolean {
    return this.#state.phase === phase && this.#state.generation === generation;
  }

  /**
   * Moves to `phase` for `generation`. Throws on an illegal transition: that is a Moorage bug, never user input.
   * A transition to `starting` may carry a new generation; every other one stays within the current run.
   */
  to(phase: RunPhase, generation: number, stopReason?: StopReason): void {
    const from = this.#state.phase;
    if (!LEGAL[from].includes(phase)) {
      throw new Error(`moorage: illegal run transition ${from} -> ${phase} (generation ${generation})`);
    }
    this.#state = { phase, generation, since: Date.now(), ...(stopReason ? { stopReason } : {}) };
  }
}
