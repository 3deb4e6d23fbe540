/**
 * Scenario 7: `moorage generate` + `moorage sync` wall time for 1, 50 and 200 declared containers, run with the
 * BUILT CLI exactly as a user runs it (`moorage generate && moorage sync`: two processes).
 *
 * Each repetition uses a fresh temp project (wrangler.jsonc without container entries, a Worker entry that
 * re-exports the generated module, one real Dockerfile per container), so every run does the full first-time
 * work: discovery, codegen, and adding N containers[] entries, bindings and a migration. Reported: the median.
 * Boundary: writes only under the OS temp folder and removes it.
 */
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { CLI } from "../lib/fixture.js";
import { median } from "../lib/stats.js";

const execFileP = promisify(execFile);

export interface AuthoringRow {
  containers: number;
  /** Median wall time of generate + sync (ms), and each part. */
  totalMs: number;
  generateMs: number;
  syncMs: number;
  runs: number[];
}

function makeProject(n: number): string {
  const dir = mkdtempSync(join(tmpdir(), `moorage-bench-authoring-${n}-`));
  mkdirSync(join(dir, "moorage"));
  mkdirSync(join(dir, "src"));
  mkdirSync(join(dir, "containers"));
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: `authoring-${n}`, private: true, type: "module" }));
  writeFileSync(
    join(dir, "wrangler.jsonc"),
    `// authoring benchmark project (${n} containers)\n{\n  "name": "authoring-${n}",\n  "main": "src/index.ts",\n  "compatibility_date": "2026-11-01"\n}\n`,
  );
  writeFileSync(
    join(dir, "src", "index.ts"),
    `export * from "../moorage/_generated/containers";\nexport default {};\n`,
  );
  const decls = ['import { defineContainer } from "moorage";', ""];
  for (let i = 0; i < n; i++) {
    writeFileSync(
      join(dir, "containers", `Dockerfile.svc${i}`),
      `FROM moorage/node-base:22\nCMD ["node", "-e", "0"]\n`,
    );
    decls.push(
      `export const svc${i} = defineContainer({ image: "./containers/Dockerfile.svc${i}", sleepAfter: "5m"${i % 3 === 0 ? ", maxInstances: 3" : ""} });`,
    );
  }
  writeFileSync(join(dir, "moorage", "containers.ts"), `${decls.join("\n")}\n`);
  return dir;
}

async function cli(command: string, cwd: string): Promise<number> {
  const t0 = performance.now();
  await execFileP(process.execPath, [CLI, command, "--cwd", cwd], { env: { ...process.env, NO_COLOR: "1" } });
  return performance.now() - t0;
}

export async function authoring(sizes = [1, 50, 200], reps = 3): Promise<AuthoringRow[]> {
  const rows: AuthoringRow[] = [];
  for (const n of sizes) {
    const gen: number[] = [];
    const sync: number[] = [];
    const total: number[] = [];
    for (let r = 0; r < reps; r++) {
      const dir = makeProject(n);
      try {
        const g = await cli("generate", dir);
        const s = await cli("sync", dir);
        gen.push(g);
        sync.push(s);
        total.push(g + s);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
    const round = (x: number) => Math.round(x);
    rows.push({
      containers: n,
      totalMs: round(median(total)),
      generateMs: round(median(gen)),
      syncMs: round(median(sync)),
      runs: total.map(round),
    });
  }
  return rows;
}
