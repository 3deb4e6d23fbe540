/**
 * What one Moorage container looks like in wrangler's config: the `containers[]` fields, the Durable Object
 * binding, and the shape checks the planners share.
 *
 * Facts from wrangler 4.164's `config-schema.json` and its validator (`wrangler-dist/cli.js`), read before
 * writing this:
 * - `containers[]` is a `ContainerApp` with `additionalProperties: false`. Fields Moorage owns: `class_name`
 *   (links the app to a Durable Object class), `name` (application name; wrangler defaults it to
 *   `<worker>-<class_name>` lowercased when absent, Moorage sets it from `imageName`), `image` (a path to a
 *   Dockerfile, never a directory: wrangler rejects directories; or a registry reference whose last segment
 *   has a `:tag`), `image_build_context` (wrangler defaults it to the Dockerfile's directory, relative paths
 *   resolve against the config file's directory), `image_vars` (string map, build time only), `instance_type`
 *   (`lite`/`basic`/`standard-1..4`, legacy `dev`/`standard`, or `{ vcpu, memory_mib, disk_mb }` with no other
 *   keys), `max_instances` (number); `scheduling_policy` and `images` (see src/definition/scheduling.ts for
 *   the `durable_object` rules); `constraints` (`regions`, `jurisdiction`) and `rollout_step_percentage` /
 *   `rollout_active_grace_period`, but only while the declaration sets them (otherwise they are the user's).
 *   Everything else (`ssh`, `observability`, ...) is the user's and never touched.
 * - `durable_objects.bindings[]` items are `{ name, class_name, script_name?, environment? }`.
 * - `durable_objects` and `containers` are not inheritable into `env.<name>` blocks; `migrations` and `exports` are.
 * - Lifecycle is declared either by `migrations[]` (`{ tag, new_classes?, new_sqlite_classes?, renamed_classes?
 *   [{from,to}], transferred_classes? [{from,from_script,to}], deleted_classes? }`) or by the newer `exports` map
 *   (`{ "<Class>": { type: "durable-object", storage: "sqlite" | "legacy-kv", state?, container? } }`); wrangler
 *   rejects a config that uses both for Durable Objects.
 */
import path from "node:path";
import { type ContainerNames, namesFor } from "../../definition/naming.js";
import type { ContainerDefinition } from "../../definition/types.js";

/** A container as sync sees it: declaration plus every derived name (from the one naming module). */
export interface SyncContainer {
  exportName: string;
  definition: ContainerDefinition;
  names: ContainerNames;
}

export function toSyncContainers(
  containers: ReadonlyArray<{ exportName: string; definition: ContainerDefinition }>,
  workerName: string | undefined,
): SyncContainer[] {
  return [...containers]
    .map((c) => ({ ...c, names: namesFor(c.exportName, workerName) }))
    .sort((a, b) => a.names.className.localeCompare(b.names.className));
}

/** The `containers[]` keys Moorage owns, in the order a new entry is written. */
export const OWNED_CONTAINER_KEYS = [
  "name",
  "image",
  "image_build_context",
  "image_vars",
  "instance_type",
  "max_instances",
  "scheduling_policy",
  "images",
  "constraints",
  "rollout_step_percentage",
  "rollout_active_grace_period",
] as const;

/**
 * A desired value meaning "not Moorage's to decide here": the key is left as the user wrote it (or absent).
 * Used for placement and rollout keys a declaration does not set, so hand-written ones survive.
 */
export const KEEP: unique symbol = Symbol("moorage.sync.keep");
export type OwnedContainerKey = (typeof OWNED_CONTAINER_KEYS)[number];

export type WranglerInstanceType = string | { vcpu: number; memory_mib: number; disk_mb: number };

/** Desired values; `undefined` means "must be absent" (wrangler's default is what the declaration means). */
export type DesiredContainerFields = { [K in OwnedContainerKey]: unknown };

export interface PathContext {
  projectRoot: string;
  /** Directory of the wrangler config: wrangler resolves `image` and `image_build_context` against it. */
  configDir: string;
}

/** `./containers/app/Dockerfile` style: posix separators, relative to the config's directory. */
export function configRelative(ctx: PathContext, projectRelative: string): string {
  const rel = path.relative(ctx.configDir, path.resolve(ctx.projectRoot, projectRelative)).split(path.sep).join("/");
  if (rel === "") return ".";
  return rel.startsWith("../") || rel === ".." ? rel : `./${rel}`;
}

export function desiredContainerFields(c: SyncContainer, ctx: PathContext): DesiredContainerFields {
  const def = c.definition;
  if (def.schedulingPolicy === "durable_object") return durableObjectFields(c, ctx);
  const it = def.instanceType;
  const instanceType: WranglerInstanceType =
    typeof it === "string" ? it : { vcpu: it.vcpu, memory_mib: it.memoryMib, disk_mb: it.diskMb };
  const fields: DesiredContainerFields = {
    name: c.names.imageName,
    image: undefined,
    image_build_context: undefined,
    image_vars: undefined,
    instance_type: instanceType,
    // Removed when the declaration sets none: the pool size must match what the platform allows, and a stale
    // hand-kept cap smaller than the pool would make `pool-N` instances fail to start.
    max_instances: def.maxInstances,
    ...placementFields(c),
  };
  if (def.image.kind === "registry") {
    // Build args mean nothing for a pre-built image; defineContainer already warned about them.
    fields.image = def.image.reference;
    return fields;
  }
  fields.image = configRelative(ctx, def.image.dockerfile);
  const dockerDir = path.dirname(path.resolve(ctx.projectRoot, def.image.dockerfile));
  if (path.resolve(ctx.projectRoot, def.image.context) !== dockerDir) {
    fields.image_build_context = configRelative(ctx, def.image.context);
  }
  if (Object.keys(def.buildArgs).length > 0) {
    fields.image_vars = Object.fromEntries(Object.entries(def.buildArgs).sort(([a], [b]) => a.localeCompare(b)));
  }
  return fields;
}

/**
 * `constraints` and `rollout_*` under the default policy: written when declared, otherwise the user's.
 * `scheduling_policy` is removed only when it says "durable_object" (the declaration says otherwise); a
 * hand-written "regional" or "moon" stays.
 */
function placementFields(
  c: SyncContainer,
): Pick<
  DesiredContainerFields,
  "scheduling_policy" | "images" | "constraints" | "rollout_step_percentage" | "rollout_active_grace_period"
> {
  const def = c.definition;
  const constraints: Record<string, unknown> = {};
  if (def.regions) constraints.regions = [...def.regions];
  if (def.jurisdiction) constraints.jurisdiction = def.jurisdiction;
  return {
    scheduling_policy: SCHEDULING_POLICY_FROM_DECLARATION,
    images: undefined,
    constraints: Object.keys(constraints).length > 0 ? constraints : KEEP,
    rollout_step_percentage: def.rollout?.stepPercentage ?? KEEP,
    rollout_active_grace_period: def.rollout?.activeGracePeriodSeconds ?? KEEP,
  };
}

/** Marks `scheduling_policy` under the default policy: absent if it was "durable_object", else kept. */
export const SCHEDULING_POLICY_FROM_DECLARATION: unique symbol = Symbol("moorage.sync.default-policy");

/**
 * The whole entry under `scheduling_policy: "durable_object"`: wrangler accepts only `name`, `class_name`,
 * `scheduling_policy`, `images` (and keys Moorage does not own), so every other owned key must be absent.
 * Image and size are chosen by the Durable Object at each start.
 */
function durableObjectFields(c: SyncContainer, ctx: PathContext): DesiredContainerFields {
  const def = c.definition;
  const images: Record<string, Record<string, unknown>> = {};
  for (const [name, source] of Object.entries(def.images ?? {})) {
    if (source.kind === "registry") {
      images[name] = { image: source.reference };
      continue;
    }
    const entry: Record<string, unknown> = { dockerfile: configRelative(ctx, source.dockerfile) };
    const dockerDir = path.dirname(path.resolve(ctx.projectRoot, source.dockerfile));
    if (path.resolve(ctx.projectRoot, source.context) !== dockerDir) {
      entry.build_context = configRelative(ctx, source.context);
    }
    if (Object.keys(def.buildArgs).length > 0) {
      entry.build_vars = Object.fromEntries(Object.entries(def.buildArgs).sort(([a], [b]) => a.localeCompare(b)));
    }
    images[name] = entry;
  }
  return {
    name: c.names.imageName,
    image: undefined,
    image_build_context: undefined,
    image_vars: undefined,
    instance_type: undefined,
    max_instances: undefined,
    scheduling_policy: "durable_object",
    images,
    constraints: undefined,
    rollout_step_percentage: undefined,
    rollout_active_grace_period: undefined,
  };
}

/** Equality as wrangler would see it: paths compare resolved, maps ignore key order. */
export function sameFieldValue(
  key: OwnedContainerKey,
  existing: unknown,
  desired: unknown,
  configDir: string,
): boolean {
  if (key === "images" && isRecord(existing) && isRecord(desired)) {
    // Each image's dockerfile/build_context compare as resolved paths, like `image`.
    const names = Object.keys(desired);
    return (
      names.length === Object.keys(existing).length &&
      names.every((n) => {
        const have = existing[n];
        const want = desired[n] as Record<string, unknown>;
        if (!isRecord(have)) return false;
        const keys = new Set([...Object.keys(have), ...Object.keys(want)]);
        return [...keys].every((k) =>
          k === "dockerfile" || k === "build_context"
            ? sameFieldValue("image", have[k], want[k], configDir)
            : deepEqual(have[k], want[k]),
        );
      })
    );
  }
  if (
    (key === "image" || key === "image_build_context") &&
    typeof existing === "string" &&
    typeof desired === "string"
  ) {
    if (existing === desired) return true;
    // A registry reference never resolves equal to a local path, so this only equates spellings of one path.
    return desired.startsWith(".") && path.resolve(configDir, existing) === path.resolve(configDir, desired);
  }
  return deepEqual(existing, desired);
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
