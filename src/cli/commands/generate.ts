/** `moorage generate [--check]`: writes (or checks) `moorage/_generated/` from the declarations and function modules. */
import {
  type Command,
  EXIT_CODES_HELP,
  PROJECT_OPTIONS,
  PROJECT_OPTIONS_HELP,
  parse,
  projectFrom,
} from "../command.js";
import { generateStep } from "../steps.js";

export const generateCommand: Command = {
  name: "generate",
  summary: "Write moorage/_generated/ (containers, server-function registry and api) from moorage/",
  help: `Usage: moorage generate [--check] [options]

Reads moorage/containers.ts, validates every container, and writes moorage/_generated/containers.ts: one Durable
Object class per container, the MoorageOutbound entrypoint, and the typed containers(env) factory.

Every other .ts file in moorage/ (nested folders too; not _generated/, tests, or folders holding a Dockerfile) is
a function module: its query/mutation/action exports go into moorage/_generated/registry.ts, keyed "file:export"
("jobs:listPending", "admin/users:list"), and moorage/_generated/api.ts gives typed references
(api.jobs.listPending). Without function modules these two files are not written (and removed if left over).
Files are only rewritten when their content changes.

Options:
  --check        Do not write; exit 1 when a generated file is missing, left over or out of date (for CI)
${PROJECT_OPTIONS_HELP}

${EXIT_CODES_HELP}`,
  async run(ctx) {
    const { values } = parse("generate", ctx.argv, { ...PROJECT_OPTIONS, check: { type: "boolean" } });
    const result = await generateStep(projectFrom(ctx, values), ctx.out, values.check === true);
    return result.status === "stale" ? 1 : 0;
  },
};
