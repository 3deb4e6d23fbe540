/**
 * The compatibility flag `moorage dev` adds for local workerd when a container declares `persist`.
 *
 * Why it exists: local workerd exposes `ctx.container.snapshotDirectory()` only under its `experimental`
 * compatibility flag, and Cloudflare refuses to deploy a Worker that carries that flag (workerd marks it
 * `$experimental`; its `compileCompatibilityFlags` answers "is experimental and cannot yet be used in Workers
 * deployed to Cloudflare", API code 10021), while production needs no flag for directory snapshots. So the flag
 * belongs to local dev only, never to wrangler.jsonc: `moorage dev` passes wrangler dev the config's own flags plus
 * `experimental` (wrangler's `--compatibility-flags` replaces the config's list, it does not add to it).
 * Boundary: decides the extra arguments from the parsed config and the declarations; reads and runs nothing.
 */

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
