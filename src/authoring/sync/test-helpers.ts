/**
 * Test-only helpers for the sync tests: copy a wrangler fixture project to a temporary directory and build
 * normalized container definitions the way discovery would. Not exported from the package.
 */
import { cp, mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { normalizeContainer } from "../../definition/define.js";
import type { ContainerConfig, ContainerDefinition } from "../../definition/types.js";

const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../test/fixtures/wrangler");

/** A fresh copy of `test/fixtures/wrangler/<name>`; returns its path. */
export async function copyFixture(name: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), `moorage-sync-${name}-`));
  await cp(path.join(FIXTURES, name), dir, { recursive: true });
  return dir;
}

export type Declarations = Record<string, ContainerConfig>;

/** `{ exportName: config }` -> what discovery hands to `syncWranglerConfig`. */
export function declare(configs: Declarations): Array<{ exportName: string; definition: ContainerDefinition }> {
  return Object.entries(configs).map(([exportName, config]) => ({
    exportName,
    definition: normalizeContainer(config, exportName),
  }));
}

export function read(dir: string, file = "wrangler.jsonc"): Promise<string> {
  return readFile(path.join(dir, file), "utf8");
}
