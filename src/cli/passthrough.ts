/**
 * Argument splitting for commands that wrap wrangler (`dev`, `deploy`): Moorage's own flags (`--cwd`, `--dir`,
 * `--no-watch`, `--sidecar`, `--ui-port` and `--no-ui` for dev, `--help`) are taken, everything else goes to wrangler unchanged, and everything after `--` goes to
 * wrangler even if it looks like a Moorage flag.
 */
import { UsageError } from "./errors.js";

const EXAMPLE_VALUE: Record<string, string> = {
  "--cwd": "./my-worker",
  "--dir": "moorage",
  "--sidecar": "moorage",
  "--ui-port": "8790",
};

export interface SplitArgs {
  cwd: string | undefined;
  dir: string | undefined;
  help: boolean;
  noWatch: boolean;
  /** `--sidecar` as given (validated by the caller, which also knows the env default). */
  sidecar: string | undefined;
  /** `--ui-port` as given (validated by the caller). */
  uiPort: string | undefined;
  noUi: boolean;
  wrangler: string[];
}

/** `devFlags`: also take `dev`'s own `--no-watch`, `--sidecar`, `--ui-port` and `--no-ui` (for `deploy` they are wrangler's). */
export function splitPassthrough(command: string, argv: string[], devFlags: boolean): SplitArgs {
  const out: SplitArgs = {
    cwd: undefined,
    dir: undefined,
    help: false,
    noWatch: false,
    sidecar: undefined,
    uiPort: undefined,
    noUi: false,
    wrangler: [],
  };
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
    if (flag === "--cwd" || flag === "--dir" || (devFlags && (flag === "--sidecar" || flag === "--ui-port"))) {
      const value = inline ?? argv[++i];
      if (value === undefined || value.startsWith("--")) {
        throw new UsageError(`moorage ${command}: ${flag} needs a value, e.g. ${flag} ${EXAMPLE_VALUE[flag]}`);
      }
      if (flag === "--cwd") out.cwd = value;
      else if (flag === "--dir") out.dir = value;
      else if (flag === "--ui-port") out.uiPort = value;
      else out.sidecar = value;
    } else if (arg === "--help" || arg === "-h") {
      out.help = true;
    } else if (devFlags && arg === "--no-watch") {
      out.noWatch = true;
    } else if (devFlags && arg === "--no-ui") {
      out.noUi = true;
    } else {
      out.wrangler.push(arg);
    }
  }
  return out;
}

/**
 * The environment a passed-through wrangler command targets (`--env staging`, `-e staging`, `--env=staging`), so
 * Moorage reconciles that `env.<name>` block before wrangler reads it. The flag itself stays in the wrangler args.
 */
export function wranglerEnvArg(wranglerArgs: readonly string[]): string | undefined {
  let found: string | undefined;
  for (let i = 0; i < wranglerArgs.length; i++) {
    const arg = wranglerArgs[i] as string;
    if (arg === "--env" || arg === "-e") {
      const value = wranglerArgs[i + 1];
      if (value !== undefined && !value.startsWith("-")) found = value;
    } else if (arg.startsWith("--env=")) found = arg.slice("--env=".length);
  }
  return found === "" ? undefined : found;
}
