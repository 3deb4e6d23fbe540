/**
 * What a failed start tells its callers. Two cases need more than the first error seen:
 * - a run that ended while Moorage waited for its ports: say how it ended (an exit code, or the platform's own
 *   error, such as a container that could not be created), not only that a port never opened;
 * - a platform message that fails every start: the client retries `starting` as a cold start, so without a budget a
 *   start that cannot succeed reads as "still starting" forever. After `TRANSIENT_START_BUDGET_MS` of nothing but
 *   such failures it is `start-failed`, with the one cause seen in practice named.
 * Boundary: wording and the budget; `lifecycle.ts` decides when a start failed.
 */
import { messageOf, ObjectError } from "./errors.js";
import type { describeExit } from "./exit.js";

/**
 * How long the platform may keep failing starts with a transient message before the object says the start fails.
 * Longer than any provisioning hiccup seen; short enough that a caller gets a verdict within one request budget.
 */
export const TRANSIENT_START_BUDGET_MS = 10_000;

/** `failure` (a start that failed because the run ended) restated with how the run ended. */
export function explainExit(failure: ObjectError, exit: ReturnType<typeof describeExit>, who: string): ObjectError {
  const how =
    exit.error !== undefined
      ? `could not be run: ${messageOf(exit.error)}`
      : `exited with code ${exit.exitCode ?? "unknown"}${exit.reason ? ` (${exit.reason})` : ""}`;
  return new ObjectError("start-failed", `moorage: ${who} ${how}; ${failure.message}`, { cause: failure });
}

/** Tracks a streak of transient start failures; `judge` turns a streak longer than the budget into `start-failed`. */
export class TransientStartWatch {
  #since: number | undefined;
  #last: number | undefined;

  constructor(private readonly budgetMs: number = TRANSIENT_START_BUDGET_MS) {}

  /** A start served: the streak is over. */
  served(): void {
    this.#since = undefined;
    this.#last = undefined;
  }

  /** `failure` as is, or as `start-failed` once every start for longer than the budget failed like this. */
  judge(failure: ObjectError, error: unknown, who: string, now: number = Date.now()): ObjectError {
    if (failure.code !== "starting" || error instanceof ObjectError) return failure;
    // A streak is consecutive failures; a quiet gap longer than the budget starts a new one.
    if (this.#since === undefined || this.#last === undefined || now - this.#last > this.budgetMs) this.#since = now;
    this.#last = now;
    const failingMs = now - this.#since;
    if (failingMs < this.budgetMs) return failure;
    return new ObjectError(
      "start-failed",
      `moorage: ${who} could not be started: every start for ${failingMs} ms failed with "${messageOf(error)}". ` +
        "Under wrangler dev this means the local engine lost the container's networking sidecar (dockerd " +
        "restarted, or the sidecar container was killed) and workerd keeps using it until it restarts: restart " +
        "wrangler dev. In production, check the platform's status and the container's image.",
      { cause: error },
    );
  }
}
