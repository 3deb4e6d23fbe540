/**
 * Finds the wrangler config file `moorage sync` edits.
 *
 * Wrangler's own lookup order in a directory is `wrangler.json`, then `wrangler.jsonc`, then `wrangler.toml`
 * (`findWranglerConfig` in wrangler 4.164). Moorage follows that order exactly: editing a file wrangler then
 * ignores would be a silent no-op. TOML is refused with a message, because the edits must keep the user's
 * comments and formatting and Moorage only does that for JSON/JSONC text.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { MoorageConfigError } from "./errors.js";

export interface LocatedConfig {
  /** Absolute path. */
  path: string;
  /** Warnings about the lookup, e.g. a second config file wrangler will ignore. */
  warnings: string[];
}

const JSON_NAMES = ["wrangler.json", "wrangler.jsonc"] as const;

export function tomlMessage(tomlPath: string): string {
  const dir = path.dirname(tomlPath);
  return (
    `${tomlPath}: moorage sync edits wrangler.jsonc or wrangler.json (it keeps your comments and formatting, ` +
    `which it can only promise for JSON text), and this project uses wrangler.toml. Convert it once: create ` +
    `${path.join(dir, "wrangler.jsonc")} with the same settings in JSON form (wrangler reads it the same way; ` +
    `table [x] becomes "x": {...}, [[x]] becomes "x": [...]), delete wrangler.toml, then run moorage sync again.`
  );
}

/** `configPath` (absolute or relative to the project root) wins; otherwise wrangler's lookup order. */
export function locateWranglerConfig(projectRoot: string, configPath?: string): LocatedConfig {
  if (configPath !== undefined) {
    const resolved = path.resolve(projectRoot, configPath);
    if (resolved.endsWith(".toml")) throw new MoorageConfigError(resolved, tomlMessage(resolved));
    if (!existsSync(resolved)) {
      throw new MoorageConfigError(
        resolved,
        `${resolved}: the wrangler config given with configPath does not exist; pass the path of your wrangler.jsonc or wrangler.json`,
      );
    }
    return { path: resolved, warnings: [] };
  }
  const found = JSON_NAMES.map((name) => path.join(projectRoot, name)).filter((p) => existsSync(p));
  const toml = path.join(projectRoot, "wrangler.toml");
  const [first, second] = found;
  if (first === undefined) {
    if (existsSync(toml)) throw new MoorageConfigError(toml, tomlMessage(toml));
    throw new MoorageConfigError(
      path.join(projectRoot, "wrangler.jsonc"),
      `${projectRoot}: no wrangler.jsonc or wrangler.json found; run moorage sync in the Worker's project root ` +
        `(the folder with wrangler.jsonc), or create one with "name", "main" and "compatibility_date" first`,
    );
  }
  const warnings: string[] = [];
  if (second !== undefined) {
    warnings.push(
      `${second} is ignored: wrangler reads ${path.basename(first)} first when both exist, so moorage sync edits that one; delete the other file to avoid confusion`,
    );
  }
  return { path: first, warnings };
}
