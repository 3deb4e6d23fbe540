/**
 * The seam between the CLI and the local container engine (`src/engine/local-engine.ts`, owned by the engine
 * work). `dev` passes the engine's environment (DOCKER_HOST, the sidecar image, the docker binary) to wrangler;
 * `doctor` reports on it.
 *
 * INTEGRATION POINT: the engine module is loaded by path at run time so the CLI builds and runs before it
 * exists. Its contract as agreed: `resolveLocalEngine()` (sync or async) returns the environment variables to
 * give wrangler, either as a plain string record or as `{ env }`. When the module is absent, wrangler runs with
 * the user's own environment and `doctor` says so.
 */

export interface LocalEngine {
  /** Variables to add to wrangler's environment. */
  env: Record<string, string>;
}

function asStringRecord(value: unknown): Record<string, string> | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) if (typeof v === "string") out[k] = v;
  return out;
}

/** The local engine's environment, or undefined when the engine module is not part of this build. */
export async function localEngine(): Promise<LocalEngine | undefined> {
  const specifier = "../engine/local-engine.js";
  let mod: { resolveLocalEngine?: () => unknown };
  try {
    mod = (await import(/* @vite-ignore */ specifier)) as typeof mod;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ERR_MODULE_NOT_FOUND") return undefined;
    throw error;
  }
  if (typeof mod.resolveLocalEngine !== "function") return undefined;
  const resolved = await mod.resolveLocalEngine();
  const nested = asStringRecord((resolved as { env?: unknown } | undefined)?.env);
  const env = nested ?? asStringRecord(resolved);
  return env ? { env } : undefined;
}
