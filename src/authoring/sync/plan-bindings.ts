/**
 * Plans the `durable_objects.bindings` entries: `{ name: CONTAINER_X, class_name: XContainer }` per container.
 *
 * The runtime client looks containers up by exactly that binding name, so a binding of that name pointing
 * anywhere else is an error the user must resolve, never something to overwrite. Other bindings (including
 * extra bindings to a Moorage class under another name) are left alone.
 */
import { MoorageConfigError } from "./errors.js";
import { arrayField, emptyPlan, objectField, type Plan, type PlanInput } from "./plan.js";
import { isRecord } from "./wrangler-fields.js";

export function planBindings(input: PlanInput): Plan {
  const { file, root, where: w } = input;
  const plan = emptyPlan();
  const durableObjects = objectField(file, root, "durable_objects", `${w}durable_objects`);
  const bindings = durableObjects ? arrayField(file, durableObjects, "bindings", `${w}durable_objects.bindings`) : [];
  const missing: Array<{ name: string; class_name: string }> = [];

  for (const c of input.containers) {
    const { binding, className: cls } = c.names;
    const index = bindings.findIndex((b) => isRecord(b) && b.name === binding);
    const found = bindings[index];
    if (isRecord(found)) {
      if (found.class_name !== cls || found.script_name !== undefined) {
        const target =
          found.script_name !== undefined
            ? `class "${String(found.class_name)}" of the Worker "${String(found.script_name)}"`
            : `class "${String(found.class_name)}"`;
        throw new MoorageConfigError(
          file,
          `${file}: ${w}durable_objects.bindings[${index}] binds "${binding}" to ${target}, but Moorage needs "${binding}" for ${cls} (the container "${c.exportName}"). Rename that binding (and its uses in your code), or rename the export "${c.exportName}" in your container declarations, then run moorage sync again`,
          `${w}durable_objects.bindings[${index}].name`,
        );
      }
      continue;
    }
    missing.push({ name: binding, class_name: cls });
    plan.actions.push(`durable_objects.bindings: added ${binding} -> ${cls}`);
  }

  if (missing.length === 0) return plan;
  if (durableObjects === undefined) plan.ops.push({ path: ["durable_objects"], value: { bindings: missing } });
  else if (durableObjects.bindings === undefined)
    plan.ops.push({ path: ["durable_objects", "bindings"], value: missing });
  else for (const b of missing) plan.ops.push({ path: ["durable_objects", "bindings"], value: b, append: true });
  return plan;
}
