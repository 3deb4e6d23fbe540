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
  summary: "Reconcile wrangler.jsonc (containers, Durable Object bindings, migrations), environments included",
  help: `Usage: moorage sync [--check] [--env <name>]... [options]

Adds or updates, in wrangler.jsonc / wrangler.json, one containers[] entry, one durable_objects binding
(CONTAINER_NAME -> NameContainer) and a new-class migration per declared container. Comments and formatting are
kept; entries you added by hand are left alone; existing migration tags are never edited. Generated code is
refreshed first (like \`moorage generate\`) so the classes wrangler binds exist.

wrangler does not inherit containers or durable_objects into env.<name> blocks, so every environment gets its
own entries too (container names from that environment's Worker name, e.g. acme-staging-transcoder); an
environment with its own "migrations" gets its own new-class migration, one without inherits the top level's.

Options:
  --check        Do not write; exit 1 when the wrangler config (any environment) or the generated file is out of
                 sync (for CI)
  -e, --env <n>  Reconcile only this environment besides the top level (repeatable); default: every env block
${PROJECT_OPTIONS_HELP}

${EXIT_CODES_HELP}`,
  async run(ctx) {
    const { values } = parse("sync", ctx.argv, {
      ...PROJECT_OPTIONS,
      check: { type: "boolean" },
      env: { type: "string", short: "e", multiple: true },
    });
    const project = projectFrom(ctx, values);
    const check = values.check === true;
    const generated = await generateStep(project, ctx.out, check);
    const synced = await syncStep(project, generated, ctx.out, check, values.env);
    return generated.status === "stale" || synced.status === "stale" ? 1 : 0;
  },
};
