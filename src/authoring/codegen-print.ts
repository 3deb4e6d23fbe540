/**
 * Prints plain JSON values as TypeScript literals in the repository's formatting style (2-space indent, double
 * quotes, trailing commas, bare keys where legal, short arrays on one line within 120 columns), so the generated
 * file reads like hand-formatted code and a formatter run leaves it unchanged. Keys are sorted: output depends
 * only on the values, never on the order a user wrote fields in.
 */

const LINE_WIDTH = 120;
const BARE_KEY = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function key(name: string): string {
  return BARE_KEY.test(name) ? name : JSON.stringify(name);
}

function isPrimitive(value: Json): value is null | boolean | number | string {
  return value === null || typeof value !== "object";
}

/** One-line form, or undefined when the value holds a nested object (those always break, like hand-written code). */
function inline(value: Json): string | undefined {
  if (isPrimitive(value)) return JSON.stringify(value);
  if (Array.isArray(value)) {
    const parts = value.map(inline);
    return parts.every((p) => p !== undefined) ? `[${parts.join(", ")}]` : undefined;
  }
  const entries = Object.keys(value).sort();
  if (entries.length === 0) return "{}";
  const parts = entries.map((k) => {
    const v = value[k] as Json;
    return isPrimitive(v) ? `${key(k)}: ${JSON.stringify(v)}` : undefined;
  });
  return parts.every((p) => p !== undefined) ? `{ ${parts.join(", ")} }` : undefined;
}

/**
 * The formatter always breaks an array of two or more objects (each with more than one key) or of two or more
 * arrays (each with more than one item), however short: a list of records reads better one per line.
 */
function alwaysBreaks(value: Json[]): boolean {
  if (value.length < 2) return false;
  const objects = value.every((v) => !isPrimitive(v) && !Array.isArray(v) && Object.keys(v).length > 1);
  const arrays = value.every((v) => Array.isArray(v) && v.length > 1);
  return objects || arrays;
}

/**
 * Prints `value` starting at column `column` with `indent` spaces of nesting. Objects always break onto lines
 * (the formatter keeps an object expanded when its first key is on a new line); arrays and the objects inside
 * them stay on one line when they fit.
 */
export function printValue(value: Json, indent = 0, column = 0): string {
  if (isPrimitive(value)) return JSON.stringify(value);
  const pad = " ".repeat(indent + 2);
  const close = " ".repeat(indent);
  if (Array.isArray(value)) {
    if (value.length === 0) return "[]";
    const one = alwaysBreaks(value) ? undefined : inline(value);
    if (one !== undefined && column + one.length + 1 <= LINE_WIDTH) return one;
    const items = value.map((item) => `${pad}${printArrayItem(item, indent + 2)},`);
    return `[\n${items.join("\n")}\n${close}]`;
  }
  const keys = Object.keys(value).sort();
  if (keys.length === 0) return "{}";
  const lines = keys.map((k) => {
    const prefix = `${pad}${key(k)}: `;
    return `${prefix}${printValue(value[k] as Json, indent + 2, prefix.length)},`;
  });
  return `{\n${lines.join("\n")}\n${close}}`;
}

function printArrayItem(item: Json, indent: number): string {
  const one = inline(item);
  if (one !== undefined && indent + one.length + 1 <= LINE_WIDTH) return one;
  return printValue(item, indent, indent);
}

export type { Json };
