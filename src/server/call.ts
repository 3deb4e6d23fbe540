/**
 * `callFunction`: run a function from ordinary Worker code (a route handler, a cron, a queue consumer) with the
 * same validation and the same `ctx` it gets through the RPC endpoint, without an HTTP round trip.
 */
import type { ActionCtx, AnyFunction, ArgsOf, CtxOf, FunctionKind, ResultOf } from "./functions.js";
import { invoke } from "./invoke.js";

/** What `callFunction` needs to build `ctx`; `containers` only matters (and is only accepted) for actions. */
export type CallOptions<F extends AnyFunction> =
  CtxOf<F> extends ActionCtx<infer Env, infer Identity, infer Containers>
    ? { env: Env; identity?: Identity | null; containers?: Containers | (() => Containers); name?: string }
    : CtxOf<F> extends { env: infer Env; identity: infer Identity }
      ? { env: Env; identity?: Identity | null; name?: string }
      : never;

/**
 * Call `fn` with `args` (pass `undefined` when it takes none), validated by its schema: an `InvalidArgsError` is
 * thrown before the handler on a mismatch. `identity` defaults to null; `containers` accepts the handles or a
 * factory called on first use; `name` labels error messages (defaults to "this <kind>").
 *
 * @example
 * const jobs = await callFunction(listPending, { limit: 10 }, { env, identity: null });
 */
export function callFunction<F extends AnyFunction>(
  fn: F,
  args: ArgsOf<F>,
  options: CallOptions<F>,
): Promise<ResultOf<F>> {
  const { env, identity, name, containers } = options as {
    env: unknown;
    identity?: unknown;
    name?: string;
    containers?: unknown;
  };
  return invoke(fn, args, {
    env,
    identity: identity ?? null,
    containers:
      containers === undefined ? undefined : () => (typeof containers === "function" ? containers() : containers),
    functionName: name ?? `this ${fn.kind satisfies FunctionKind}`,
  }) as Promise<ResultOf<F>>;
}
