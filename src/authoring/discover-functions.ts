/**
 * Server-function discovery: which functions does this project expose over RPC?
 *
 * Function modules live next to the declarations: every `.ts`/`.mts` file under `moorage/` except
 * `containers.ts`, `_generated/`, tests and type declarations, and folders that are a container's build context
 * (they hold a Dockerfile: code that runs *inside* a container must never be evaluated here). Each module is
 * loaded the way declarations are (`discover-load.ts`) and its exports that `query`/`mutation`/`action` built
 * are collected, recognised by shape (`isMoorageFunction`) so builders from `createFunctions` or re-exports work.
 * A function's path is `<file>:<export>`, `<dir>/<file>:<export>` for nested folders.
 *
 * Output is sorted and consumed by `codegen-functions.ts`. Boundary: Node-only; reads and evaluates, never writes.
 */
import { readdirSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { type FunctionKind, isMoorageFunction } from "../server/functions.js";
import { DiscoveryError, withDeferredValidation } from "./discover.js";
import { loadAuthoringModule } from "./discover-load.js";
import { CONTAINERS_FILE, displayPath, GENERATED_DIR, type Project } from "./project.js";

export interface DiscoveredFunction {
  exportName: string;
  kind: FunctionKind;
}

export interface DiscoveredFunctionModule {
  /** Absolute path of the module. */
  file: string;
  /** The path's file part: `jobs`, or `admin/users` for `moorage/admin/users.ts`. */
  modulePath: string;
  /** The module's file name as imported from `_generated/` (`.ts` -> `.js`, `.mts` -> `.mjs`). */
  importPath: string;
  /** Sorted by export name. */
  functions: DiscoveredFunction[];
}

const MODULE_FILE = /\.m?ts$/;
const NOT_A_MODULE = /(\.d\.m?ts|\.(test|spec)\.m?ts)$/;

/** Whether a folder is a container's build context rather than function code. */
function isBuildContext(names: readonly string[]): boolean {
  return names.some((name) => name.startsWith("Dockerfile"));
}

/** Candidate function modules under the declarations folder, sorted by path. */
export function functionModuleFiles(project: Project): string[] {
  const out: string[] = [];
  const walk = (dir: string, top: boolean) => {
    const entries = readdirSync(dir, { withFileTypes: true });
    if (!top && isBuildContext(entries.map((e) => e.name))) return;
    for (const entry of entries) {
      if (entry.name.startsWith(".") || entry.name === "node_modules") continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!(top && entry.name === GENERATED_DIR)) walk(path, false);
      } else if (MODULE_FILE.test(entry.name) && !NOT_A_MODULE.test(entry.name)) {
        if (!(top && entry.name === CONTAINERS_FILE)) out.push(path);
      }
    }
  };
  walk(project.dir, true);
  return out.sort();
}

function modulePathOf(project: Project, file: string): string {
  return relative(project.dir, file).split(sep).join("/").replace(MODULE_FILE, "");
}

/**
 * Discovers the project's server functions, modules sorted by path and functions by export name; modules without
 * functions (builders, helpers, shared schemas) are left out. Throws `ModuleLoadError` (file:line) when a module
 * does not bundle or evaluate, `DiscoveryError` when two modules or a module and a folder claim the same name.
 */
export async function discoverFunctions(project: Project): Promise<DiscoveredFunctionModule[]> {
  const modules: DiscoveredFunctionModule[] = [];
  const owners = new Map<string, string>();
  for (const file of functionModuleFiles(project)) {
    const modulePath = modulePathOf(project, file);
    const shown = displayPath(project, file);
    const twin = owners.get(modulePath);
    if (twin !== undefined) {
      throw new DiscoveryError(
        `moorage: ${twin} and ${shown} both define the function module "${modulePath}"; rename one of them`,
      );
    }
    owners.set(modulePath, shown);
    if (modulePath.includes(":")) {
      throw new DiscoveryError(
        `moorage: ${shown}: a function module's path cannot contain ":" (it separates file and export in "jobs:listPending"); rename the file`,
      );
    }
    const loaded = await withDeferredValidation(() => loadAuthoringModule(file, project.root));
    const functions = Object.keys(loaded.namespace)
      .sort()
      .flatMap((exportName): DiscoveredFunction[] => {
        const value = loaded.namespace[exportName];
        return isMoorageFunction(value) ? [{ exportName, kind: value.kind }] : [];
      });
    if (functions.length === 0) continue;
    const importPath = `${relative(project.dir, file).split(sep).join("/").replace(/ts$/, "js")}`;
    modules.push({ file, modulePath, importPath, functions });
  }
  assertApiTree(project, modules);
  return modules;
}

/**
 * `api.admin.users` cannot be both the function `users` of `admin.ts` and the module `admin/users.ts`: one of the
 * two would be unreachable from typed references. Say which two collide.
 */
function assertApiTree(project: Project, modules: readonly DiscoveredFunctionModule[]): void {
  const folders = new Map<string, string>();
  for (const m of modules) {
    const segments = m.modulePath.split("/");
    for (let i = 1; i < segments.length; i++) folders.set(segments.slice(0, i).join("/"), displayPath(project, m.file));
    folders.set(m.modulePath, displayPath(project, m.file));
  }
  for (const m of modules) {
    for (const f of m.functions) {
      const other = folders.get(`${m.modulePath}/${f.exportName}`);
      if (other !== undefined) {
        throw new DiscoveryError(
          `moorage: api.${m.modulePath.split("/").join(".")}.${f.exportName} would name both the function "${f.exportName}" in ${displayPath(project, m.file)} and the module ${other}; rename the export or the file`,
        );
      }
    }
  }
}
