/**
 * What a serving run's failed request says about the run. A request that finds the port closed or loses its
 * connection while the container still runs means one of three things: the app is draining before it exits (a
 * rollout's or an operator's SIGTERM), the app restarts its listener, or the run is broken (its network is gone).
 * Retrying blindly would fail again on a draining app and forever on a broken one, so the first such failure starts
 * one health check per run, and every request that arrives meanwhile waits for its verdict instead of meeting the
 * same closed port:
 * - a port answers again: the run serves on;
 * - the container exits (a drain that ended): the next request starts a new run;
 * - neither within `budgetMs` (the stop grace period: as long as a stopping run is given to exit): the run is
 *   declared unreachable, logged, and destroyed, so the next request starts a new run.
 *
 * Only a failure on one of `requiredPorts` makes a run suspect: a request to a port the app never promised to
 * open is the caller's mistake, not the run's. Nothing is re-sent from here: the client decides what may be retried (`src/protocol.ts`), and its retry lands
 * after the verdict. Boundary: the check and its verdict; the caller owns destroying the run and starting anew.
 */
import { waitForPorts } from "./ports.js";
import type { StatusProbe } from "./readiness.js";

export type HealthVerdict = "healthy" | "exited" | "unreachable";

export interface HealthHost {
  /** The ports the run must answer on. */
  ports(): readonly number[];
  status: StatusProbe;
  /** False once `generation` is no longer the serving run (it exited, or a stop began). */
  isServing(generation: number): boolean;
  budgetMs(): number;
  subject(): string;
  /** Called once when the verdict is `unreachable`, with what was seen. */
  onUnreachable(generation: number, message: string): Promise<void>;
}

/** First pause between checks of a suspect run (it backs off from here, as a start's port checks do). */
const FIRST_CHECK_MS = 25;

export class HealthCheck {
  #current: { generation: number; verdict: Promise<HealthVerdict> } | undefined;

  constructor(private readonly host: HealthHost) {}

  /** The check in flight, if any: requests wait for it before they go to the app. */
  get pending(): Promise<HealthVerdict> | undefined {
    return this.#current?.verdict;
  }

  /** Starts checking `generation` (or joins the check in flight) and resolves with the verdict. */
  suspect(generation: number): Promise<HealthVerdict> {
    if (this.#current?.generation === generation) return this.#current.verdict;
    const verdict = this.#check(generation, [...this.host.ports()]);
    const current = { generation, verdict };
    this.#current = current;
    void verdict.finally(() => {
      if (this.#current === current) this.#current = undefined;
    });
    return verdict;
  }

  async #check(generation: number, ports: number[]): Promise<HealthVerdict> {
    const budgetMs = this.host.budgetMs();
    try {
      await waitForPorts({
        ports,
        status: this.host.status,
        budgetMs,
        isRunning: () => this.host.isServing(generation),
        subject: this.host.subject(),
        firstIntervalMs: FIRST_CHECK_MS,
      });
      return "healthy";
    } catch (error) {
      if (!this.host.isServing(generation)) return "exited";
      const message =
        `moorage: ${this.host.subject()} stopped answering on port ${ports.join(", ")} while it kept running, ` +
        `for ${budgetMs} ms (the stop grace period); it is replaced by a new run. ` +
        `Last check: ${error instanceof Error ? error.message : String(error)}`;
      await this.host.onUnreachable(generation, message);
      return "unreachable";
    }
  }
}
