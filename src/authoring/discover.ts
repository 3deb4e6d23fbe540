/**
 * Discovery: what containers does this project declare?
 *
 * Evaluates `moorage/containers.ts` with validation deferred, keeps every export that `defineContainer`
 * produced (by brand, not by name, so aliases, helpers and re-exports all work), then validates each one with its
 * export name so messages read `defineContainer(transcoder): ...` followed by the user's `file:line`. Finally it
 * checks what only the file system can tell: that a Dockerfile image exists relative to the project root.
 *
 * Output is the sorted list codegen and sync consume. Module loading lives in `discover-load.ts`, shared with
 * server-function discovery (`discover-functions.ts`).
 */
import { existsSync, statSync } from "node:fs";
import { isAbsolute, join, relative, sep } from "node:path";
import { DEFER_VALIDATION, deferredDeclaration, isDefinedContainer, normalizeContainer } from "../definition/define.js";
import { assertDistinctNames, isValidExportName } from "../definition/naming.js";
import type { ContainerDefinition } from "../definition/types.js";
import { MoorageError, type MoorageErrorOptions } from "../errors.js";
import { formatLocation, loadAuthoringModule, type SourceLocation } from "./discover-load.js";
import { displayPath, type Project } from "./project.js";

/** One declared container, validated. */
export interface DiscoveredContainer {
  exportName: string;
  definition: ContainerDefinition;
  /** Where `defineContainer` was called (or the export line, for helpers), when it could be told. */
  location: SourceLocation | undefined;
}

/** A declaration that is wrong. The message names the export, the field, the fix, and the user's `file:line`. */
export class DiscoveryError extends MoorageError<"invalid-declaration"> {
  override name = "DiscoveryError";
  constructor(message: string, options?: MoorageErrorOptions) {
    super("invalid-declaration", message, options);
  }
}

/**
 * Runs `fn` with `defineContainer` deferring validation, restoring whatever was there before. Function discovery
 * uses it too: a function module that imports the declarations must not report a bad container a second time.
 */
export async function withDeferredValidation<T>(fn: () => Promise<T>): Promise<T> {
  const global = globalThis as Record<symbol, unknown>;
  const had = Object.hasOwn(global, DEFER_VALIDATION);
  const previous = global[DEFER_VALIDATION];
  global[DEFER_VALIDATION] = true;
  try {
    return await fn();
  } finally {
    if (had) global[DEFER_VALIDATION] = previous;
    else delete global[DEFER_VALIDATION];
  }
}

/**
 * Picks the most useful frame: a line in the declarations file (the export line, even through a helper), else
 * the first line in the user's project that is not Moorage's own code.
 */
function pickLocation(frames: SourceLocation[], project: Project): SourceLocation | undefined {
  const own = join("src", "definition") + sep;
  const userFrames = frames.filter((f) => !f.file.includes(own) && !f.file.includes(`${sep}node_modules${sep}`));
  return (
    userFrames.find((f) => f.file === project.containersFile) ??
    userFrames.find((f) => !relative(project.root, f.file).startsWith("..")) ??
    userFrames[0]
  );
}

function checkImageOnDisk(project: Project, exportName: string, definition: ContainerDefinition): string | undefined {
  const images = definition.images
    ? Object.entries(definition.images).map(([name, source]) => [`images.${name}`, source] as const)
    : [["image", definition.image] as const];
  for (const [field, source] of images) {
    if (source.kind !== "dockerfile") continue;
    const { dockerfile, context } = source;
    const abs = (p: string) => (isAbsolute(p) ? p : join(project.root, p));
    const contextPath = abs(context);
    if (!existsSync(contextPath) || !statSync(contextPath).isDirectory()) {
      return `defineContainer(${exportName}): "${field}" build context ${JSON.stringify(context)} does not exist (looked for ${displayPath(project, contextPath)} relative to the project root ${project.root}); create it with a Dockerfile or fix the path`;
    }
    const dockerfilePath = abs(dockerfile);
    if (!existsSync(dockerfilePath)) {
      return `defineContainer(${exportName}): "${field}" needs a Dockerfile at ${displayPath(project, dockerfilePath)}, which does not exist; add one or point "${field}" at the folder that has it`;
    }
  }
  return undefined;
}

/**
 * Discovers and validates the project's containers, sorted by export name. Throws `DiscoveryError` (a bad
 * declaration, a missing image, two names that collide) or `ModuleLoadError` (the module does not bundle or run).
 */
export async function discoverContainers(project: Project): Promise<DiscoveredContainer[]> {
  if (!existsSync(project.containersFile)) {
    throw new DiscoveryError(
      `moorage: ${displayPath(project, project.containersFile)} not found; run \`moorage init\` or create it with one \`export const name = defineContainer({...})\` per container`,
    );
  }
  const loaded = await withDeferredValidation(() => loadAuthoringModule(project.containersFile, project.root));

  const found: DiscoveredContainer[] = [];
  const seen = new Map<object, string>();
  for (const exportName of Object.keys(loaded.namespace).sort()) {
    const value = loaded.namespace[exportName];
    if (!isDefinedContainer(value)) continue;
    const deferred = deferredDeclaration(value);
    const location = pickLocation(loaded.locate(deferred?.stack), project);
    const at = location ? ` (at ${formatLocation({ ...location, file: displayPath(project, location.file) })})` : "";
    const twin = seen.get(value);
    if (twin !== undefined) {
      // `export { transcoder as tc }` would silently give the same container two classes and two bindings.
      throw new DiscoveryError(
        `moorage: one defineContainer() declaration is exported twice, as "${twin}" and "${exportName}"${at}; export it once, or call defineContainer again for a second container`,
      );
    }
    seen.set(value, exportName);
    if (exportName === "default" || !isValidExportName(exportName)) {
      throw new DiscoveryError(
        `moorage: a container is exported as "${exportName}"${at}; export it under a name, e.g. \`export const transcoder = defineContainer({...})\`, because the name becomes its class and binding`,
      );
    }
    let definition: ContainerDefinition;
    if (deferred) {
      try {
        definition = normalizeContainer(deferred.config, exportName);
      } catch (error) {
        throw new DiscoveryError(`${(error as Error).message}${at}`);
      }
    } else {
      // Built before discovery turned deferral on (e.g. imported from an already-loaded module): already valid.
      const { ...plain } = value;
      definition = plain;
    }
    const missing = checkImageOnDisk(project, exportName, definition);
    if (missing) throw new DiscoveryError(`${missing}${at}`);
    found.push({ exportName, definition, location });
  }
  try {
    assertDistinctNames(found.map((c) => c.exportName));
  } catch (error) {
    throw new DiscoveryError((error as Error).message);
  }
  return found;
}
