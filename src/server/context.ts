/**
 * Builds the `ctx` a handler receives. Queries and mutations get `env` and `identity` only; reaching for
 * `ctx.containers` or `ctx.fetch` there is already a type error, and this module makes it a directed runtime
 * error too (for JavaScript callers or a cast), instead of a confusing `undefined`.
 */
import type { FunctionKind } from "./functions.js";

/** Where a `ctx` gets its values. */
export interface CtxSources {
  readonly env: unknown;
  readonly identity: unknown;
  /** Produces the container handles; called at most once, on first use of `ctx.containers` in an action. */
  readonly containers?: () => unknown;
  /** Used in error messages, e.g. `jobs:listPending`. */
  readonly functionName: string;
}

/** Make the `ctx` for a function of `kind`. */
export function createCtx(kind: FunctionKind, sources: CtxSources): Record<string, unknown> {
  const ctx: Record<string, unknown> = { env: sources.env, identity: sources.identity ?? null };
  if (kind === "action") {
    let resolved = false;
    let containers: unknown;
    Object.defineProperty(ctx, "containers", {
      enumerable: true,
      get() {
        if (!resolved) {
          containers = resolveContainers(sources);
          resolved = true;
        }
        return containers;
      },
    });
    // A wrapper, not `globalThis.fetch` itself: workerd rejects a detached fetch called with the wrong `this`.
    ctx.fetch = (input: RequestInfo | URL, init?: RequestInit) => globalThis.fetch(input, init);
  } else {
    for (const property of ["containers", "fetch"] as const) {
      Object.defineProperty(ctx, property, {
        enumerable: false,
        get() {
          throw new Error(
            `ctx.${property} is only available in actions: ${sources.functionName} is a ${kind}. ` +
              `Container calls and fetch are external I/O; define the function with \`action\` instead of \`${kind}\`.`,
          );
        },
      });
    }
  }
  return Object.freeze(ctx);
}

function resolveContainers(sources: CtxSources): unknown {
  const value = sources.containers?.();
  if (value === undefined) {
    throw new Error(
      `ctx.containers is not configured for ${sources.functionName}: pass \`containers: (env) => createContainerContext(env, containerSpecs)\` ` +
        "to createRpcHandler (or `containers` to callFunction).",
    );
  }
  return value;
}
