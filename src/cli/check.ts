/**
 * One doctor line: a level in words (ok / warn / fail, so it reads without colour) and, when something is wrong,
 * the fix. Shared by `doctor`'s own checks and the local-engine checks so every line looks the same.
 */
import type { Output } from "./output.js";

/** `fail`: dev or deploy will not work (doctor exits 1). `warn`: works, but something degrades or may bite later. */
export type Level = "ok" | "warn" | "fail";

export interface Check {
  level: Level;
  message: string;
  fix?: string;
}

export function printChecks(out: Output, checks: readonly Check[]): void {
  for (const check of checks) {
    const line = check.fix ? `${check.message}\n        ${out.dim(`fix: ${check.fix}`)}` : check.message;
    out[check.level](line);
  }
}
