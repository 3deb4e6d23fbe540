/**
 * Watches the declarations folder for `moorage dev` and calls back, debounced, when a declaration changes.
 * Ignores `_generated/` (our own output, so regenerating never triggers itself), dotfiles and editor swap files.
 */
import { type FSWatcher, watch } from "node:fs";
import { sep } from "node:path";
import { GENERATED_DIR } from "../authoring/project.js";

export interface Watcher {
  close(): void;
}

/** True for a change worth regenerating for (a path relative to the watched folder). */
export function isRelevantChange(relativePath: string): boolean {
  const parts = relativePath.split(/[\\/]/);
  if (parts[0] === GENERATED_DIR) return false;
  const base = parts[parts.length - 1] ?? "";
  if (base.startsWith(".") || base.endsWith("~") || base.endsWith(".swp") || base.endsWith(".tmp")) return false;
  return /\.(c|m)?(t|j)sx?$|\.json$/.test(base);
}

/**
 * Calls `onChange` once per burst of relevant changes, `delayMs` after the last one. A change arriving while
 * `onChange` runs schedules exactly one more run after it, so edits are never lost and runs never overlap.
 */
export function watchDeclarations(folder: string, onChange: () => Promise<void>, delayMs = 150): Watcher {
  let timer: NodeJS.Timeout | undefined;
  let running = false;
  let again = false;
  const fire = async () => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      await onChange();
    } finally {
      running = false;
      if (again) {
        again = false;
        schedule();
      }
    }
  };
  const schedule = () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => void fire(), delayMs);
  };
  const watcher: FSWatcher = watch(folder, { recursive: true }, (_event, filename) => {
    if (filename && isRelevantChange(filename.toString().split(sep).join("/"))) schedule();
  });
  return {
    close() {
      if (timer) clearTimeout(timer);
      watcher.close();
    },
  };
}
