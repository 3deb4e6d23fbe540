/**
 * Warns about wrangler environments (`env.<name>`) that will not have the containers.
 *
 * Wrangler does not inherit `containers` or `durable_objects` into an environment block, so a project with
 * `env.staging` that only has the top-level entries deploys staging without its containers. Moorage manages
 * the top level only (an environment's Worker name, and so its container names, are the user's call) and says
 * exactly what is missing where.
 */
import type { PlanInput } from "./plan.js";
import { isRecord } from "./wrangler-fields.js";

export function envWarnings(input: PlanInput): string[] {
  const envs = input.root.env;
  if (!isRecord(envs) || input.containers.length === 0) return [];
  const warnings: string[] = [];
  for (const [envName, env] of Object.entries(envs)) {
    if (!isRecord(env)) continue;
    const containers = Array.isArray(env.containers) ? env.containers.filter(isRecord) : [];
    const durableObjects = isRecord(env.durable_objects) ? env.durable_objects : {};
    const bindings = Array.isArray(durableObjects.bindings) ? durableObjects.bindings.filter(isRecord) : [];
    const missing = input.containers.flatMap((c) => {
      const lacks: string[] = [];
      if (!containers.some((e) => e.class_name === c.names.className))
        lacks.push(`a "containers" entry for ${c.names.className}`);
      if (!bindings.some((b) => b.name === c.names.binding && b.class_name === c.names.className)) {
        lacks.push(`the binding ${c.names.binding} -> ${c.names.className}`);
      }
      return lacks;
    });
    if (missing.length > 0) {
      warnings.push(
        `${input.file}: env.${envName} does not inherit "containers" or "durable_objects" from the top level, and it lacks ${missing.join(", ")}; copy those entries from the top level into env.${envName} if that environment should run the containers`,
      );
    }
  }
  return warnings;
}
