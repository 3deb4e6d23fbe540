/**
 * The two steps `init`, `dev`, `deploy` and `doctor` build on, with their user-facing reporting: generate the
 * typed module, and reconcile the wrangler config. Commands compose these; none re-implements them.
 */
import { existsSync } from "node:fs";
import { type GeneratedFile, type GenerateResult, generate } from "../authoring/codegen-write.js";
import { displayPath, type Project } from "../authoring/project.js";
import type { Output } from "./output.js";
import { type SyncOutcome, syncProject } from "./sync-adapter.js";

export async function generateStep(project: Project, out: Output, check = false): Promise<GenerateResult> {
  const result = await generate(project, { check });
  const [containersFile, ...functionFiles] = result.files;
  const count = plural(result.containers.length, "container");
  if (containersFile) report(project, out, [containersFile], count);
  const functionCount = result.functions.reduce((n, m) => n + m.functions.length, 0);
  report(project, out, functionFiles, `${plural(functionCount, "server function")}`);
  if (result.containers.length === 0) {
    out.warn(
      `${displayPath(project, project.containersFile)} exports no containers; add \`export const name = defineContainer({...})\``,
    );
  }
  return result;
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}

/** One line per group of generated files, saying what happened to them; nothing for files rightly absent. */
function report(project: Project, out: Output, files: readonly GeneratedFile[], count: string): void {
  const present = files.filter((f) => f.status !== "unchanged" || existsSync(f.file));
  if (present.length === 0) return;
  const names = present.map((f) => displayPath(project, f.file)).join(" and ");
  const are = present.length === 1 ? "is" : "are";
  if (present.some((f) => f.status === "stale")) out.fail(`${names} ${are} out of date; run \`moorage generate\``);
  else if (present.every((f) => f.status === "removed")) out.ok(`removed ${names} (no server functions left)`);
  else if (present.some((f) => f.status === "written")) out.ok(`generated ${names} (${count})`);
  else out.ok(`${names} ${are} up to date (${count})`);
}

export async function syncStep(
  project: Project,
  generated: GenerateResult,
  out: Output,
  check = false,
  /** Wrangler environments to reconcile; every `env.<name>` block when unset. */
  envs?: readonly string[],
): Promise<SyncOutcome> {
  const outcome = await syncProject(project, generated.containers, check, envs);
  for (const line of outcome.actions) out.info(`      ${line}`);
  for (const line of outcome.warnings) out.warn(line);
  const file = outcome.file ? displayPath(project, outcome.file) : "wrangler config";
  if (outcome.status === "written") out.ok(`updated ${file}`);
  else if (outcome.status === "unchanged") out.ok(`${file} is in sync`);
  else {
    out.fail(`${file} is out of sync; run \`moorage sync\``);
    if (outcome.diff) out.info(outcome.diff.trimEnd());
  }
  return outcome;
}
