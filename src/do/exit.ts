/**
 * How a run ended, read from what `monitor()` settled with and from the signals Moorage sends: the exit code, and
 * whether the runtime (a rollout, containers#253) asked for it. Kept apart from `lifecycle.ts` because the message
 * formats are the platform's and change on their own schedule.
 * Boundary: parsing only; reporting the stop is `lifecycle.ts`'s.
 */
import { messageOf } from "./errors.js";
import type { StopReason } from "./lifecycle-log.js";

export const SIGNALS = { SIGINT: 2, SIGKILL: 9, SIGTERM: 15 } as const;
export type StopSignal = keyof typeof SIGNALS | number;

/** The runtime's exit message, including the rollout variant (containers#253). */
const RUNTIME_EXIT = /runtime signalled the container to exit([^:]*):\s*(-?\d+)/i;
const EXIT_CODE = /exit code:\s*(-?\d+)/i;

/** What a settled `monitor()` says about the exit. */
export function describeExit(error: unknown): { exitCode?: number; reason?: StopReason; error?: unknown } {
  if (error === undefined) return { exitCode: 0 };
  const message = messageOf(error);
  const runtime = RUNTIME_EXIT.exec(message);
  if (runtime) {
    return { exitCode: Number(runtime[2]), reason: /rollout/i.test(runtime[1] ?? "") ? "rollout" : "runtime-signal" };
  }
  const code = (error as { exitCode?: unknown } | null)?.exitCode;
  if (typeof code === "number") return { exitCode: code };
  const parsed = EXIT_CODE.exec(message);
  if (parsed) return { exitCode: Number(parsed[1]) };
  return { error };
}
