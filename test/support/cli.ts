/**
 * Shared by the CLI's unit tests: an `Output` that records every line (with its level) instead of printing, and
 * temporary folders removed after the file's tests.
 */
import { rmSync } from "node:fs";
import { afterAll } from "vitest";
import type { Output } from "../../src/cli/output.js";

export function captureOutput(): Output & { lines: string[]; text(): string } {
  const lines: string[] = [];
  return {
    lines,
    text: () => lines.join("\n"),
    info: (l) => lines.push(l),
    error: (l) => lines.push(l),
    ok: (l) => lines.push(`ok ${l}`),
    warn: (l) => lines.push(`warn ${l}`),
    fail: (l) => lines.push(`fail ${l}`),
    dim: (t) => t,
    bold: (t) => t,
  };
}

/** A list of temporary folders that is emptied (and the folders removed) after the calling test file. */
export function tempFolders(): string[] {
  const temps: string[] = [];
  afterAll(() => {
    for (const t of temps) rmSync(t, { recursive: true, force: true });
  });
  return temps;
}
