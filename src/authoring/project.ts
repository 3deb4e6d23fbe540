/**
 * Where a Moorage project lives on disk: its root (the folder holding the wrangler config, else `package.json`)
 * and its declarations folder (`moorage/` unless configured).
 *
 * Every authoring step (discovery, codegen, sync, the CLI) resolves paths through this module so that "the
 * project root" means one thing everywhere: relative `image` paths, the generated file and the wrangler file all
 * hang off it. Node-only; reads the file system but never writes.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, isAbsolute, join, relative, resolve, sep } from "node:path";

/** Wrangler config file names, in the order wrangler itself looks them up (json before jsonc before toml). */
export const WRANGLER_FILES = ["wrangler.json", "wrangler.jsonc", "wrangler.toml"] as const;
/** The declarations folder when neither `--dir` nor `package.json#moorage.dir` says otherwise. */
export const DEFAULT_DIR = "moorage";
/** The declarations module, inside the declarations folder. */
export const CONTAINERS_FILE = "containers.ts";
/** Generated code, inside the declarations folder. Discovery never reads it. */
export const GENERATED_DIR = "_generated";
/** Generated server-function registry and typed references, inside `_generated/` (only when functions exist). */
export const REGISTRY_FILE = "registry.ts";
export const API_FILE = "api.ts";

export interface Project {
  /** Absolute project root. */
  root: string;
  /** Absolute declarations folder (`<root>/moorage`). */
  dir: string;
  /** Absolute `moorage/containers.ts`. */
  containersFile: string;
  /** Absolute `moorage/_generated`. */
  generatedDir: string;
  /** Absolute `moorage/_generated/containers.ts`. */
  generatedContainersFile: string;
  /** Absolute `moorage/_generated/registry.ts` (server functions by path). */
  generatedRegistryFile: string;
  /** Absolute `moorage/_generated/api.ts` (typed references to them). */
  generatedApiFile: string;
  /** Absolute path of the wrangler config, when there is one. */
  wranglerFile: string | undefined;
}

export interface ProjectOptions {
  /** Where to start looking; default `process.cwd()`. */
  cwd?: string;
  /** Declarations folder relative to the root (the CLI's `--dir`); overrides `package.json#moorage.dir`. */
  dir?: string;
}

function findWranglerFile(folder: string): string | undefined {
  for (const name of WRANGLER_FILES) {
    const candidate = join(folder, name);
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

/**
 * Walks up from `cwd` to the nearest folder with a wrangler config; if none, the nearest with a `package.json`;
 * if none, `cwd` itself. Running a command from `src/` therefore still finds the project, like wrangler does.
 */
export function findProjectRoot(cwd: string): string {
  let packageRoot: string | undefined;
  for (let folder = resolve(cwd); ; folder = dirname(folder)) {
    if (findWranglerFile(folder)) return folder;
    if (packageRoot === undefined && existsSync(join(folder, "package.json"))) packageRoot = folder;
    if (dirname(folder) === folder) break;
  }
  return packageRoot ?? resolve(cwd);
}

function configuredDir(root: string): string | undefined {
  const pkgPath = join(root, "package.json");
  if (!existsSync(pkgPath)) return undefined;
  let pkg: unknown;
  try {
    pkg = JSON.parse(readFileSync(pkgPath, "utf8"));
  } catch (error) {
    throw new Error(`moorage: ${pkgPath} is not valid JSON (${(error as Error).message}); fix it and run again`);
  }
  const dir = (pkg as { moorage?: { dir?: unknown } }).moorage?.dir;
  if (dir === undefined) return undefined;
  if (typeof dir !== "string" || dir.length === 0) {
    throw new Error(
      `moorage: "moorage.dir" in ${pkgPath} must be a folder name like "moorage" (got ${JSON.stringify(dir)})`,
    );
  }
  return dir;
}

/** Resolves the project around `cwd`. Pure path work: nothing has to exist yet (`init` uses it on a fresh project). */
export function resolveProject(options: ProjectOptions = {}): Project {
  const root = findProjectRoot(options.cwd ?? process.cwd());
  const dirName = options.dir ?? configuredDir(root) ?? DEFAULT_DIR;
  const dir = isAbsolute(dirName) ? dirName : join(root, dirName);
  const generatedDir = join(dir, GENERATED_DIR);
  return {
    root,
    dir,
    containersFile: join(dir, CONTAINERS_FILE),
    generatedDir,
    generatedContainersFile: join(generatedDir, CONTAINERS_FILE),
    generatedRegistryFile: join(generatedDir, REGISTRY_FILE),
    generatedApiFile: join(generatedDir, API_FILE),
    wranglerFile: findWranglerFile(root),
  };
}

/** A path as users see it in messages: relative to the project root, with forward slashes. */
export function displayPath(project: Pick<Project, "root">, absolute: string): string {
  const rel = relative(project.root, absolute);
  return (rel === "" ? "." : rel).split("\\").join("/");
}

/** An import specifier from a module in `fromDir` to `toFile`: relative, forward slashes, no `.ts` extension. */
export function importSpecifier(fromDir: string, toFile: string): string {
  const rel = relative(fromDir, toFile.replace(/\.[mc]?[jt]s$/, ""))
    .split(sep)
    .join("/");
  return rel.startsWith(".") ? rel : `./${rel}`;
}

/**
 * The one line the Worker's `main` module needs so wrangler can bind the generated classes. `init` prints it and
 * `sync` suggests it when `main` lacks a class, so users never see two different fixes for one problem.
 *
 * `export *` rather than `export { MoorageOutbound, HelloContainer }`: a named list goes stale the moment a second
 * container is declared (sync would then warn and deploy would fail on the unexported class), while `export *`
 * keeps covering every class `moorage generate` adds. Its other exports (`containers`, `definitions`,
 * `containerSpecs`) are harmless extra named exports for workerd; the example app runs this way.
 */
export function reExportLine(fromDir: string, generatedModule: string): string {
  return `export * from "${importSpecifier(fromDir, generatedModule)}";`;
}
