/**
 * Plans the `containers[]` entries: one per declared container, matched by `class_name`.
 *
 * Only the keys in `OWNED_CONTAINER_KEYS` are reconciled, one edit per key that differs, so a user's own keys
 * in that entry (`ssh`, `observability`, comments; `constraints` and `rollout_*` while the declaration sets no
 * placement or rollout) and entries for classes Moorage does not declare are never touched.
 */
import { MoorageConfigError } from "./errors.js";
import { arrayField, emptyPlan, type Plan, type PlanInput } from "./plan.js";
import {
  desiredContainerFields,
  isRecord,
  KEEP,
  OWNED_CONTAINER_KEYS,
  SCHEDULING_POLICY_FROM_DECLARATION,
  sameFieldValue,
} from "./wrangler-fields.js";

/** Resolves the sentinels of `desiredContainerFields` against what the entry has: `KEEP` keeps it. */
function resolveWant(want: unknown, have: unknown): unknown {
  if (want === KEEP) return have;
  if (want === SCHEDULING_POLICY_FROM_DECLARATION) return have === "durable_object" ? undefined : have;
  return want;
}

export function planContainers(input: PlanInput): Plan {
  const { file, root, where: w } = input;
  const plan = emptyPlan();
  const existing = arrayField(file, root, "containers", `${w}containers`);
  const newEntries: Record<string, unknown>[] = [];

  for (const c of input.containers) {
    const cls = c.names.className;
    const desired = desiredContainerFields(c, input.paths);
    const indices = existing.flatMap((entry, i) => (isRecord(entry) && entry.class_name === cls ? [i] : []));
    if (indices.length > 1) {
      throw new MoorageConfigError(
        file,
        `${file}: ${w}containers[${indices.join(`], ${w}containers[`)}] all have "class_name": "${cls}"; wrangler allows one container per Durable Object class. Delete all but one, then run moorage sync again`,
        `${w}containers`,
      );
    }
    const index = indices[0];
    if (index === undefined) {
      const entry: Record<string, unknown> = { class_name: cls };
      for (const key of OWNED_CONTAINER_KEYS) {
        const want = resolveWant(desired[key], undefined);
        if (want !== undefined) entry[key] = want;
      }
      newEntries.push(entry);
      const what =
        desired.image !== undefined
          ? `image ${String(desired.image)}`
          : `scheduling_policy durable_object, images ${Object.keys(desired.images as object).join(", ")}`;
      plan.actions.push(`containers: added the entry for ${cls} (${what})`);
      continue;
    }
    const entry = existing[index] as Record<string, unknown>;
    for (const key of OWNED_CONTAINER_KEYS) {
      const have = entry[key];
      const want = resolveWant(desired[key], have);
      if (want === undefined) {
        if (have === undefined) continue;
        plan.ops.push({ path: ["containers", index, key], value: undefined });
        plan.actions.push(`containers[${cls}]: removed ${key} (the declaration of ${c.exportName} no longer sets it)`);
      } else if (have === undefined || !sameFieldValue(key, have, want, input.paths.configDir)) {
        plan.ops.push({ path: ["containers", index, key], value: want });
        plan.actions.push(`containers[${cls}]: set ${key} to ${JSON.stringify(want)}`);
      }
    }
  }

  if (newEntries.length > 0) {
    if (root.containers === undefined) plan.ops.push({ path: ["containers"], value: newEntries });
    else for (const entry of newEntries) plan.ops.push({ path: ["containers"], value: entry, append: true });
  }
  return plan;
}
