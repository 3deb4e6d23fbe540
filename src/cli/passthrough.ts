/**
 * Argument splitting for commands that wrap wrangler (`dev`, `deploy`): Moorage's own flags (`--cwd`, `--dir`,
 * `--no-watch`, `--help`) are taken, everything else goes to wrangler unchanged, and everything after `--` goes to
 * wrangler even if it looks like a Moorage flag.
 */
import { UsageError } from "./errors.js";

export interface SplitArgs {
  cwd: string | undefined;
  dir: string | undefined;
  help: boolean;
  noWatch: boolean;
  wrangler: string[];
}

export function splitPassthrough(command: string, argv: string[], allowNoWatch: boolean): SplitArgs {
  const out: SplitArgs = { cwd: undefined, dir: undefined, help: false, noWatch: false, wrangler: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === "--") {
      out.wrangler.push(...argv.slice(i + 1));
      break;
    }
    const [flag, inline] =
      arg.startsWith("--") && arg.includes("=")
        ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)]
        : [arg, undefined];
    if (flag === "--cwd" || flag === "--dir") {
      const value = inline ?? argv[++i];
      if (value === undefined || value.startsWith("--")) {
        throw new UsageError(
          `moorage ${command}: ${flag} needs a value, e.g. ${flag} ${flag === "--cwd" ? "./my-worker" : "moorage"}`,
        );
      }
      if (flag === "--cwd") out.cwd = value;
      else out.dir = value;
    } else if (arg === "--help" || arg === "-h") {
      out.help = true;
    } else if (allowNoWatch && arg === "--no-watch") {
      out.noWatch = true;
    } else {
      out.wrangler.push(arg);
    }
  }
  return out;
}
