/**
 * Reads the files `moorage init` writes from the package's `templates/init/` folder and fills in their
 * `{{placeholders}}`. The folder sits at the package root, two levels above this module in both `src/cli/` and
 * `dist/cli/`, so the same lookup works from source and from the built package.
 */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const TEMPLATES = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "templates", "init");

/** Fills `{{key}}`; an unknown placeholder is a bug in the template, so it throws instead of leaking braces. */
export function renderTemplate(name: string, values: Record<string, string>): string {
  const text = readFileSync(join(TEMPLATES, name), "utf8");
  return text.replace(/\{\{(\w+)\}\}/g, (_, key: string) => {
    const value = values[key];
    if (value === undefined) throw new Error(`moorage: template ${name} uses {{${key}}}, which init does not provide`);
    return value;
  });
}
