/**
 * Every TypeScript code block of README.md is either typechecked here, as part of one small project built the way
 * the README says (its `moorage/containers.ts` block, `moorage generate` + `moorage sync`, `Env` from
 * `wrangler types`), or marked in the README as a fragment with the reason, on the line before the fence:
 *   <!-- readme-test: fragment: uses names from the surrounding text -->
 * So a README edit that breaks a checked block, or adds an unmarked block that does not compile, fails here.
 * (readme.test.ts runs the test-double block as well.)
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import ts from "typescript";
import { beforeAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { captureOutput, tempFolders } from "../support/cli.js";

const REPO = resolve(import.meta.dirname, "..", "..");
const FRAGMENT = /^<!-- readme-test: fragment: (.+) -->$/;

interface Block {
  line: number;
  code: string;
  /** The reason, for a block marked as a fragment. */
  fragment: string | undefined;
  /** Where the block says it lives (`// moorage/containers.ts` on its first line). */
  path: string | undefined;
}

function readmeBlocks(): Block[] {
  const lines = readFileSync(join(REPO, "README.md"), "utf8").split("\n");
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)```(ts|typescript)\s*$/.exec(lines[i] ?? "");
    if (!open) continue;
    const indent = open[1] ?? "";
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && (lines[i] ?? "").trim() !== "```"; i++)
      body.push((lines[i] ?? "").slice(indent.length));
    let marker = start - 1;
    while (marker >= 0 && (lines[marker] ?? "").trim() === "") marker--;
    const fragment = FRAGMENT.exec((lines[marker] ?? "").trim())?.[1];
    const first = /^\/\/ ([\w./-]+\.ts)\b/.exec(body[0] ?? "")?.[1];
    blocks.push({ line: start + 1, code: `${body.join("\n")}\n`, fragment, path: first });
  }
  return blocks;
}

const blocks = readmeBlocks();
const checked = blocks.filter((b) => b.fragment === undefined);
const temps = tempFolders();
let root: string;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "moorage-readme-"));
  temps.push(root);
  symlinkSync(join(REPO, "node_modules"), join(root, "node_modules"));
  writeFileSync(
    join(root, "wrangler.jsonc"),
    '{\n  "name": "readme-app",\n  "main": "src/index.ts",\n  "compatibility_date": "2026-08-01"\n}\n',
  );
  writeFileSync(join(root, "package.json"), '{ "name": "readme-app", "private": true, "type": "module" }\n');
  for (const b of checked) {
    const file = join(root, b.path ?? `test/readme-line-${b.line}.ts`);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, b.code);
  }
  mkdirSync(join(root, "containers", "transcoder"), { recursive: true });
  writeFileSync(join(root, "containers", "transcoder", "Dockerfile"), "FROM scratch\n");
  const out = captureOutput();
  for (const command of ["generate", "sync"]) {
    if ((await main([command], out, root)) !== 0) throw new Error(`moorage ${command}:\n${out.text()}`);
  }
  // Where `Env` comes from, as the README says: wrangler's own generator, from the synced config.
  const types = spawnSync(
    process.execPath,
    [join(REPO, "node_modules", "wrangler", "bin", "wrangler.js"), "types", "--include-runtime=false"],
    { cwd: root, encoding: "utf8", env: { ...process.env, WRANGLER_SEND_METRICS: "false" }, timeout: 120_000 },
  );
  if (types.status !== 0) throw new Error(`wrangler types:\n${types.stdout}${types.stderr}`);
}, 180_000);

describe("README code blocks", { timeout: 180_000 }, () => {
  it("are each checked here or marked as a fragment with a reason", () => {
    expect(blocks.length).toBeGreaterThan(10);
    for (const b of blocks) if (b.fragment !== undefined) expect(b.fragment.trim(), `line ${b.line}`).not.toBe("");
    // The blocks a newcomer copies whole must stay checked.
    expect(checked.map((b) => b.path ?? b.code.split("\n")[0])).toEqual(
      expect.arrayContaining(["moorage/containers.ts", "src/index.ts", "vite.config.ts"]),
    );
  });

  it("typecheck as one project: declarations, the Worker, its tests, the Vite config", () => {
    const env = readFileSync(join(root, "worker-configuration.d.ts"), "utf8");
    expect(env).toMatch(/CONTAINER_TRANSCODER: DurableObjectNamespace/);
    const files = [
      join(root, "worker-configuration.d.ts"),
      ...checked.map((b) => join(root, b.path ?? `test/readme-line-${b.line}.ts`)),
    ];
    const program = ts.createProgram(files, {
      target: ts.ScriptTarget.ES2022,
      lib: ["lib.es2023.d.ts"],
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      isolatedModules: true,
      types: ["@cloudflare/workers-types", "@cloudflare/vitest-pool-workers/types", "node"],
      paths: {
        moorage: [join(REPO, "src", "index.ts")],
        "moorage/*": [join(REPO, "src", "*", "index.ts")],
      },
    });
    // Moorage's own sources are typechecked by `npm run typecheck` with the repo's settings; here only the app.
    const inApp = (d: ts.Diagnostic) => d.file === undefined || d.file.fileName.startsWith(root);
    const diagnostics = ts
      .getPreEmitDiagnostics(program)
      .filter(inApp)
      .map((d) => {
        const where = d.file
          ? `${d.file.fileName.replace(root, "<app>")}:${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}`
          : "";
        return `${where} ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`;
      });
    expect(diagnostics).toEqual([]);
  });

  it("bundle the bridge client into one file with esbuild, as the README says for images", async () => {
    const { build } = await import("esbuild");
    const entry = join(root, "container-main.ts");
    writeFileSync(
      entry,
      'import { createContainerBridge } from "moorage/bridge";\nexport const app = createContainerBridge({ baseUrl: "http://moorage.internal" });\n',
    );
    const result = await build({
      entryPoints: [entry],
      bundle: true,
      platform: "node",
      format: "esm",
      write: false,
      metafile: true,
      alias: { "moorage/bridge": join(REPO, "src", "bridge", "index.ts") },
    });
    const output = Object.values(result.metafile.outputs)[0];
    expect(output?.imports ?? []).toEqual([]);
  });
});
