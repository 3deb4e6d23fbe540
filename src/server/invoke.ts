/**
 * Runs a built function: validates the args against its schema, builds its `ctx`, calls its handler. The one code
 * path behind both the RPC endpoint and `callFunction`, so a function behaves the same however it is reached.
 */
import { type CtxSources, createCtx } from "./context.js";
import type { AnyFunction } from "./functions.js";
import { validateArgs } from "./schema.js";

/** Validate `rawArgs`, then run `fn` with a fresh `ctx`. Throws `InvalidArgsError` before the handler on bad args. */
export async function invoke(fn: AnyFunction, rawArgs: unknown, sources: CtxSources): Promise<unknown> {
  const args = fn.input ? await validateArgs(fn.input, rawArgs, sources.functionName) : undefined;
  return await fn.handler({ args, ctx: createCtx(fn.kind, sources) });
}
