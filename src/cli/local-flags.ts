/**
 * The compatibility flag `moorage dev` adds for local workerd when a container declares `persist`.
 *
 * Why it exists: local workerd exposes `ctx.container.snapshotDirectory()` only under its `experimental`
 * compatibility flag, and Cloudflare refuses to deploy a Worker that carries that flag (workerd marks it
 * `$experimental`; its `compileCompatibilityFlags` answers "is experimental and cannot yet be used in Workers
 * deployed to Cloudflare", API code 10021), while production needs no flag for directory snapshots. So the flag
 * belongs to local dev only, never to wrangler.jsonc: `moorage dev` passes wrangler dev the config's own flags plus
 * `experimental` (wrangler's `--compatibility-flags` replaces the config's list, it does not add to it).
 * `moorage deploy` warns when the config carries the flag anyway (the README once said to put it there).
 * Boundary: decides from the parsed config and the declarations; reads only the config file, runs nothing.
 */
import { readFileSync } from "node:fs";
import { parseConfigText } from "../authoring/sync/jsonc-text.js";

/** The flag local workerd needs for `snapshotDirectory()`. */
export const LOCAL_SNAPSHOT_FLAG = "experimental";

export interface LocalFlagsInput {
  /** The parsed wrangler config. */
  config: Record<string, unknown>;
  /** The `--env` wrangler dev runs with, if any (its `compatibility_flags` win over the top level's). */
  env?: string;
  /** Export names of the declared containers that use `persist`. */
  persisting: readonly string[];
  /** The user's own wrangler dev arguments. */
  wranglerArgs: readonly string[];
}

/** The arguments to add to `wrangler dev`, and why (undefined: nothing to add). */
export function localCompatibilityArgs(input: LocalFlagsInput): { args: string[]; why: string } | undefined {
  if (input.persisting.length === 0) return undefined;
  // The user chose the flags on the command line: theirs stand (a start without the flag fails saying so).
  if (input.wranglerArgs.some((a) => /^--compatibility-flags?(=|$)/.test(a))) return undefined;
  const flags = configFlags(input.config, input.env);
  if (flags.includes(LOCAL_SNAPSHOT_FLAG)) return undefined;
  return {
    args: ["--compatibility-flags", ...flags, LOCAL_SNAPSHOT_FLAG],
    why: `${input.persisting.join(", ")} ${input.persisting.length === 1 ? "declares" : "declare"} persist: local workerd snapshots directories only under the "${LOCAL_SNAPSHOT_FLAG}" compatibility flag, added for wrangler dev only (Cloudflare refuses it on deploy and needs none)`,
  };
}

/** `compatibility_flags` as wrangler resolves them for `env` (inheritable: the env's own list, else the top's). */
function configFlags(config: Record<string, unknown>, env: string | undefined): string[] {
  const envs = config.env as Record<string, Record<string, unknown> | undefined> | undefined;
  const own = env === undefined ? undefined : envs?.[env]?.compatibility_flags;
  const list = own ?? config.compatibility_flags;
  return Array.isArray(list) ? list.filter((f): f is string => typeof f === "string") : [];
}

/** The wrangler config as JSON; a TOML config (or none) reads as `{}`, so nothing is added or warned about. */
export function readWranglerConfig(file: string | undefined): Record<string, unknown> {
  if (!file || file.endsWith(".toml")) return {};
  return parseConfigText(file, readFileSync(file, "utf8"));
}

/** A warning for `moorage deploy` when the deployed flags include `experimental` (undefined: none). */
export function deployFlagWarning(config: Record<string, unknown>, env: string | undefined): string | undefined {
  if (!configFlags(config, env).includes(LOCAL_SNAPSHOT_FLAG)) return undefined;
  const where = env === undefined ? "compatibility_flags" : `the compatibility_flags env.${env} deploys with`;
  return `${where} include "${LOCAL_SNAPSHOT_FLAG}": Cloudflare refuses to deploy a Worker with it ("is experimental and cannot yet be used in Workers deployed to Cloudflare", code 10021), and directory snapshots need no flag in production. Remove it from wrangler.jsonc; \`moorage dev\` adds it for local dev when a container declares persist`;
}
