/**
 * Scheduling, placement and rollout fields of a declaration: `schedulingPolicy`, the named `images` map and
 * `defaultImage`, `persist`, `regions`, `jurisdiction` and `rollout`.
 *
 * Why a module of its own: these fields follow the platform's two scheduling policies, which accept disjoint
 * sets of wrangler keys, so their rules belong together. Facts from wrangler 4.164 (`config-schema.json` and the
 * validator in `wrangler-dist/cli.js`): under `scheduling_policy: "durable_object"` a `containers[]` entry may
 * only carry `name`, `class_name`, `scheduling_policy`, `images`, `observability`, `ssh`, `authorized_keys`
 * and `unsafe` (the Durable Object picks image and size at each `start()`, and such instances skip
 * application-wide rollouts); `images` values are `{ dockerfile, build_context?, build_vars? }` or
 * `{ image }` with a digest-pinned reference in the managed registry; `constraints` takes `regions` (the
 * enum below) and `jurisdiction` (`eu`, `fedramp`, `us`); `rollout_step_percentage` is one of
 * 5/10/20/25/50/100 or an ascending list of cumulative steps from 10 to 100 ending at 100;
 * `rollout_active_grace_period` is seconds, at least 0.
 * Boundary: validation and normalization only (no Node, no runtime); `define.ts` calls `resolveScheduling`.
 */
import { type DurationInput, durationHint, parseDuration } from "./duration.js";
import type { ImageSource } from "./types.js";

export const SCHEDULING_POLICIES = ["default", "durable_object"] as const;
export type SchedulingPolicy = (typeof SCHEDULING_POLICIES)[number];

export const REGIONS = ["ENAM", "WNAM", "EEUR", "WEUR", "APAC", "SAM", "ME", "OC", "AFR"] as const;
export type Region = (typeof REGIONS)[number];

export const JURISDICTIONS = ["eu", "fedramp", "us"] as const;
export type Jurisdiction = (typeof JURISDICTIONS)[number];

/** Single-number rollout steps wrangler accepts. */
export const ROLLOUT_SINGLE_STEPS = [5, 10, 20, 25, 50, 100] as const;

/**
 * The named sizes the platform's `start({ instance })` takes (workerd's `VALID_CONTAINER_INSTANCE_TYPES`): the
 * `durable_object` policy passes the size at each start, and `basic` is not among them.
 */
export const START_INSTANCE_TYPES = ["lite", "standard-1", "standard-2", "standard-3", "standard-4"] as const;

/** The image name a plain `image` gets under the `durable_object` policy. */
export const DEFAULT_IMAGE_NAME = "default";

/** Rollout settings as a user declares them. */
export interface RolloutConfig {
  /** Percentage of instances per step (5, 10, 20, 25, 50, 100), or cumulative steps ending at 100 (`[10, 50, 100]`). */
  stepPercentage?: number | readonly number[];
  /** How long an active instance may keep running before a rollout stops it (`"5m"`, or seconds). */
  activeGracePeriod?: DurationInput | 0;
}

/** Rollout settings, normalized. */
export interface ResolvedRollout {
  stepPercentage?: number | number[];
  activeGracePeriodSeconds?: number;
}

/** The fields this module reads from a declaration. */
export interface SchedulingConfig {
  /**
   * `"durable_object"`: the Durable Object picks the image (from `images`) and the size at each start, and may use
   * snapshots (`persist`). A new class is needed to switch an existing container to it. Default: the platform's.
   */
  schedulingPolicy?: SchedulingPolicy;
  /** Named images (`durable_object` only): a Dockerfile folder/path, or `{ registry }` pinned by `@sha256:` digest. */
  images?: Record<string, string | { registry: string }>;
  /** Which of `images` a bare `start()` runs. Default: the first one. */
  defaultImage?: string;
  /** Directories snapshotted when the container stops and restored at its next start (`durable_object` only). */
  persist?: readonly string[];
  /** Regions the container may be placed in (wrangler `constraints.regions`). */
  regions?: readonly Region[];
  /** Compliance boundary (wrangler `constraints.jurisdiction`). */
  jurisdiction?: Jurisdiction;
  /** Rollout settings (wrangler `rollout_step_percentage`, `rollout_active_grace_period`). */
  rollout?: RolloutConfig;
}

/** What `resolveScheduling` adds to a definition; every field absent when not declared. */
export interface SchedulingDefinition {
  schedulingPolicy?: "durable_object";
  images?: Record<string, ImageSource>;
  defaultImage?: string;
  persist?: string[];
  regions?: Region[];
  jurisdiction?: Jurisdiction;
  rollout?: ResolvedRollout;
}

export const SCHEDULING_KEYS = [
  "schedulingPolicy",
  "images",
  "defaultImage",
  "persist",
  "regions",
  "jurisdiction",
  "rollout",
] as const;

type Fail = (message: string) => never;

const IMAGE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
const DIGEST_PINNED = /@sha256:[a-f0-9]{64}$/;

const list = (values: readonly string[]) => values.map((v) => JSON.stringify(v)).join(", ");

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** An absolute, normalized directory path other than `/` (what `snapshotDirectory` and a restore accept). */
function checkPersistDir(fail: Fail, dir: unknown, i: number): string {
  const at = `persist[${i}]`;
  if (typeof dir !== "string" || !dir.startsWith("/")) {
    fail(`"${at}" must be an absolute directory path like "/data" (got ${JSON.stringify(dir)})`);
  }
  const trimmed = dir.length > 1 ? dir.replace(/\/+$/, "") : dir;
  const parts = trimmed.split("/").slice(1);
  if (trimmed === "/" || parts.some((p) => p === "" || p === "." || p === "..") || dir.includes("\0")) {
    fail(`"${at}" ${JSON.stringify(dir)} must name a directory below "/" without ".", ".." or "//" (e.g. "/data")`);
  }
  return trimmed;
}

function checkRollout(fail: Fail, raw: unknown, maxInstances: number | undefined): ResolvedRollout {
  if (!isPlainObject(raw)) {
    fail(
      `"rollout" must be an object like { stepPercentage: 25, activeGracePeriod: "5m" } (got ${JSON.stringify(raw)})`,
    );
  }
  const unknown = Object.keys(raw).filter((k) => k !== "stepPercentage" && k !== "activeGracePeriod");
  if (unknown.length > 0) {
    fail(`"rollout" has unknown key(s) ${unknown.join(", ")}; allowed: stepPercentage, activeGracePeriod`);
  }
  const out: ResolvedRollout = {};
  const step = raw.stepPercentage;
  if (step !== undefined) {
    if (typeof step === "number") {
      if (!(ROLLOUT_SINGLE_STEPS as readonly number[]).includes(step)) {
        fail(
          `"rollout.stepPercentage" must be one of ${ROLLOUT_SINGLE_STEPS.join(", ")}, or a list like [10, 50, 100] (got ${step})`,
        );
      }
      out.stepPercentage = step;
    } else if (Array.isArray(step) && step.length > 0) {
      step.forEach((s, i) => {
        if (typeof s !== "number" || !Number.isFinite(s) || s < 10 || s > 100) {
          fail(`"rollout.stepPercentage[${i}]" must be a percentage from 10 to 100 (got ${JSON.stringify(s)})`);
        }
        if (i > 0 && s < (step[i - 1] as number)) {
          fail(`"rollout.stepPercentage" steps are cumulative and must ascend (got ${JSON.stringify(step)})`);
        }
      });
      if (step.at(-1) !== 100) {
        fail(`"rollout.stepPercentage" must end at 100, the whole fleet (got ${JSON.stringify(step)}); append 100`);
      }
      if (maxInstances !== undefined && step.length > maxInstances) {
        fail(
          `"rollout.stepPercentage" has ${step.length} steps but "maxInstances" is ${maxInstances}; use at most ${maxInstances} steps`,
        );
      }
      out.stepPercentage = [...step] as number[];
    } else {
      fail(`"rollout.stepPercentage" must be a number or a non-empty list of numbers (got ${JSON.stringify(step)})`);
    }
  }
  if (raw.activeGracePeriod !== undefined) {
    const seconds = raw.activeGracePeriod === 0 ? 0 : parseDuration(raw.activeGracePeriod);
    if (seconds === undefined) fail(durationHint("rollout.activeGracePeriod", raw.activeGracePeriod));
    out.activeGracePeriodSeconds = seconds;
  }
  return out;
}

/**
 * Validates the scheduling fields of `config` and returns them normalized, plus the image a bare `start()` runs
 * (the `image` field, or `images[defaultImage]`). `resolveImage` is define.ts's own image parser, so a named image
 * reads exactly like `image` does.
 */
export function resolveScheduling(
  fail: Fail,
  config: SchedulingConfig & { image?: unknown; instanceType?: unknown; maxInstances?: unknown },
  resolveImage: (field: string, value: unknown) => ImageSource,
  maxInstances: number | undefined,
): { scheduling: SchedulingDefinition; image: ImageSource } {
  const out: SchedulingDefinition = {};
  const policy = config.schedulingPolicy;
  if (policy !== undefined && !(SCHEDULING_POLICIES as readonly string[]).includes(policy)) {
    fail(`"schedulingPolicy" must be ${list(SCHEDULING_POLICIES)} (got ${JSON.stringify(policy)})`);
  }
  const durable = policy === "durable_object";
  const needsDurable = (field: string, what: string): void => {
    if (!durable) fail(`"${field}" needs schedulingPolicy: "durable_object" (${what}); add it to the declaration`);
  };

  let image: ImageSource | undefined;
  if (config.images !== undefined) {
    needsDurable("images", "named images are chosen by the Durable Object at each start");
    if (config.image !== undefined) {
      fail(
        `set either "image" or "images", not both; move the plain image into "images" (e.g. images: { ${DEFAULT_IMAGE_NAME}: ... })`,
      );
    }
    if (!isPlainObject(config.images) || Object.keys(config.images).length === 0) {
      fail(`"images" must be a non-empty object like { base: "./containers/app", gpu: { registry: "..." } }`);
    }
    const entries = Object.entries(config.images);
    if (entries.length > 100) fail(`"images" may name at most 100 images (got ${entries.length})`);
    const images: Record<string, ImageSource> = {};
    for (const [name, value] of entries) {
      if (!IMAGE_NAME.test(name)) {
        fail(
          `"images" key ${JSON.stringify(name)} must be 1-128 letters, digits, "_", "." or "-", starting with a letter or digit`,
        );
      }
      images[name] = resolveImage(`images.${name}`, value);
    }
    out.images = images;
    const chosen = config.defaultImage ?? entries[0]?.[0];
    if (typeof chosen !== "string" || images[chosen] === undefined) {
      fail(
        `"defaultImage" must be one of the "images" names (${list(Object.keys(images))}); got ${JSON.stringify(config.defaultImage)}`,
      );
    }
    out.defaultImage = chosen;
    image = images[chosen];
  } else {
    if (config.defaultImage !== undefined) fail(`"defaultImage" names one of "images"; declare "images" or remove it`);
    if (config.image === undefined) {
      fail(`"image" is required: a directory with a Dockerfile, a Dockerfile path, or { registry }`);
    }
    image = resolveImage("image", config.image);
    if (durable) {
      out.images = { [DEFAULT_IMAGE_NAME]: image };
      out.defaultImage = DEFAULT_IMAGE_NAME;
    }
  }
  if (durable) {
    out.schedulingPolicy = "durable_object";
    if (
      typeof config.instanceType === "string" &&
      !(START_INSTANCE_TYPES as readonly string[]).includes(config.instanceType)
    ) {
      fail(
        `"instanceType" ${JSON.stringify(config.instanceType)} cannot be used with schedulingPolicy "durable_object": the size is passed at each start, which takes ${list(START_INSTANCE_TYPES)} or { vcpu, memoryMib, diskMb }`,
      );
    }
    for (const [name, source] of Object.entries(out.images ?? {})) {
      if (source.kind === "registry" && !DIGEST_PINNED.test(source.reference)) {
        const field = config.images ? `images.${name}` : "image";
        fail(
          `"${field}" under schedulingPolicy "durable_object" must be a Dockerfile or a digest-pinned reference in the managed registry ("registry.cloudflare.com/<account-id>/<repo>@sha256:<64 hex>"); got ${JSON.stringify(source.reference)}`,
        );
      }
    }
  }

  if (config.persist !== undefined) {
    needsDurable("persist", "directory snapshots need it");
    if (!Array.isArray(config.persist) || config.persist.length === 0) {
      fail(`"persist" must be a non-empty list of directories like ["/data"] (got ${JSON.stringify(config.persist)})`);
    }
    const dirs = config.persist.map((d, i) => checkPersistDir(fail, d, i));
    dirs.forEach((d, i) => {
      const other = dirs.findIndex((o, j) => j !== i && (o === d || d.startsWith(`${o}/`)));
      if (other >= 0)
        fail(
          `"persist[${i}]" ${JSON.stringify(d)} is already covered by "persist[${other}]" ${JSON.stringify(dirs[other])}; list it once`,
        );
    });
    out.persist = dirs;
  }

  const notUnderDurable = (field: string) => {
    if (durable) {
      fail(
        `"${field}" cannot be used with schedulingPolicy "durable_object": the platform places and rolls out those instances per Durable Object; remove "${field}" or the policy`,
      );
    }
  };
  if (config.regions !== undefined) {
    notUnderDurable("regions");
    if (!Array.isArray(config.regions) || config.regions.length === 0) {
      fail(`"regions" must be a non-empty list of ${list(REGIONS)} (got ${JSON.stringify(config.regions)})`);
    }
    config.regions.forEach((r, i) => {
      if (!(REGIONS as readonly string[]).includes(r)) {
        const upper = typeof r === "string" && (REGIONS as readonly string[]).includes(r.toUpperCase());
        fail(
          `"regions[${i}]" must be one of ${list(REGIONS)} (got ${JSON.stringify(r)}${upper ? `; write ${JSON.stringify((r as string).toUpperCase())}` : ""})`,
        );
      }
    });
    if (new Set(config.regions).size !== config.regions.length) fail(`"regions" lists a region twice; list each once`);
    out.regions = [...config.regions];
  }
  if (config.jurisdiction !== undefined) {
    notUnderDurable("jurisdiction");
    if (!(JURISDICTIONS as readonly string[]).includes(config.jurisdiction)) {
      fail(`"jurisdiction" must be one of ${list(JURISDICTIONS)} (got ${JSON.stringify(config.jurisdiction)})`);
    }
    out.jurisdiction = config.jurisdiction;
  }
  if (config.rollout !== undefined) {
    notUnderDurable("rollout");
    out.rollout = checkRollout(fail, config.rollout, maxInstances);
  }
  return { scheduling: out, image };
}
