/**
 * Readiness gating (`readyOn`): the platform only knows a port is open; an app can still be running migrations or
 * warming caches. Every probe runs in parallel, straight against the container's TCP port, until each answers its
 * expected status; the whole wait shares one budget and ends in a `not-ready` error that names the failing probe
 * and what it last saw. Probes start 10 ms apart and back off (1.5x) to the probe interval (25 ms by default), so a
 * gate opens within ~25-50 ms of the app's readiness; a slow-booting app sees at most 40 probes a second (the
 * bench reports the rate the app saw). Raise `readyPollIntervalMs` for an app whose readiness check is costly.
 *
 * Probes go through `status(port, path, timeoutMs)`, in production `raw-http.ts` (one raw socket per probe): a
 * body-less answer (a 204 on an admin port) must never leave a pooled connection that the first real request to
 * that port then finds closed.
 *
 * Boundary: probing only. Which run needs probing (never a run that is already ready) and holding requests while
 * it happens are the container class's job. Never call this inside `blockConcurrencyWhile`: a rejection there
 * resets the whole object.
 */
import type { ResolvedReadyCheck } from "../definition/types.js";
import { ObjectError } from "./errors.js";

/** Sends `GET path` to a container port and resolves with the answer's status (rejects when nothing answers). */
export type StatusProbe = (port: number, path: string, timeoutMs: number) => Promise<number>;

/** Longest pause between two attempts of one probe (Knative polls every 50 ms; the platform library every 300 ms). */
export const DEFAULT_READY_POLL_INTERVAL_MS = 25;
/** First pause between two attempts; pauses grow by 1.5x up to the interval. */
export const FIRST_READY_POLL_MS = 10;
/** Longest single probe attempt: a hung handler must not eat the whole budget in one try. */
export const MAX_PROBE_ATTEMPT_MS = 5_000;

export interface ReadinessOptions {
  checks: readonly ResolvedReadyCheck[];
  /** How one probe attempt is sent. */
  status: StatusProbe;
  /** Total budget for all probes together. */
  budgetMs: number;
  /** Longest pause between attempts. */
  intervalMs?: number;
  /** Who is being probed, for messages: `container "api" (instance "tenant-1")`. */
  subject: string;
  /** False once the container has exited: stop probing a dead run instead of waiting out the budget. */
  isRunning?: () => boolean;
}

export interface ReadinessResult {
  durationMs: number;
  /** Attempts per probe, in `checks` order. */
  attempts: number[];
}

interface ProbeOutcome {
  lastStatus?: number;
  lastError?: string;
  attempts: number;
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });

function describeCheck(check: ResolvedReadyCheck): string {
  return `GET ${check.path} on port ${check.port} (expects ${check.status})`;
}

function lastSeen(outcome: ProbeOutcome): string {
  if (outcome.lastStatus !== undefined) return `last answered ${outcome.lastStatus}`;
  if (outcome.lastError !== undefined) return `last error: ${outcome.lastError}`;
  return "no attempt completed";
}

/** Resolves when every probe passed; rejects with a `not-ready` `ObjectError` when the budget runs out. */
export async function waitUntilReady(options: ReadinessOptions): Promise<ReadinessResult> {
  const started = Date.now();
  const deadline = started + options.budgetMs;
  const interval = options.intervalMs ?? DEFAULT_READY_POLL_INTERVAL_MS;
  // One controller for the whole wait: the first failing probe stops the others' timers and in-flight attempts.
  const stop = new AbortController();

  const probe = async (check: ResolvedReadyCheck): Promise<number> => {
    const outcome: ProbeOutcome = { attempts: 0 };
    let pauseMs = Math.min(FIRST_READY_POLL_MS, interval);
    for (;;) {
      if (stop.signal.aborted) return outcome.attempts;
      if (options.isRunning && !options.isRunning()) {
        throw new ObjectError(
          "start-failed",
          `moorage: ${options.subject} exited while waiting for readyOn probe ${describeCheck(check)}; ${lastSeen(outcome)}`,
        );
      }
      outcome.attempts++;
      try {
        const status = await options.status(
          check.port,
          check.path,
          Math.max(1, Math.min(MAX_PROBE_ATTEMPT_MS, deadline - Date.now())),
        );
        if (status === check.status) return outcome.attempts;
        outcome.lastStatus = status;
        outcome.lastError = undefined;
      } catch (error) {
        outcome.lastStatus = undefined;
        outcome.lastError = error instanceof Error ? error.message : String(error);
      }
      if (Date.now() + pauseMs >= deadline) {
        throw new ObjectError(
          "not-ready",
          `moorage: ${options.subject} was not ready after ${Math.round(options.budgetMs / 100) / 10}s: readyOn ` +
            `probe ${describeCheck(check)} ${lastSeen(outcome)} after ${outcome.attempts} attempt(s). Fix the ` +
            `app's ${check.path} handler, or raise readyTimeout in moorage/containers.ts if it needs longer.`,
        );
      }
      await sleep(pauseMs, stop.signal);
      pauseMs = Math.min(interval, Math.ceil(pauseMs * 1.5));
    }
  };

  try {
    const attempts = await Promise.all(options.checks.map(probe));
    return { durationMs: Date.now() - started, attempts };
  } finally {
    stop.abort();
  }
}
