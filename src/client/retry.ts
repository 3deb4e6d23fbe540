/**
 * Retry policy arithmetic: option defaults and validation, the backoff schedule, and the default clock and
 * randomness. Pure and small so the schedule can be tested (and read) on its own; the send loop in `send.ts` only
 * asks "how long before attempt n?".
 */
import { MoorageContainerError } from "./errors.js";
import type { Clock, RetryOptions } from "./types.js";

export const DEFAULT_ATTEMPTS = 3;
export const DEFAULT_BACKOFF_MS = 500;
export const DEFAULT_MAX_BACKOFF_MS = 5000;

/** Retry options with every default applied. */
export interface RetryPolicy {
  attempts: number;
  backoffMs: number;
  maxBackoffMs: number;
  jitter: boolean;
  /**
   * The caller's word on idempotency: `true` allows a re-send after a failure that may have reached the app,
   * `false` forbids it even for GET; `undefined` decides by method and `Idempotency-Key` (`isIdempotent`).
   */
  idempotent: boolean | undefined;
}

/** Merges per-call options over context defaults over library defaults, rejecting nonsense with a directed error. */
export function resolvePolicy(
  container: string,
  jitter: boolean,
  ...layers: (RetryOptions | undefined)[]
): RetryPolicy {
  const pick = <K extends keyof RetryOptions>(key: K): RetryOptions[K] =>
    layers.reduce<RetryOptions[K]>((found, layer) => layer?.[key] ?? found, undefined);
  const policy: RetryPolicy = {
    attempts: pick("attempts") ?? DEFAULT_ATTEMPTS,
    backoffMs: pick("backoffMs") ?? DEFAULT_BACKOFF_MS,
    maxBackoffMs: pick("maxBackoffMs") ?? DEFAULT_MAX_BACKOFF_MS,
    jitter,
    idempotent: pick("idempotent"),
  };
  if (policy.idempotent !== undefined && typeof policy.idempotent !== "boolean") {
    throw new MoorageContainerError(
      "invalid-option",
      `moorage: container "${container}": idempotent must be true or false (got ${JSON.stringify(policy.idempotent)})`,
      { container },
    );
  }
  if (!Number.isInteger(policy.attempts) || policy.attempts < 1) {
    throw new MoorageContainerError(
      "invalid-option",
      `moorage: container "${container}": attempts must be a whole number of at least 1 (got ${policy.attempts}); use 1 to disable retries`,
      { container },
    );
  }
  for (const key of ["backoffMs", "maxBackoffMs"] as const) {
    if (!(policy[key] >= 0) || !Number.isFinite(policy[key])) {
      throw new MoorageContainerError(
        "invalid-option",
        `moorage: container "${container}": ${key} must be a finite number of milliseconds >= 0 (got ${policy[key]})`,
        { container },
      );
    }
  }
  return policy;
}

/**
 * Delay before attempt `attempt` (2-based: the first attempt never waits): `backoffMs * 2^(attempt-2)`, capped at
 * `maxBackoffMs`; with jitter, uniform in [delay/2, delay].
 */
export function backoffDelay(policy: RetryPolicy, attempt: number, random: () => number): number {
  if (attempt <= 1) return 0;
  const delay = Math.min(policy.maxBackoffMs, policy.backoffMs * 2 ** (attempt - 2));
  return policy.jitter ? Math.round(delay / 2 + (random() * delay) / 2) : delay;
}

/** `Date.now` and an abortable `setTimeout`. */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const onAbort = () => {
        clearTimeout(timer);
        reject(signal?.reason);
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      }, ms);
      signal?.addEventListener("abort", onAbort, { once: true });
    }),
};

/**
 * A function returning [0, 1): `Math.random` by default, a seeded generator (mulberry32) for a number, so pool
 * routing and jitter are reproducible in tests.
 */
export function randomSource(random: number | (() => number) | undefined): () => number {
  if (typeof random === "function") return random;
  if (random === undefined) return Math.random;
  let state = random >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
