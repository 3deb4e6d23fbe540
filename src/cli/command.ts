/**
 * What a command is, and the argument parsing all commands share (`node:util` parseArgs, strict), so every
 * command has `--help`, the common `--cwd`/`--dir` flags, and the same usage-error wording.
 */
import { type ParseArgsConfig, parseArgs } from "node:util";
import { type Project, resolveProject } from "../authoring/project.js";
import type { EngineResolver } from "../engine/cli.js";
import { UsageError } from "./errors.js";
import type { Output } from "./output.js";

export interface CommandContext {
  /** Arguments after the command name. */
  argv: string[];
  out: Output;
  /** Where the command was run from. */
  cwd: string;
  /** How to reach the local container engine; `resolveLocalEngine` unless a test injects a fake. */
  resolveEngine?: EngineResolver;
}

export interface Command {
  name: string;
  /** One line for the top-level help. */
  summary: string;
  /** The command's own `--help` text. */
  help: string;
  /** Resolves with the exit code (0 or 1); throws `UsageError` or `CommandFailed`. */
  run(ctx: CommandContext): Promise<number>;
}

/** Options every project command accepts. */
export const PROJECT_OPTIONS = {
  cwd: { type: "string" },
  dir: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const satisfies NonNullable<ParseArgsConfig["options"]>;

export const PROJECT_OPTIONS_HELP = `  --cwd <path>   Run as if started in <path> (the project root is found from there)
  --dir <name>   Declarations folder relative to the root (default "moorage", or package.json "moorage.dir")
  -h, --help     Show this help`;

export const EXIT_CODES_HELP = `Exit codes: 0 ok, 1 a check or operation failed, 2 usage error.`;

/** Strict parse; unknown flags and missing values become `UsageError` naming the command. */
export function parse<O extends NonNullable<ParseArgsConfig["options"]>>(
  command: string,
  argv: string[],
  options: O,
  allowPositionals = false,
) {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals });
  } catch (error) {
    throw new UsageError(`moorage ${command}: ${(error as Error).message.replace(/\. To specify.*$/s, "")}`);
  }
}

export function projectFrom(
  ctx: CommandContext,
  values: { cwd?: string | undefined; dir?: string | undefined },
): Project {
  const options: { cwd: string; dir?: string } = { cwd: values.cwd ?? ctx.cwd };
  if (values.dir !== undefined) options.dir = values.dir;
  return resolveProject(options);
}
