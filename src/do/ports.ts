/**
 * Waiting for `requiredPorts` to open after a start. The platform library checks every 300 ms, which puts a
 * quarter of a second between an app opening its port and its first request; here every port is checked in
 * parallel every 10 ms for the first 5 s (most apps open their port by then; the bench's hand-written floor path
 * polls every 10 ms too), then backing off by 1.5x to 100 ms for a slow boot, within one bounded budget. A check of
 * a closed port is one refused CONNECT, cheap for the app and the engine.
 *
 * A check is one `GET /` sent through `status()` (in production on its own raw socket, `raw-http.ts`, so the HTTP
 * connection pool the real requests use is never touched): any HTTP answer means the port is open; workerd's "not
 * listening" error (the sidecar's CONNECT got a 400) means not yet. A container that exits meanwhile ends the wait
 * at once.
 *
 * Boundary: port checks only. Probing application readiness (`readyOn`) is `readiness.ts`.
 */
import { messageOf, ObjectError } from "./errors.js";
import type { StatusProbe } from "./readiness.js";

export const FIRST_PORT_CHECK_MS = 10;
export const MAX_PORT_CHECK_MS = 100;
/** How long checks stay at their first interval before they back off. */
export const FAST_PORT_CHECKS_MS = 5_000;
/** Longest wait for one check's answer. */
const CHECK_TIMEOUT_MS = 2_000;

export interface PortWaitOptions {
  ports: readonly number[];
  /** How one check is sent. */
  status: StatusProbe;
  budgetMs: number;
  /** False once the container has exited. */
  isRunning(): boolean;
  /** Who is waited for, for messages. */
  subject: string;
  /** First pause between checks (backs off from here). */
  firstIntervalMs?: number;
}

export interface PortWaitResult {
  /** Checks per port, in `ports` order. */
  attempts: number[];
}

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Resolves once every port answers; rejects when the container exits or the budget runs out. */
export async function waitForPorts(options: PortWaitOptions): Promise<PortWaitResult> {
  const begun = Date.now();
  const deadline = begun + options.budgetMs;
  const first = options.firstIntervalMs ?? FIRST_PORT_CHECK_MS;
  let failed = false;
  const one = async (port: number): Promise<number> => {
    let attempts = 0;
    let interval = first;
    let last = "no check completed";
    for (;;) {
      if (failed) return attempts;
      if (!options.isRunning()) {
        throw new ObjectError(
          "start-failed",
          `moorage: ${options.subject} exited before port ${port} opened; check the container's logs, its ` +
            `entrypoint, and that it listens on 0.0.0.0:${port}`,
        );
      }
      attempts++;
      try {
        await options.status(port, "/", CHECK_TIMEOUT_MS);
        return attempts;
      } catch (error) {
        last = messageOf(error);
      }
      if (Date.now() + interval > deadline) {
        throw new ObjectError(
          "start-failed",
          `moorage: ${options.subject} did not open port ${port} within ${options.budgetMs} ms (last: ${last}); ` +
            `check that the app listens on 0.0.0.0:${port} and that port is in requiredPorts`,
        );
      }
      await pause(interval);
      if (Date.now() - begun >= FAST_PORT_CHECKS_MS) interval = Math.min(MAX_PORT_CHECK_MS, Math.ceil(interval * 1.5));
    }
  };
  try {
    return { attempts: await Promise.all(options.ports.map(one)) };
  } catch (error) {
    failed = true;
    throw error;
  }
}
