/**
 * Loads one authoring module (`moorage/containers.ts`, later also server-function modules) the way vite and
 * drizzle load their configs: bundle it with esbuild for Node, write the bundle to a temp file, import it.
 *
 * Executing rather than parsing is what lets users write ordinary TypeScript: aliased imports, spreads of shared
 * constants, helper functions, re-exports. `moorage` and its subpaths (`moorage/server`, ...) are resolved to this
 * very package, so the `defineContainer` the module calls shares the discovery flag (a `Symbol.for` on
 * `globalThis`) with us. `cloudflare:*` modules exist only in workerd: a function module that imports the
 * generated classes (and so `moorage/do`) gets inert stand-ins, enough to evaluate its top level in Node.
 *
 * This module also turns positions in the bundle back into the user's `file:line`, through the bundle's source
 * map, so every error points at what the user wrote. It knows nothing about containers.
 */
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { SourceMap } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build, type Message, type Plugin } from "esbuild";
import { MoorageError, type MoorageErrorOptions } from "../errors.js";

/** A position in a user's source file. */
export interface SourceLocation {
  file: string;
  line: number;
  column: number;
}

export interface LoadedModule {
  /** The module's exports, in definition order. */
  namespace: Record<string, unknown>;
  /** Maps an `Error().stack` captured while the module ran to user source locations, innermost first. */
  locate(stack: string | undefined): SourceLocation[];
}

/** An authoring module that could not be bundled or evaluated. The message names file and line. */
export class ModuleLoadError extends MoorageError<"module-load-failed"> {
  override name = "ModuleLoadError";
  constructor(
    message: string,
    readonly location?: SourceLocation,
    options?: MoorageErrorOptions,
  ) {
    super("module-load-failed", message, options);
  }
}

/**
 * The source of one of this package's entries (`""` for `moorage`, `"server"` for `moorage/server`):
 * `src/<sub>/index.ts` when running from source, `dist/<sub>/index.js` when built.
 */
function moorageEntry(subpath: string): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const base = subpath === "" ? "../index" : `../${subpath}/index`;
  for (const candidate of [`${base}.ts`, `${base}.js`]) {
    const file = resolve(here, candidate);
    if (existsSync(file)) return file;
  }
  throw new Error(
    `moorage: "moorage${subpath ? `/${subpath}` : ""}" is not an entry of this package (looked next to ${here})`,
  );
}

/**
 * Stand-ins for workerd's built-in modules. CommonJS on purpose: a named import the stand-in lacks becomes
 * `undefined` instead of a bundling error, and nothing here runs until a Worker would.
 */
const WORKERD_STUB = `class Base { constructor(ctx, env) { this.ctx = ctx; this.env = env; } }
module.exports = {
  DurableObject: class DurableObject extends Base {},
  WorkerEntrypoint: class WorkerEntrypoint extends Base {},
  WorkflowEntrypoint: class WorkflowEntrypoint extends Base {},
  RpcTarget: class RpcTarget {},
  env: {},
  waitUntil() {},
};`;

const resolveForNode: Plugin = {
  name: "moorage-authoring-resolve",
  setup(b) {
    b.onResolve({ filter: /^moorage(\/[^/]+)?$/ }, (args) => ({
      path: moorageEntry(args.path.slice("moorage/".length)),
    }));
    b.onResolve({ filter: /^cloudflare:/ }, (args) => ({ path: args.path, namespace: "moorage-workerd-stub" }));
    b.onLoad({ filter: /.*/, namespace: "moorage-workerd-stub" }, () => ({ contents: WORKERD_STUB, loader: "js" }));
  },
};

function formatLocation(loc: SourceLocation): string {
  return `${loc.file}:${loc.line}:${loc.column}`;
}

/** esbuild reports paths relative to `absWorkingDir` (the project root). */
function buildFailure(file: string, root: string, errors: readonly Message[]): ModuleLoadError {
  const first = errors[0];
  const where = first?.location;
  const location = where ? { file: resolve(root, where.file), line: where.line, column: where.column + 1 } : undefined;
  const lines = errors.map((e) => {
    const at = e.location ? `${resolve(root, e.location.file)}:${e.location.line}:${e.location.column + 1}: ` : "";
    return `  ${at}${e.text}`;
  });
  return new ModuleLoadError(`moorage: cannot bundle ${file}:\n${lines.join("\n")}`, location);
}

/**
 * Bundles and evaluates `file`. `root` is the project root (esbuild resolves the user's own imports from there).
 * Evaluation errors become `ModuleLoadError`s pointing at the user's line.
 */
export async function loadAuthoringModule(file: string, root: string): Promise<LoadedModule> {
  const tempDir = await mkdtemp(join(tmpdir(), "moorage-load-"));
  const outfile = join(tempDir, "module.mjs");
  try {
    let result: Awaited<ReturnType<typeof build>>;
    try {
      result = await build({
        entryPoints: [file],
        absWorkingDir: root,
        outfile,
        bundle: true,
        platform: "node",
        format: "esm",
        target: "node22",
        sourcemap: "external",
        write: false,
        logLevel: "silent",
        // Node built-ins stay imports; everything else (the user's helpers, small npm utilities) is inlined so the
        // bundle can run from a temp folder without a node_modules next to it.
        plugins: [resolveForNode],
        // The bundle runs in ESM, where bundled CommonJS dependencies may still call require().
        banner: {
          js: "import { createRequire as __moorageRequire } from 'node:module'; const require = __moorageRequire(import.meta.url);",
        },
      });
    } catch (error) {
      const errors = (error as { errors?: Message[] }).errors;
      if (errors && errors.length > 0) throw buildFailure(file, root, errors);
      throw error;
    }
    const js = result.outputFiles?.find((f) => f.path.endsWith(".mjs"));
    const map = result.outputFiles?.find((f) => f.path.endsWith(".map"));
    if (!js || !map) throw new Error(`moorage: esbuild produced no output for ${file}`);
    await writeFile(outfile, js.contents);
    const sourceMap = new SourceMap(JSON.parse(map.text));
    const locate = (stack: string | undefined) => locateInBundle(stack, outfile, sourceMap);

    let namespace: Record<string, unknown>;
    try {
      // A fresh file name per load, so `moorage dev` sees edits instead of Node's module cache.
      namespace = await import(/* @vite-ignore */ pathToFileURL(outfile).href);
    } catch (error) {
      const stack = error instanceof Error ? error.stack : undefined;
      const [where] = locate(stack);
      const what = error instanceof Error ? error.message : String(error);
      throw new ModuleLoadError(
        `moorage: ${where ? formatLocation(where) : file}: evaluating ${file} failed: ${what}`,
        where ?? undefined,
      );
    }
    return { namespace, locate };
  } finally {
    await rm(tempDir, { recursive: true, force: true });
  }
}

/** Stack frames look like `at fn (file:///tmp/x/module.mjs:12:7)` or `at file:///tmp/x/module.mjs:12:7`. */
const FRAME = /(?:file:\/\/)?(\/[^\s():]+|[A-Za-z]:[\\/][^\s():]+):(\d+):(\d+)/g;

function locateInBundle(stack: string | undefined, outfile: string, map: SourceMap): SourceLocation[] {
  if (!stack) return [];
  const bundleDir = dirname(outfile);
  const out: SourceLocation[] = [];
  for (const match of stack.matchAll(FRAME)) {
    const [, rawPath, line, column] = match;
    const path = rawPath?.startsWith("/") ? decodeURIComponent(rawPath) : rawPath;
    if (path === outfile) {
      const origin = map.findOrigin(Number(line), Number(column));
      if ("fileName" in origin && origin.fileName) {
        const source = origin.fileName.startsWith("file://")
          ? fileURLToPath(origin.fileName)
          : resolve(bundleDir, origin.fileName);
        out.push({ file: source, line: origin.lineNumber, column: origin.columnNumber });
      }
    } else if (path && !path.startsWith("node:") && !path.includes(`${bundleDir}`)) {
      // Already a source position (Node ran with --enable-source-maps, or a frame outside the bundle).
      out.push({ file: path, line: Number(line), column: Number(column) });
    }
  }
  return out;
}

export { formatLocation };
