/**
 * Checks, by reading its text (never executing it), that the Worker's `main` module exports the generated
 * container classes.
 *
 * Wrangler binds a Durable Object class by its export name from `main`; a class Moorage generated but the entry
 * does not export makes `wrangler deploy` fail with a message that does not mention Moorage. Only warns: the
 * user may re-export through files this check cannot follow.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { reExportLine } from "../project.js";

export interface MainExportsInput {
  file: string;
  root: Record<string, unknown>;
  configDir: string;
  classNames: string[];
  /** Absolute path of `moorage/_generated/containers.ts`. */
  generatedModule: string;
}

const STAR_EXPORT = /export\s*\*\s*from\s*["']([^"']+)["']/g;
const GENERATED_SUFFIX = /(^|\/)_generated\/containers(\.[mc]?[jt]s)?$/;

export function checkMainExports(input: MainExportsInput): string[] {
  if (input.classNames.length === 0) return [];
  const main = input.root.main;
  if (typeof main !== "string") {
    return [
      `${input.file}: no "main" is set, so the Worker cannot export the container classes; set "main" to your Worker entry and add ${reExportLine(input.configDir, input.generatedModule)} to it`,
    ];
  }
  const mainPath = path.resolve(input.configDir, main);
  if (!existsSync(mainPath)) {
    return [
      `${mainPath} ("main" in ${input.file}) does not exist; create it and add ${reExportLine(path.dirname(mainPath), input.generatedModule)}`,
    ];
  }
  const text = stripComments(readFileSync(mainPath, "utf8"));
  const generated = withoutExtension(input.generatedModule);
  for (const match of text.matchAll(STAR_EXPORT)) {
    const specifier = match[1] ?? "";
    if (specifier.startsWith(".") && withoutExtension(path.resolve(path.dirname(mainPath), specifier)) === generated)
      return [];
    // Path aliases (`@/moorage/_generated/containers`) cannot be resolved without the bundler; trust the name.
    if (!specifier.startsWith(".") && GENERATED_SUFFIX.test(specifier)) return [];
  }
  const missing = input.classNames.filter((cls) => !exportsName(text, cls));
  if (missing.length === 0) return [];
  return [
    `${mainPath} does not export ${missing.join(", ")}; wrangler needs every Durable Object class exported from "main". Add this line to it: ${reExportLine(path.dirname(mainPath), input.generatedModule)}`,
  ];
}

function exportsName(text: string, name: string): boolean {
  const n = name.replace(/\$/g, "\\$");
  return (
    new RegExp(`export\\s*(type\\s+)?\\{[^}]*\\b${n}\\b[^}]*\\}`).test(text) ||
    new RegExp(`export\\s+(abstract\\s+)?(class|const|let|var|function)\\s+${n}\\b`).test(text)
  );
}

function withoutExtension(p: string): string {
  return p.replace(/\.[mc]?[jt]s$/, "");
}

/** Good enough for export statements: a commented-out re-export must not count. */
function stripComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:"'])\/\/.*$/gm, "$1");
}
