/**
 * The one place where names are derived from a container's export name.
 *
 * Codegen (class names), sync (bindings, `containers[].name`, migrations), the runtime client (which binding to
 * read, pool instance names) and the DO base class all import from here, so a name can never drift between the
 * generated code, `wrangler.jsonc` and what the Worker looks up at run time. Pure functions: safe in Node and
 * workerd alike.
 */
import { MoorageError } from "../errors.js";

/** Prefix of every container Durable Object binding: `imageResizer` -> `CONTAINER_IMAGE_RESIZER`. */
export const BINDING_PREFIX = "CONTAINER_";
/** Suffix of every generated Durable Object class: `imageResizer` -> `ImageResizerContainer`. */
export const CLASS_SUFFIX = "Container";
/**
 * Instance names starting with this belong to Moorage, never to `get(id)`: `get()` refuses them, so no caller can
 * reach (or impersonate, through the bridge identity) an instance Moorage names itself.
 */
export const RESERVED_INSTANCE_PREFIX = "moorage:";
/** Pool instances are Durable Objects named `moorage:pool:0` ... `moorage:pool:(N-1)`, inside the reserved space. */
export const POOL_INSTANCE_PREFIX = `${RESERVED_INSTANCE_PREFIX}pool:`;
/** Pool size when a definition sets no `maxInstances`. */
export const DEFAULT_POOL_SIZE = 3;

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** True when `name` can be a container export name (a JavaScript identifier). */
export function isValidExportName(name: string): boolean {
  return IDENTIFIER.test(name);
}

/**
 * Splits an identifier into words: `imageResizer` -> [image, resizer], `ffmpeg2Pass` -> [ffmpeg2, pass],
 * `HTTPServer` -> [http, server], `snake_case` -> [snake, case]. A digit stays with the word before it.
 */
export function words(name: string): string[] {
  return name
    .replace(/\$/g, "_")
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1_$2")
    .split("_")
    .filter((w) => w.length > 0)
    .map((w) => w.toLowerCase());
}

/** `imageResizer` -> `ImageResizerContainer`. */
export function className(exportName: string): string {
  return `${words(exportName)
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join("")}${CLASS_SUFFIX}`;
}

/** `imageResizer` -> `CONTAINER_IMAGE_RESIZER`; `ffmpeg2Pass` -> `CONTAINER_FFMPEG2_PASS`. */
export function bindingName(exportName: string): string {
  return `${BINDING_PREFIX}${words(exportName).join("_").toUpperCase()}`;
}

/**
 * The wrangler `containers[].name` and local image tag: `<worker>-image-resizer`. Each container gets its own,
 * so two containers built from one Dockerfile never share an image (upstream containers#211).
 */
export function imageName(exportName: string, workerName?: string): string {
  const base = words(exportName).join("-");
  return workerName ? `${workerName}-${base}` : base;
}

/** `moorage:pool:0` ... `moorage:pool:(size-1)`: the Durable Object names behind `any()` and `pool()`. */
export function poolInstanceName(index: number): string {
  return `${POOL_INSTANCE_PREFIX}${index}`;
}

/** The pool index of a pool instance name (`moorage:pool:2` -> 2), or undefined for any other name. */
export function poolIndexOf(instance: string): number | undefined {
  if (!instance.startsWith(POOL_INSTANCE_PREFIX)) return undefined;
  const rest = instance.slice(POOL_INSTANCE_PREFIX.length);
  return /^(0|[1-9]\d{0,5})$/.test(rest) ? Number(rest) : undefined;
}

/** True for a name in Moorage's reserved space (`moorage:...`), which `get(id)` refuses. */
export function isReservedInstanceName(instance: string): boolean {
  return instance.startsWith(RESERVED_INSTANCE_PREFIX);
}

/**
 * Why `id` cannot be a `get(id)` instance, or undefined when it can. Any non-empty string outside the reserved space
 * can: whitespace, any Unicode, any length the platform takes. Each id is its own object (`idFromName(id)`) and its
 * own identity (the name travels percent-encoded, so nothing trims or rewrites it).
 */
export function instanceIdProblem(id: unknown): string | undefined {
  if (typeof id !== "string") return `the id must be a string (got ${id === null ? "null" : typeof id})`;
  if (id.length === 0) return "the id must not be empty";
  if (isReservedInstanceName(id)) {
    return `ids starting with "${RESERVED_INSTANCE_PREFIX}" are reserved for Moorage's own instances (pools use "${POOL_INSTANCE_PREFIX}N"); use another prefix, or reach the pool with any() or pool()`;
  }
  return undefined;
}

/** The names codegen, sync and the runtime use for one container. */
export interface ContainerNames {
  exportName: string;
  className: string;
  binding: string;
  imageName: string;
}

export function namesFor(exportName: string, workerName?: string): ContainerNames {
  return {
    exportName,
    className: className(exportName),
    binding: bindingName(exportName),
    imageName: imageName(exportName, workerName),
  };
}

/**
 * Fails when two export names map to the same class or binding (`imageResizer` and `image_resizer` both give
 * `CONTAINER_IMAGE_RESIZER`), naming both exports.
 */
export function assertDistinctNames(exportNames: readonly string[]): void {
  const seen = new Map<string, string>();
  for (const exportName of exportNames) {
    for (const derived of [bindingName(exportName), className(exportName)]) {
      const other = seen.get(derived);
      if (other !== undefined && other !== exportName) {
        throw new MoorageError(
          "name-conflict",
          `moorage: exports "${other}" and "${exportName}" both map to "${derived}"; rename one of them so each container gets its own class and binding`,
        );
      }
      seen.set(derived, exportName);
    }
  }
}
