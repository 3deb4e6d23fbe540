/** `moorage generate [--check]`: writes (or checks) `moorage/_generated/containers.ts`. */
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
  summary: "Write moorage/_generated/containers.ts from moorage/containers.ts",
  help: `Usage: moorage generate [--check] [options]

Reads moorage/containers.ts, validates every container, and writes moorage/_generated/containers.ts: one Durable
Object class per container, the ContainerProxy entrypoint, and the typed containers(env) factory. The file is only
rewritten when its content changes.

Options:
  --check        Do not write; exit 1 when the generated file is missing or out of date (for CI)
${PROJECT_OPTIONS_HELP}

${EXIT_CODES_HELP}`,
  async run(ctx) {
    const { values } = parse("generate", ctx.argv, { ...PROJECT_OPTIONS, check: { type: "boolean" } });
    const result = await generateStep(projectFrom(ctx, values), ctx.out, values.check === true);
    return result.status === "stale" ? 1 : 0;
  },
};
