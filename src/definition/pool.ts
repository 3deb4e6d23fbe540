/**
 * Pool sizing and concurrency limits of a declaration: `instances: { min, max, scaleWindow }` and
 * `concurrency: { target, limit }`, validated and normalized.
 *
 * Split out of `define.ts` so the pool rules (and their directed messages) live next to their defaults and the
 * names the rest of Moorage reads (`ContainerDefinition.instances` / `.concurrency`). Pure: no runtime imports.
 * The model follows Knative and Fly: `target` is the in-flight requests per instance the autoscaler aims for,
 * `limit` the hard cap an instance's Durable Object enforces (over it a request is refused with `busy` before the
 * app sees it), `min` instances are kept warm, the pool never grows past `max`.
 */
import { durationHint, parseDuration } from "./duration.js";
import { DEFAULT_POOL_SIZE, POOL_INSTANCE_PREFIX } from "./naming.js";

/**
 * The Durable Object name of a pool's coordinator: an instance of the container's own class (so it needs no class,
 * binding or migration of its own) under the pool's reserved prefix, which no pool index can take.
 */
export const POOL_COORDINATOR_INSTANCE = `${POOL_INSTANCE_PREFIX}coordinator`;

/** What a user writes under `instances`. */
export interface InstancesConfig {
  /** Pool instances kept running even without traffic (started ahead of the first request). Default 0. */
  min?: number;
  /** Upper bound of the pool; `pool()`/`any()` never address more instances. Default `maxInstances` (or 3). */
  max?: number;
  /** Stable window the autoscaler averages load over; the panic window is a tenth of it. Default `"60s"`. */
  scaleWindow?: `${number}${"s" | "m" | "h"}` | number;
}

/** What a user writes under `concurrency`. */
export interface ConcurrencyConfig {
  /** In-flight requests per instance the autoscaler aims for. Default 70% of `limit`, or 100 without one. */
  target?: number;
  /** Hard cap of in-flight requests per instance; more are refused with `busy` and moved. No cap by default. */
  limit?: number;
}

/** `instances` with defaults applied. */
export interface ResolvedInstances {
  min: number;
  max: number;
  scaleWindowSeconds: number;
}

/** `concurrency` with defaults applied; `limit` absent means no hard cap. */
export interface ResolvedConcurrency {
  target: number;
  limit?: number;
}

export const POOL_DEFAULTS = {
  min: 0,
  scaleWindowSeconds: 60,
  /** Knative's default per-instance concurrency target when no limit is set. */
  target: 100,
  /** Share of `limit` the default target aims for (Knative's target utilization). */
  targetUtilization: 0.7,
  /** The panic window is this share of the stable window (Knative's panic-window-percentage). */
  panicShare: 0.1,
} as const;

type Fail = (message: string) => never;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function onlyKeys(fail: Fail, field: string, value: Record<string, unknown>, allowed: readonly string[]): void {
  const unknown = Object.keys(value).filter((k) => !allowed.includes(k));
  if (unknown.length > 0) fail(`"${field}" has unknown key(s) ${unknown.join(", ")}; allowed: ${allowed.join(", ")}`);
}

function wholeNumber(fail: Fail, field: string, value: unknown, least: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < least) {
    const what = least === 0 ? "a whole number >= 0" : `a whole number >= ${least}`;
    fail(`"${field}" must be ${what} (got ${JSON.stringify(value)})`);
  }
  return value;
}

/**
 * Normalizes `instances`. `maxInstances` is the declaration's own (wrangler's cap on running instances): the pool
 * may not be larger. Returns undefined when `instances` was not declared.
 */
export function resolveInstances(
  fail: Fail,
  value: unknown,
  maxInstances: number | undefined,
): ResolvedInstances | undefined {
  if (value === undefined) return undefined;
  if (!isPlainObject(value)) {
    fail(`"instances" must be an object like { min: 1, max: 4 } (got ${JSON.stringify(value)})`);
  }
  onlyKeys(fail, "instances", value, ["min", "max", "scaleWindow"]);
  const min = value.min === undefined ? POOL_DEFAULTS.min : wholeNumber(fail, "instances.min", value.min, 0);
  const max =
    value.max === undefined
      ? (maxInstances ?? Math.max(DEFAULT_POOL_SIZE, min))
      : wholeNumber(fail, "instances.max", value.max, 1);
  if (min > max) {
    fail(`"instances.min" (${min}) is larger than "instances.max" (${max}); lower min or raise max`);
  }
  if (maxInstances !== undefined && max > maxInstances) {
    fail(
      `"instances.max" (${max}) is larger than "maxInstances" (${maxInstances}); the platform never runs more than maxInstances, so raise maxInstances or lower instances.max`,
    );
  }
  let scaleWindowSeconds: number = POOL_DEFAULTS.scaleWindowSeconds;
  if (value.scaleWindow !== undefined) {
    const seconds = parseDuration(value.scaleWindow);
    if (seconds === undefined) fail(durationHint("instances.scaleWindow", value.scaleWindow));
    if (seconds < 1)
      fail(`"instances.scaleWindow" must be at least 1 second (got ${JSON.stringify(value.scaleWindow)})`);
    scaleWindowSeconds = seconds;
  }
  return { min, max, scaleWindowSeconds };
}

/** Normalizes `concurrency`. Returns undefined when it was not declared. */
export function resolveConcurrency(fail: Fail, value: unknown): ResolvedConcurrency | undefined {
  if (value === undefined) return undefined;
  if (!isPlainObject(value)) {
    fail(`"concurrency" must be an object like { target: 4, limit: 8 } (got ${JSON.stringify(value)})`);
  }
  onlyKeys(fail, "concurrency", value, ["target", "limit"]);
  const limit = value.limit === undefined ? undefined : wholeNumber(fail, "concurrency.limit", value.limit, 1);
  let target: number;
  if (value.target === undefined) {
    target =
      limit === undefined ? POOL_DEFAULTS.target : Math.max(1, Math.floor(limit * POOL_DEFAULTS.targetUtilization));
  } else {
    const t = value.target;
    if (typeof t !== "number" || !Number.isFinite(t) || t <= 0) {
      fail(
        `"concurrency.target" must be a positive number of in-flight requests per instance (got ${JSON.stringify(t)})`,
      );
    }
    target = t;
  }
  if (limit !== undefined && target > limit) {
    fail(
      `"concurrency.target" (${target}) is above "concurrency.limit" (${limit}); the autoscaler must aim below the hard cap, so lower target or raise limit`,
    );
  }
  return limit === undefined ? { target } : { target, limit };
}

/** The panic window of a stable window, in seconds (a tenth of it, at least 1 s). */
export function panicWindowSeconds(scaleWindowSeconds: number): number {
  return Math.max(1, scaleWindowSeconds * POOL_DEFAULTS.panicShare);
}
