/**
 * The duration grammar shared by `sleepAfter`, `hardTimeout`, `stopTimeout` and `readyTimeout`: `"30s"`, `"5m"`, `"1h"` or a
 * positive number of seconds. One parser, so the error message and the accepted forms are the same everywhere.
 */

const DURATION = /^(\d+)(s|m|h)$/;
const UNIT_SECONDS = { s: 1, m: 60, h: 3600 } as const;

/** `"30s"`, `"5m"`, `"1h"`, or a positive number of seconds. */
export type DurationInput = `${number}${"s" | "m" | "h"}` | number;

/** Seconds for a valid duration, or `undefined` when the input is not one. */
export function parseDuration(input: unknown): number | undefined {
  if (typeof input === "number") {
    return Number.isFinite(input) && input > 0 ? input : undefined;
  }
  if (typeof input !== "string") return undefined;
  const match = DURATION.exec(input);
  if (!match) return undefined;
  const seconds = Number(match[1]) * UNIT_SECONDS[match[2] as keyof typeof UNIT_SECONDS];
  return seconds > 0 ? seconds : undefined;
}

/** The directed message for a bad duration, e.g. for `"5 minutes"`. */
export function durationHint(field: string, got: unknown): string {
  return `"${field}" must look like "30s", "5m" or "1h", or be a positive number of seconds (got ${JSON.stringify(got)})`;
}
