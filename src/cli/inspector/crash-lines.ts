/**
 * A crash's last lines on its lifecycle `stop` event, locally: the Durable Object runs inside workerd, which keeps no
 * container output and gives the object no Docker access, so it cannot read them itself; `moorage dev` can (it
 * reads the local engine), so when a `stop` record says `reason: "crash"` it reads the crashed container's last
 * lines (`src/engine/container-logs.ts`, found by the instance's labels and environment) and adds them to the record
 * as `lastLines` before the inspector shows it. In production there is no such reader (see the README's "Container
 * logs").
 * Boundary: one record in, the same record plus `lastLines` (or `lastLinesError`) out; never throws.
 */
import { type LogLine, lastLines } from "../../engine/container-logs.js";
import type { TappedRecord } from "./tap.js";

/** Lines a crash carries, and the longest line kept (a container's output is untrusted). */
export const CRASH_LINES = 20;
const MAX_LINE = 500;

type Reader = (
  dockerHost: string,
  instance: { container: string; instance: string },
  lines: number,
) => Promise<{ lines: LogLine[] }>;

/** True for the `stop` record of a run that exited non-zero on its own. */
export function isCrash(record: TappedRecord): boolean {
  return record.event === "stop" && record.reason === "crash";
}

/** The record with the crashed container's last lines (`[stderr] ...` marks stderr), read from the engine. */
export async function withCrashLines(
  record: TappedRecord,
  dockerHost: string,
  read: Reader = lastLines,
): Promise<TappedRecord> {
  try {
    const { lines } = await read(dockerHost, { container: record.container, instance: record.instance }, CRASH_LINES);
    const text = lines
      .slice(-CRASH_LINES)
      .map((l) => `${l.stream === "stderr" ? "[stderr] " : ""}${l.text}`.slice(0, MAX_LINE));
    return { ...record, lastLines: text };
  } catch (error) {
    return { ...record, lastLinesError: `could not read the container's output: ${(error as Error).message}` };
  }
}
