/**
 * The two steps `init`, `dev`, `deploy` and `doctor` build on, with their user-facing reporting: generate the
 * typed module, and reconcile the wrangler config. Commands compose these; none re-implements them.
 */
import { type GenerateResult, generate } from "../authoring/codegen-write.js";
import { displayPath, type Project } from "../authoring/project.js";
import type { Output } from "./output.js";
import { type SyncOutcome, syncProject } from "./sync-adapter.js";

export async function generateStep(project: Project, out: Output, check = false): Promise<GenerateResult> {
  const result = await generate(project, { check });
  const file = displayPath(project, result.file);
  const count = `${result.containers.length} container${result.containers.length === 1 ? "" : "s"}`;
  if (result.status === "written") out.ok(`generated ${file} (${count})`);
  else if (result.status === "unchanged") out.ok(`${file} is up to date (${count})`);
  else out.fail(`${file} is out of date; run \`moorage generate\``);
  if (result.containers.length === 0) {
    out.warn(
      `${displayPath(project, project.containersFile)} exports no containers; add \`export const name = defineContainer({...})\``,
    );
  }
  return result;
}

export async function syncStep(
  project: Project,
  generated: GenerateResult,
  out: Output,
  check = false,
): Promise<SyncOutcome> {
  const outcome = await syncProject(project, generated.containers, check);
  for (const line of outcome.actions) out.info(`      ${line}`);
  for (const line of outcome.warnings) out.warn(line);
  const file = outcome.file ? displayPath(project, outcome.file) : "wrangler config";
  if (outcome.status === "written") out.ok(`updated ${file}`);
  else if (outcome.status === "unchanged") out.ok(`${file} is in sync`);
  else out.fail(`${file} is out of sync; run \`moorage sync\``);
  return outcome;
}
