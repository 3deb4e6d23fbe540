/**
 * Function builders: `query`, `mutation` and `action`, in the fluent shape
 * `query.input(schema).handler(async ({ args, ctx }) => ...)`.
 *
 * A built function is inert data (`kind`, `input`, `handler`); running it — validating args and building `ctx` —
 * is `invoke.ts`'s job, shared by the RPC endpoint and `callFunction`. The three kinds differ in what `ctx` offers:
 * only actions get `ctx.containers` and `ctx.fetch`, because container calls are external I/O.
 */
import type { StandardSchemaV1 } from "@standard-schema/spec";
import { MoorageError } from "../errors.js";
import { isStandardSchema } from "./schema.js";

/** The three function kinds. Queries read, mutations write, actions may do external I/O (containers, fetch). */
export type FunctionKind = "query" | "mutation" | "action";

/** What every function's `ctx` carries. */
export interface BaseCtx<Env, Identity> {
  /** The Worker's bindings, vars and secrets. */
  readonly env: Env;
  /** Who is calling, as decided by `resolveIdentity` or the zero-config bridge; `null` when anonymous. */
  readonly identity: Identity | null;
}

/** `ctx` in a query. No `containers`, no `fetch`: a query is deterministic reading. */
export interface QueryCtx<Env = unknown, Identity = unknown> extends BaseCtx<Env, Identity> {}

/** `ctx` in a mutation. No `containers`, no `fetch`: external I/O belongs in an action. */
export interface MutationCtx<Env = unknown, Identity = unknown> extends BaseCtx<Env, Identity> {}

/** `ctx` in an action: everything, including the typed container handles and `fetch`. */
export interface ActionCtx<Env = unknown, Identity = unknown, Containers = unknown> extends BaseCtx<Env, Identity> {
  /** Typed handles to the app's containers (`ctx.containers.transcoder.get(id).fetch(...)`). */
  readonly containers: Containers;
  /** The runtime's `fetch`, for other external I/O. */
  readonly fetch: typeof fetch;
}

/** The `ctx` a function of `Kind` receives. */
export type CtxFor<Kind extends FunctionKind, Env, Identity, Containers> = Kind extends "action"
  ? ActionCtx<Env, Identity, Containers>
  : Kind extends "mutation"
    ? MutationCtx<Env, Identity>
    : QueryCtx<Env, Identity>;

/** What a handler receives. */
export interface HandlerOptions<Args, Ctx> {
  readonly args: Args;
  readonly ctx: Ctx;
}

/**
 * A built function. `Args` is what callers send (the schema's input type, `undefined` without a schema) and
 * `Result` what they get back; `Ctx` is what the handler receives, so `callFunction` can type its options.
 */
// biome-ignore lint/suspicious/noExplicitAny: the defaults make an unparameterised MoorageFunction accept any function.
export interface MoorageFunction<Kind extends FunctionKind = FunctionKind, Args = any, Result = any, Ctx = any> {
  readonly kind: Kind;
  /** The input schema, or undefined when the function takes no args. */
  readonly input: StandardSchemaV1 | undefined;
  /** The handler as written. Call functions through `callFunction` or the RPC endpoint so args are validated. */
  // biome-ignore lint/suspicious/noExplicitAny: stored type-erased; the builders typed it when it was written.
  readonly handler: (options: HandlerOptions<any, any>) => unknown;
  /** Type-only: never present at runtime. */
  readonly "~types"?: { readonly args: Args; readonly result: Result; readonly ctx: Ctx };
}

/** Any function, whatever its kind and types: what a registry holds. */
// biome-ignore lint/suspicious/noExplicitAny: a registry must accept every function's types.
export type AnyFunction = MoorageFunction<FunctionKind, any, any, any>;

/** The args callers send to `F`. */
export type ArgsOf<F extends AnyFunction> = NonNullable<F["~types"]>["args"];
/** What callers get back from `F`. */
export type ResultOf<F extends AnyFunction> = NonNullable<F["~types"]>["result"];
/** The `ctx` `F`'s handler receives. */
export type CtxOf<F extends AnyFunction> = NonNullable<F["~types"]>["ctx"];

/** `query` / `mutation` / `action` before `.input()`: give a schema, or go straight to `.handler()` for no args. */
export interface FunctionBuilder<Kind extends FunctionKind, Ctx> {
  /** Validate args with a Standard Schema v1 schema (zod, valibot, arktype, ...) before the handler runs. */
  input<Schema extends StandardSchemaV1>(schema: Schema): InputFunctionBuilder<Kind, Ctx, Schema>;
  /** A function without args: the handler receives `args: undefined` whatever the caller sends. */
  handler<Result>(
    handler: (options: HandlerOptions<undefined, Ctx>) => Result | Promise<Result>,
  ): MoorageFunction<Kind, undefined, Awaited<Result>, Ctx>;
}

/** A builder with its input schema set: finish it with `.handler()`. */
export interface InputFunctionBuilder<Kind extends FunctionKind, Ctx, Schema extends StandardSchemaV1> {
  /** The handler; `args` is the schema's output, already validated. */
  handler<Result>(
    handler: (options: HandlerOptions<StandardSchemaV1.InferOutput<Schema>, Ctx>) => Result | Promise<Result>,
  ): MoorageFunction<Kind, StandardSchemaV1.InferInput<Schema>, Awaited<Result>, Ctx>;
}

/** The three builders, typed for one app. */
export interface Functions<Env, Identity, Containers> {
  readonly query: FunctionBuilder<"query", QueryCtx<Env, Identity>>;
  readonly mutation: FunctionBuilder<"mutation", MutationCtx<Env, Identity>>;
  readonly action: FunctionBuilder<"action", ActionCtx<Env, Identity, Containers>>;
}

/**
 * Builders typed for your app: `Env` (the Worker's bindings), `Identity` (what `resolveIdentity` returns) and
 * `Containers` (the generated container handles). Call once, in a module your function files import.
 *
 * @example
 * export const { query, mutation, action } = createFunctions<Env, AppIdentity, ContainerContext<typeof specs>>();
 */
export function createFunctions<Env = unknown, Identity = unknown, Containers = unknown>(): Functions<
  Env,
  Identity,
  Containers
> {
  return {
    query: builder("query") as FunctionBuilder<"query", QueryCtx<Env, Identity>>,
    mutation: builder("mutation") as FunctionBuilder<"mutation", MutationCtx<Env, Identity>>,
    action: builder("action") as FunctionBuilder<"action", ActionCtx<Env, Identity, Containers>>,
  };
}

function builder(kind: FunctionKind): FunctionBuilder<FunctionKind, unknown> {
  const build = (input: StandardSchemaV1 | undefined, handler: unknown): AnyFunction => {
    if (typeof handler !== "function") {
      throw new MoorageError(
        "invalid-function",
        `${kind}.handler() takes a function: ${kind}.handler(async ({ args, ctx }) => ...)`,
      );
    }
    return Object.freeze({ kind, input, handler: handler as AnyFunction["handler"] });
  };
  return {
    input(schema) {
      if (!isStandardSchema(schema)) {
        throw new MoorageError(
          "invalid-function",
          `${kind}.input() takes a Standard Schema v1 schema (zod, valibot, arktype, ...), e.g. ${kind}.input(z.object({ id: z.string() })); got ${describe(schema)}`,
        );
      }
      return { handler: (handler) => build(schema, handler) as never };
    },
    handler: (handler) => build(undefined, handler) as never,
  };
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "object") return "an object without a `~standard` property";
  return typeof value;
}

/** Whether `value` is a function built with `query`, `mutation` or `action`. */
export function isMoorageFunction(value: unknown): value is AnyFunction {
  const candidate = value as Partial<AnyFunction> | null;
  return (
    typeof candidate === "object" &&
    candidate !== null &&
    (candidate.kind === "query" || candidate.kind === "mutation" || candidate.kind === "action") &&
    typeof candidate.handler === "function"
  );
}
