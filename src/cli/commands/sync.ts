/** `moorage sync [--check]`: reconciles wrangler.jsonc with the declared containers. */
import {
  type Command,
  EXIT_CODES_HELP,
  PROJECT_OPTIONS,
  PROJECT_OPTIONS_HELP,
  parse,
  projectFrom,
} from "../command.js";
import { generateStep, syncStep } from "../steps.js";

export const syncCommand: Command = {
  name: "sync",
  summary: "Reconcile wrangler.jsonc (containers, Durable Object bindings, migrations)",
  help: `Usage: moorage sync [--check] [options]

Adds or updates, in wrangler.jsonc / wrangler.json, one containers[] entry, one durable_objects binding
(CONTAINER_NAME -> NameContainer) and a new-class migration per declared container. Comments and formatting are
kept; entries you added by hand are left alone; existing migration tags are never edited. Generated code is
refreshed first (like \`moorage generate\`) so the classes wrangler binds exist.

Options:
  --check        Do not write; exit 1 when the wrangler config or the generated file is out of sync (for CI)
${PROJECT_OPTIONS_HELP}

${EXIT_CODES_HELP}`,
  async run(ctx) {
    const { values } = parse("sync", ctx.argv, { ...PROJECT_OPTIONS, check: { type: "boolean" } });
    const project = projectFrom(ctx, values);
    const check = values.check === true;
    const generated = await generateStep(project, ctx.out, check);
    const synced = await syncStep(project, generated, ctx.out, check);
    return generated.status === "stale" || synced.status === "stale" ? 1 : 0;
  },
};
