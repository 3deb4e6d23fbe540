/**
 * Runs once, in Node, before the pool starts workerd: `moorage generate` and `moorage sync` for this example, as
 * a project would in a `pretest` script, so the generated classes and wrangler.jsonc exist when the pool reads
 * them.
 */
import { fileURLToPath } from "node:url";
import { main } from "../../../src/cli/main.js";

export default async function setup(): Promise<void> {
  const root = fileURLToPath(new URL("..", import.meta.url));
  const lines: string[] = [];
  const out = {
    info: (l: string) => lines.push(l),
    error: (l: string) => lines.push(l),
    ok: (l: string) => lines.push(l),
    warn: (l: string) => lines.push(l),
    fail: (l: string) => lines.push(l),
    dim: (t: string) => t,
    bold: (t: string) => t,
  };
  for (const command of ["generate", "sync"]) {
    if ((await main([command], out, root)) !== 0) {
      throw new Error(`moorage ${command} failed in ${root}:\n${lines.join("\n")}`);
    }
  }
}
