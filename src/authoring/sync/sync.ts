/**
 * `syncWranglerConfig`: reconciles the wrangler config with the container declarations.
 *
 * This is the orchestration only: locate the file, parse it, ask each planner for edits, apply them to the text,
 * verify the result, then write it (or, in check mode, only report). Called by the `moorage sync` command and
 * by `dev`/`deploy`; it prints nothing itself, it returns `actions` and `warnings` for the CLI to show.
 */
import { chmod, readFile, realpath, rename, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { assertDistinctNames } from "../../definition/naming.js";
import type { ContainerDefinition } from "../../definition/types.js";
import { unifiedDiff } from "./diff.js";
import { MoorageConfigError } from "./errors.js";
import { applyOps } from "./jsonc-edit.js";
import { parseConfigText } from "./jsonc-text.js";
import { locateWranglerConfig } from "./locate.js";
import { checkMainExports } from "./main-exports.js";
import type { Plan, PlanInput } from "./plan.js";
import { planBindings } from "./plan-bindings.js";
import { planContainers } from "./plan-containers.js";
import { type EnvSelection, planEnvs } from "./plan-envs.js";
import { planLifecycle } from "./plan-lifecycle.js";
import { toSyncContainers } from "./wrangler-fields.js";

export interface SyncOptions {
  /** The Worker project root: declarations' relative paths resolve against it, the config is looked up in it. */
  projectRoot: string;
  containers: ReadonlyArray<{ exportName: string; definition: ContainerDefinition }>;
  /** Explicit config file (absolute or relative to `projectRoot`); default: wrangler's own lookup order. */
  configPath?: string;
  /** Report only: write nothing, `changed` says whether a write is needed. */
  check?: boolean;
  /**
   * Wrangler environments to reconcile besides the top level: every `env.<name>` block when unset, or only these
   * (the others are reported when they lack the containers).
   */
  envs?: readonly string[];
  /** Path of the generated module (default `<projectRoot>/moorage/_generated/containers.ts`), for the `main` check. */
  generatedModule?: string;
}

export interface SyncResult {
  /** Absolute path of the wrangler config that was (or would be) edited. */
  path: string;
  /** The config differs from what the declarations need. */
  changed: boolean;
  /** The file was rewritten (never in check mode). */
  written: boolean;
  /** Unified diff of the change, when `changed`. */
  diff?: string;
  /** What the user must look at: disappeared classes, `main` not re-exporting, environments without containers. */
  warnings: string[];
  /** One line per change made (or, in check mode, needed). */
  actions: string[];
}

export async function syncWranglerConfig(options: SyncOptions): Promise<SyncResult> {
  const projectRoot = path.resolve(options.projectRoot);
  const located = locateWranglerConfig(projectRoot, options.configPath);
  const file = located.path;
  const before = await readFile(file, "utf8");
  const root = parseConfigText(file, before);
  const workerName = typeof root.name === "string" ? root.name : undefined;

  try {
    assertDistinctNames(options.containers.map((c) => c.exportName));
  } catch (error) {
    throw new MoorageConfigError(file, error instanceof Error ? error.message : String(error));
  }
  const input: PlanInput = {
    file,
    root,
    containers: toSyncContainers(options.containers, workerName),
    paths: { projectRoot, configDir: path.dirname(file) },
    where: "",
    workerName,
  };
  const plan = planAll(input, options.envs);
  const after = applyOps(before, plan.ops);
  verifyIdempotent(input, options.envs, after);

  const warnings = [...located.warnings];
  if (workerName === undefined && input.containers.length > 0) {
    warnings.push(
      `${file}: no top-level "name"; container names are not prefixed with the Worker name and will change once you add one (wrangler deploy needs a "name" anyway)`,
    );
  }
  warnings.push(...plan.warnings);
  warnings.push(
    ...checkMainExports({
      file,
      root,
      configDir: input.paths.configDir,
      classNames: input.containers.map((c) => c.names.className),
      generatedModule: path.resolve(projectRoot, options.generatedModule ?? "moorage/_generated/containers.ts"),
    }),
  );

  const changed = after !== before;
  const result: SyncResult = { path: file, changed, written: false, warnings, actions: plan.actions };
  if (!changed) return result;
  result.diff = unifiedDiff(before, after, path.relative(projectRoot, file) || path.basename(file));
  if (options.check) return result;
  await writeAtomically(file, after);
  result.written = true;
  return result;
}

function planAll(input: PlanInput, envs: EnvSelection): Plan {
  const plans = [planContainers(input), planBindings(input), planLifecycle(input), planEnvs(input, envs)];
  return {
    ops: plans.flatMap((p) => p.ops),
    actions: plans.flatMap((p) => p.actions),
    warnings: plans.flatMap((p) => p.warnings),
  };
}

/** A Moorage bug must never reach the user's file: the edited text has to parse and need no further edits. */
function verifyIdempotent(input: PlanInput, envs: EnvSelection, after: string): void {
  const again = planAll({ ...input, root: parseConfigText(input.file, after) }, envs);
  if (again.ops.length > 0) {
    throw new Error(
      `moorage sync: internal error, the edited ${input.file} would still need changes (${again.actions.join("; ")}); the file was not changed. Please report this with your wrangler config`,
    );
  }
}

/** Write beside, then rename: an interrupted sync leaves the old file or the new one, never half of each. */
async function writeAtomically(file: string, text: string): Promise<void> {
  const target = await realpath(file);
  const tmp = `${target}.moorage-${process.pid}.tmp`;
  try {
    await writeFile(tmp, text, "utf8");
    await chmod(tmp, (await stat(target)).mode);
    await rename(tmp, target);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
}
