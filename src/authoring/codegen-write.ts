/**
 * `moorage generate` as a function: discover, render, and write `moorage/_generated/containers.ts` only when
 * its bytes change (so watchers and bundlers do not see a spurious edit), or, with `check`, only compare.
 * The CLI, `dev`, `deploy` and `doctor` all call this; none of them re-implement it.
 */
import { existsSync, readFileSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { renderContainersModule } from "./codegen.js";
import { type DiscoveredContainer, discoverContainers } from "./discover.js";
import { displayPath, type Project } from "./project.js";

export interface GenerateResult {
  /** `written`: the file changed on disk; `unchanged`: it was already current; `stale`: `check` found it outdated. */
  status: "written" | "unchanged" | "stale";
  /** Absolute path of the generated file. */
  file: string;
  containers: DiscoveredContainer[];
}

export async function generate(project: Project, options: { check?: boolean } = {}): Promise<GenerateResult> {
  const containers = await discoverContainers(project);
  const text = renderContainersModule(containers, { sourcePath: displayPath(project, project.containersFile) });
  const file = project.generatedContainersFile;
  const current = existsSync(file) ? readFileSync(file, "utf8") : undefined;
  if (current === text) return { status: "unchanged", file, containers };
  if (options.check) return { status: "stale", file, containers };
  await mkdir(project.generatedDir, { recursive: true });
  await writeFile(file, text);
  return { status: "written", file, containers };
}
