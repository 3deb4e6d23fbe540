/**
 * Wrangler environments (`env.<name>` blocks): the same container entries, bindings and (where the environment
 * keeps its own) migrations as the top level, so `wrangler deploy --env staging` deploys staging with its
 * containers.
 *
 * Facts from wrangler 4.164's config normalizer (`normalizeAndValidateEnvironment`): `containers` and
 * `durable_objects` are not inheritable (an environment without them has none, and wrangler warns);
 * `migrations` and `exports` are inheritable (an environment without its own uses the top level's, so nothing is
 * written there; one with its own list is its own history and gets its own new-class migration); an
 * environment's Worker name is its own `name`, else `<top-level name>-<env>`, and wrangler's default container
 * name in an environment carries the environment too. So each environment's container `name` is derived from
 * that environment's Worker name (`acme-staging-transcoder`): staging never reuses production's container
 * application.
 *
 * This module only scopes the existing planners to an environment block (their edit paths get the
 * `["env", name]` prefix, their messages the `env.<name>.` prefix); what an entry contains stays theirs.
 */
import { MoorageConfigError } from "./errors.js";
import { emptyPlan, objectField, type Plan, type PlanInput } from "./plan.js";
import { planBindings } from "./plan-bindings.js";
import { planContainers } from "./plan-containers.js";
import { planLifecycle } from "./plan-lifecycle.js";
import { isRecord, type SyncContainer, toSyncContainers } from "./wrangler-fields.js";

/** Which environments to reconcile: every `env.<name>` block, or only the named ones. */
export type EnvSelection = readonly string[] | undefined;

/** The planners applied to each selected environment block, plus warnings about the ones left alone. */
export function planEnvs(input: PlanInput, selection: EnvSelection): Plan {
  const plan = emptyPlan();
  const envs = objectField(input.file, input.root, "env", "env") ?? {};
  const names = Object.keys(envs);
  for (const wanted of selection ?? []) {
    if (!names.includes(wanted)) {
      plan.warnings.push(
        `${input.file}: there is no env.${wanted} block (${names.length === 0 ? "the file defines no environments" : `environments: ${names.join(", ")}`}); wrangler --env ${wanted} then deploys the top-level containers under their top-level names. Add "env": { "${wanted}": {} } and run moorage sync again to give ${wanted} its own`,
      );
    }
  }
  for (const name of names) {
    const env = envs[name];
    if (!isRecord(env)) {
      throw new MoorageConfigError(
        input.file,
        `${input.file}: "env.${name}" must be an object ({...}); fix it by hand, then run moorage sync again`,
        `env.${name}`,
      );
    }
    if (selection !== undefined && !selection.includes(name)) {
      plan.warnings.push(...missingWarning(input, name, env));
      continue;
    }
    const scoped = planScope(envInput(input, name, env), env);
    plan.ops.push(...scoped.ops.map((op) => ({ ...op, path: ["env", name, ...op.path] })));
    plan.actions.push(...scoped.actions.map((a) => `env.${name}.${a}`));
    plan.warnings.push(...scoped.warnings);
  }
  return plan;
}

/** wrangler's rule: the environment's own `name`, else `<top-level name>-<env>`. */
export function envWorkerName(root: Record<string, unknown>, envName: string): string | undefined {
  const env = isRecord(root.env) ? root.env[envName] : undefined;
  if (isRecord(env) && typeof env.name === "string") return env.name;
  return typeof root.name === "string" ? `${root.name}-${envName}` : undefined;
}

function envInput(input: PlanInput, name: string, env: Record<string, unknown>): PlanInput {
  const workerName = envWorkerName(input.root, name);
  const declared = input.containers.map(({ exportName, definition }) => ({ exportName, definition }));
  const containers: SyncContainer[] = toSyncContainers(declared, workerName);
  return { ...input, root: env, containers, where: `env.${name}.`, workerName };
}

function planScope(input: PlanInput, env: Record<string, unknown>): Plan {
  const plans = [planContainers(input), planBindings(input)];
  // Inherited lifecycle: the top-level migrations (or exports) already cover this environment.
  const ownsLifecycle =
    env.migrations !== undefined ||
    (isRecord(env.exports) && Object.values(env.exports).some((e) => isRecord(e) && e.type === "durable-object"));
  if (ownsLifecycle) plans.push(planLifecycle(input));
  return {
    ops: plans.flatMap((p) => p.ops),
    actions: plans.flatMap((p) => p.actions),
    warnings: plans.flatMap((p) => p.warnings),
  };
}

/** For an environment the caller chose not to sync: say what it lacks, so it is a decision, not an accident. */
function missingWarning(input: PlanInput, envName: string, env: Record<string, unknown>): string[] {
  if (input.containers.length === 0) return [];
  const containers = Array.isArray(env.containers) ? env.containers.filter(isRecord) : [];
  const durableObjects = isRecord(env.durable_objects) ? env.durable_objects : {};
  const bindings = Array.isArray(durableObjects.bindings) ? durableObjects.bindings.filter(isRecord) : [];
  const lacking = input.containers.filter(
    (c) =>
      !containers.some((e) => e.class_name === c.names.className) ||
      !bindings.some((b) => b.name === c.names.binding && b.class_name === c.names.className),
  );
  if (lacking.length === 0) return [];
  return [
    `${input.file}: env.${envName} was not synced (not named with --env) and lacks the containers or bindings of ${lacking.map((c) => c.names.className).join(", ")}; wrangler does not inherit them from the top level. Run moorage sync (every environment) or moorage sync --env ${envName}`,
  ];
}
