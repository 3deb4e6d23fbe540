/**
 * Hard timeout (`hardTimeout`): a cap on total lifetime measured from start, busy or not. It is armed through the
 * platform library's `schedule()` (a row in its SQL schedules table, fired by its `alarm()`), so it coexists with
 * the library's own alarm loop instead of fighting over the single Durable Object alarm.
 *
 * Each timer carries the run generation it was armed for; `isCurrentRun` is the whole staleness rule: a timer
 * from a run that slept, crashed or was replaced can never stop a fresh run.
 *
 * Boundary: the timer's payload, its due time and the staleness rule. Arming happens outside
 * `blockConcurrencyWhile` in the container class.
 */

/** Name of the container method the schedule calls. Must stay a method name on `MoorageContainer`. */
export const HARD_TIMEOUT_CALLBACK = "moorageHardTimeoutElapsed";

export interface HardTimeoutPayload {
  /** The run generation the timer was armed for. */
  generation: number;
}

/**
 * When a run started at `startedAt` must end. Measured from the start, not from when the timer was armed.
 * Rounded UP to a whole second: the platform library stores schedule times in whole seconds, rounding down, which
 * would stop a container up to a second before its limit. A cap may end late by under a second, never early.
 */
export function hardTimeoutDueAt(startedAt: number, hardTimeoutSeconds: number): Date {
  return new Date(Math.ceil((startedAt + hardTimeoutSeconds * 1000) / 1000) * 1000);
}

/** True only when the timer belongs to the run that is running now. */
export function isCurrentRun(payload: unknown, currentGeneration: number, running: boolean): boolean {
  if (!running) return false;
  const generation = (payload as Partial<HardTimeoutPayload> | null | undefined)?.generation;
  return typeof generation === "number" && generation === currentGeneration;
}
