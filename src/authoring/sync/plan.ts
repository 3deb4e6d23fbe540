/**
 * The shape every planner shares: given the parsed config and the declarations, say which text edits to make,
 * what they mean to the user (`actions`) and what the user must decide themselves (`warnings`).
 * Planners read the config; they never touch text or disk.
 */
import { MoorageConfigError } from "./errors.js";
import type { EditOp } from "./jsonc-text.js";
import { isRecord, type PathContext, type SyncContainer } from "./wrangler-fields.js";

export interface PlanInput {
  /** Absolute path of the config, used in messages. */
  file: string;
  /**
   * The object the planner reconciles: the config's top level, or one `env.<name>` block (see `plan-envs.ts`).
   * Edit paths are relative to it; `plan-envs.ts` prefixes them.
   */
  root: Record<string, unknown>;
  /** Sorted by class name, so edits and messages are deterministic. */
  containers: SyncContainer[];
  paths: PathContext;
  /** Prefix of every field named in messages: `""` at the top level, `"env.staging."` in an environment. */
  where: string;
  /** The Worker name this scope deploys as (`env.<name>.name`, or wrangler's `<name>-<env>`), for container names. */
  workerName: string | undefined;
}

export interface Plan {
  ops: EditOp[];
  actions: string[];
  warnings: string[];
}

export function emptyPlan(): Plan {
  return { ops: [], actions: [], warnings: [] };
}

/** The array at `root[key]`, `[]` when absent, or a directed error when it is something else. */
export function arrayField(file: string, parent: Record<string, unknown>, key: string, field: string): unknown[] {
  const value = parent[key];
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    throw new MoorageConfigError(
      file,
      `${file}: "${field}" must be an array ([...]), found ${describe(value)}; fix it by hand, then run moorage sync again`,
      field,
    );
  }
  return value;
}

/** The object at `root[key]`, `undefined` when absent, or a directed error when it is something else. */
export function objectField(
  file: string,
  parent: Record<string, unknown>,
  key: string,
  field: string,
): Record<string, unknown> | undefined {
  const value = parent[key];
  if (value === undefined) return undefined;
  if (!isRecord(value)) {
    throw new MoorageConfigError(
      file,
      `${file}: "${field}" must be an object ({...}), found ${describe(value)}; fix it by hand, then run moorage sync again`,
      field,
    );
  }
  return value;
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return "an array";
  if (value === null) return "null";
  return `a ${typeof value}`;
}
