/**
 * Reads an environment variable in whichever runtime the container runs: Node and Bun (`process.env`), Deno
 * (`Deno.env`, which throws without `--allow-env`), or none at all (workerd, browsers). Never imports `node:*`.
 */

interface RuntimeGlobals {
  process?: { env?: Record<string, string | undefined> };
  Deno?: { env?: { get(name: string): string | undefined } };
}

/** The variable's value, or undefined when unset, empty or unreadable. */
export function readEnv(name: string): string | undefined {
  const runtime = globalThis as RuntimeGlobals;
  try {
    const value = runtime.process?.env?.[name];
    if (value) return value;
  } catch {
    // An exotic `process` shim: fall through to the next source.
  }
  try {
    const value = runtime.Deno?.env?.get(name);
    if (value) return value;
  } catch {
    // Deno without --allow-env: treat as unset.
  }
  return undefined;
}
