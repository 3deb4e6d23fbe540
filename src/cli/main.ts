#!/usr/bin/env node
/**
 * The `moorage` executable: picks the command, runs it, and is the only place that maps outcomes to exit codes
 * (0 ok, 1 failed, 2 usage). Commands live in `commands/`, one file each; this file only dispatches.
 */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { defaultEngineResolver, type EngineResolver } from "../engine/cli.js";
import { MoorageError } from "../errors.js";
import type { Command } from "./command.js";
import { deployCommand } from "./commands/deploy.js";
import { devCommand } from "./commands/dev.js";
import { doctorCommand } from "./commands/doctor.js";
import { engineCommand } from "./commands/engine.js";
import { generateCommand } from "./commands/generate.js";
import { initCommand } from "./commands/init.js";
import { logsCommand } from "./commands/logs.js";
import { syncCommand } from "./commands/sync.js";
import { EXIT, UsageError } from "./errors.js";
import { createOutput, type Output } from "./output.js";

const COMMANDS: readonly Command[] = [
  initCommand,
  generateCommand,
  syncCommand,
  devCommand,
  deployCommand,
  logsCommand,
  doctorCommand,
  engineCommand,
];

/** The package version, from the package.json two levels up (same from `src/cli/` and `dist/cli/`). */
export function version(): string {
  const pkg = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "package.json");
  return (JSON.parse(readFileSync(pkg, "utf8")) as { version: string }).version;
}

function topHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  const list = COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join("\n");
  return `moorage ${version()}: typed containers for Cloudflare Workers

Usage: moorage <command> [options]

Commands:
${list}

Options:
  -h, --help     Show help (also \`moorage <command> --help\`)
  -v, --version  Print the version

Exit codes:
  0  success
  1  a check failed (--check, doctor) or an operation failed (bad declaration, wrangler error)
  2  usage error (unknown command or option)

Colour is used on terminals only, never when NO_COLOR is set.`;
}

/** What `main` can be given instead of the real thing (tests fake the local engine). */
export interface CliDeps {
  resolveEngine?: EngineResolver;
}

/** Runs the CLI with `argv` (without node and script) and returns the exit code. */
export async function main(
  argv: string[],
  out: Output = createOutput(),
  cwd = process.cwd(),
  deps: CliDeps = {},
): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined) {
    out.error(topHelp());
    return EXIT.usage;
  }
  if (first === "--help" || first === "-h" || first === "help") {
    const named = first === "help" ? COMMANDS.find((c) => c.name === rest[0]) : undefined;
    out.info(named ? named.help : topHelp());
    return EXIT.ok;
  }
  if (first === "--version" || first === "-v") {
    out.info(version());
    return EXIT.ok;
  }
  const command = COMMANDS.find((c) => c.name === first);
  try {
    if (!command) {
      throw new UsageError(
        `moorage: unknown command ${JSON.stringify(first)}; commands: ${COMMANDS.map((c) => c.name).join(", ")}`,
      );
    }
    // `--help` wins even next to flags that would otherwise be a usage error.
    if (rest.includes("--help") || rest.includes("-h")) {
      if (command.name !== "dev" && command.name !== "deploy") {
        out.info(command.help);
        return EXIT.ok;
      }
    }
    return await command.run({ argv: rest, out, cwd, resolveEngine: deps.resolveEngine ?? defaultEngineResolver });
  } catch (error) {
    if (error instanceof UsageError) {
      out.error(error.message);
      out.error(`Run \`moorage ${command ? `${command.name} ` : ""}--help\` for usage.`);
      return EXIT.usage;
    }
    // A MoorageError is a user error: its message is already directed (what failed, where, the fix).
    if (error instanceof MoorageError) {
      out.error(error.message);
      if (error.hint && !error.message.includes(error.hint)) out.error(`fix: ${error.hint}`);
      return EXIT.failed;
    }
    // Anything else is a bug in Moorage: show the stack, since the message alone will not say where.
    out.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    out.error("This is a bug in Moorage, not in your project: please report it with the output above.");
    return EXIT.failed;
  }
}

// Run when executed as the bin (not when a test imports `main`).
const invoked = process.argv[1];
if (invoked && fileURLToPath(import.meta.url) === (await import("node:fs")).realpathSync(invoked)) {
  process.exitCode = await main(process.argv.slice(2));
}
