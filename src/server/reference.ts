/**
 * Function paths, typed references and the registry shape that `moorage generate` emits.
 *
 * A function's path is `"<file>:<export>"` (`"jobs:listPending"` for `export const listPending` in
 * `moorage/jobs.ts`; `"admin/users:list"` for a nested file). The registry maps paths to functions; a reference
 * names a path and carries the function's kind, args and result as types only, so container code can import the
 * references (`api.jobs.listPending`) without bundling any server code. Pure module: safe in every runtime.
 */

import { MoorageError } from "../errors.js";
import type { AnyFunction, ArgsOf, FunctionKind, ResultOf } from "./functions.js";

/** Every function an app exposes over RPC, keyed by path (`"jobs:listPending"`). */
export type FunctionRegistry = Readonly<Record<string, AnyFunction>>;

/** The key under which a reference stores its path (a symbol, so it can never collide with a file or export name). */
export const FUNCTION_PATH: unique symbol = Symbol.for("moorage.functionPath");

/** A typed pointer to a function: its path at runtime, its kind, args and result as types. */
// biome-ignore lint/suspicious/noExplicitAny: unconstrained references accept any args and result.
export interface FunctionReference<Kind extends FunctionKind = FunctionKind, Args = any, Result = any> {
  readonly [FUNCTION_PATH]: string;
  /** Type-only: never present at runtime. */
  readonly "~reference"?: { readonly kind: Kind; readonly args: Args; readonly result: Result };
}

/** The reference type for a built function `F`. */
export type ReferenceFor<F extends AnyFunction> = FunctionReference<F["kind"], ArgsOf<F>, ResultOf<F>>;

/** The args a reference's function takes. */
export type ReferenceArgs<R> = R extends FunctionReference<FunctionKind, infer Args, unknown> ? Args : never;
/** What a reference's function returns. */
export type ReferenceResult<R> = R extends FunctionReference<FunctionKind, unknown, infer Result> ? Result : never;

/** Something that names a function: its path string, or a typed reference. */
export type FunctionName = string | FunctionReference;

/**
 * A reference to one function, typed from the function itself (import it with `import type` in code that must not
 * bundle server code).
 *
 * @example const listPending = makeReference<typeof jobs.listPending>("jobs:listPending");
 */
export function makeReference<F extends AnyFunction>(path: string): ReferenceFor<F> {
  assertFunctionPath(path);
  return Object.freeze({ [FUNCTION_PATH]: path, [Symbol.toPrimitive]: () => path }) as ReferenceFor<F>;
}

/** The path a string or reference names. */
export function functionPathOf(name: FunctionName): string {
  if (typeof name === "string") return name;
  const path = (name as Partial<FunctionReference> | null)?.[FUNCTION_PATH];
  if (typeof path !== "string") {
    throw new MoorageError(
      "invalid-function",
      'Expected a function path ("jobs:listPending") or a reference (api.jobs.listPending); got something else. ' +
        "If you used `api.jobs`, add the export name.",
    );
  }
  return path;
}

/** Throws a directed error unless `path` reads `"<file>:<export>"`. */
export function assertFunctionPath(path: string): void {
  if (!/^[^:]+:[^:/]+$/.test(path)) {
    throw new MoorageError(
      "invalid-function",
      `"${path}" is not a function path: expected "<file>:<export>", e.g. "jobs:listPending".`,
    );
  }
}

/** `api.<dir>.<file>.<export>`: nested objects of references, one leaf per registry entry. */
export type Api<Registry extends FunctionRegistry> = Simplify<
  UnionToIntersection<
    { [Path in keyof Registry & string]: Nest<Segments<Path>, ReferenceFor<Registry[Path]>> }[keyof Registry & string]
  >
>;

type Segments<Path extends string> = Path extends `${infer File}:${infer Export}` ? [...Split<File>, Export] : [Path];
type Split<S extends string> = S extends `${infer Head}/${infer Rest}` ? [Head, ...Split<Rest>] : [S];
type Nest<Keys extends string[], Leaf> = Keys extends [infer Head extends string, ...infer Rest extends string[]]
  ? { readonly [K in Head]: Rest extends [] ? Leaf : Nest<Rest, Leaf> }
  : never;
type UnionToIntersection<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void ? I : never;
type Simplify<T> = T extends FunctionReference ? T : { readonly [K in keyof T]: Simplify<T[K]> };

/**
 * Typed references for every function in a registry, built lazily at runtime from property access, so only the
 * registry's *type* is needed: `import type { registry }` keeps server code out of container bundles.
 *
 * @example
 * import type { registry } from "./registry.js";
 * export const api = createApi<typeof registry>();
 * await bridge.query(api.jobs.listPending, { limit: 10 });
 */
export function createApi<Registry extends FunctionRegistry>(): Api<Registry> {
  return node([]) as Api<Registry>;
}

function node(segments: readonly string[]): unknown {
  return new Proxy(Object.create(null), {
    get(_target, property) {
      if (property === FUNCTION_PATH) return pathFrom(segments);
      if (property === Symbol.toPrimitive) return () => pathFrom(segments);
      // Not a thenable: `await api.jobs` must not look like a promise.
      if (typeof property === "symbol" || property === "then") return undefined;
      return node([...segments, property]);
    },
  });
}

function pathFrom(segments: readonly string[]): string {
  if (segments.length < 2) {
    throw new MoorageError(
      "invalid-function",
      `api${segments.map((s) => `.${s}`).join("")} is not a function reference: use api.<file>.<export>, e.g. api.jobs.listPending.`,
    );
  }
  return `${segments.slice(0, -1).join("/")}:${segments.at(-1)}`;
}
