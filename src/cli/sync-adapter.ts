/**
 * Adapts the wrangler reconciliation (`src/authoring/sync`, its own module and owner) to what the CLI reports:
 * one status (written / unchanged / stale), the lines to print, and the config file. Keeps the CLI's commands
 * independent of the sync result's exact shape.
 */
import type { DiscoveredContainer } from "../authoring/discover.js";
import type { Project } from "../authoring/project.js";
import { MoorageConfigError, syncWranglerConfig } from "../authoring/sync/index.js";
import { CommandFailed } from "./errors.js";

export interface SyncOutcome {
  status: "written" | "unchanged" | "stale";
  /** Absolute path of the wrangler config. */
  file: string | undefined;
  actions: string[];
  warnings: string[];
  /** Unified diff of what changed (or would change). */
  diff: string | undefined;
}

export async function syncProject(
  project: Project,
  containers: readonly DiscoveredContainer[],
  check: boolean,
  envs?: readonly string[],
): Promise<SyncOutcome> {
  try {
    const result = await syncWranglerConfig({
      projectRoot: project.root,
      containers: containers.map(({ exportName, definition }) => ({ exportName, definition })),
      check,
      ...(envs === undefined ? {} : { envs }),
      generatedModule: project.generatedContainersFile,
    });
    const status = !result.changed ? "unchanged" : check ? "stale" : "written";
    return { status, file: result.path, actions: result.actions, warnings: result.warnings, diff: result.diff };
  } catch (error) {
    // Config problems are the user's to fix and already directed; report them as a failed operation (exit 1).
    if (error instanceof MoorageConfigError) throw new CommandFailed(error.message);
    throw error;
  }
}
