/**
 * Reading wrangler JSONC text.
 *
 * `moorage sync` never re-serializes the config: every change is a small text edit, so comments, key order,
 * blank lines and the user's indentation survive. This module owns the
 * reading side: parse errors with line/column, and the file's indentation and line endings. Writing is in
 * `jsonc-edit.ts`; what to change is decided by the planners.
 */
import { type JSONPath, type ParseError, parse, parseTree, printParseErrorCode } from "jsonc-parser";
import { MoorageConfigError } from "./errors.js";

/** One change to the config: set `value` at `path`, remove it when `value` is undefined, or append to an array. */
export interface EditOp {
  path: JSONPath;
  value: unknown;
  /** Append `value` to the array at `path` (the path names the array, not an index). */
  append?: boolean;
}

export const BOM = "\uFEFF";

/** Parses JSONC (comments and trailing commas allowed, as wrangler does) or throws a directed error. */
export function parseConfigText(file: string, text: string): Record<string, unknown> {
  const body = text.startsWith(BOM) ? text.slice(1) : text;
  const errors: ParseError[] = [];
  const value: unknown = parse(body, errors, { allowTrailingComma: true, disallowComments: false });
  const first = errors[0];
  if (first !== undefined) {
    const { line, column } = lineColumn(body, first.offset);
    throw new MoorageConfigError(
      file,
      `${file}:${line}:${column}: the file is not valid JSONC (${printParseErrorCode(first.error)}); fix the syntax at that position (wrangler would reject it too), then run moorage sync again. The file was not changed.`,
    );
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new MoorageConfigError(file, `${file}: the top level must be an object ({ "name": ..., "main": ... })`);
  }
  return value as Record<string, unknown>;
}

function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const lines = before.split("\n");
  return { line: lines.length, column: (lines[lines.length - 1] ?? "").length + 1 };
}

/** How the file writes JSON: one indentation unit and its line ending, so inserted text looks hand-written. */
export interface TextStyle {
  indentUnit: string;
  eol: string;
}

/** The indentation of the first top-level key is one unit (comments before `{` do not count). */
export function detectStyle(text: string): TextStyle {
  const eol = text.includes("\r\n") ? "\r\n" : "\n";
  const first = parseTree(text, [], { allowTrailingComma: true })?.children?.[0];
  const indent = first === undefined ? "" : lineIndent(text, first.offset);
  return { indentUnit: indent === "" ? "  " : indent, eol };
}

/** Leading whitespace of the line containing `offset`. */
export function lineIndent(text: string, offset: number): string {
  const start = text.lastIndexOf("\n", offset - 1) + 1;
  return /^[ \t]*/.exec(text.slice(start))?.[0] ?? "";
}
