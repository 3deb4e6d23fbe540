/**
 * The package as npm would publish it: `npm pack`, then publint on the tarball (exports conditions, types, file
 * formats), then every `exports` target checked inside the unpacked tarball, and the Node-safe entries imported by
 * name (`moorage`, `moorage/testing`, ...) from a project whose `node_modules/moorage` is that unpacked tarball.
 * The workerd-only entries (`moorage/do`, `moorage/internal`) cannot load in Node; their files must exist.
 *
 * Needs `dist/` (`npm run build`, which `npm test` runs first).
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { publint } from "publint";
import { formatMessage } from "publint/utils";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const REPO = resolve(fileURLToPath(new URL("../..", import.meta.url)));
const pkg = JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as {
  exports: Record<string, string | Record<string, string>>;
};
/** Entries that run in Node (the rest import `cloudflare:workers`). */
const NODE_SAFE = [".", "./testing", "./bridge", "./server"];

let work: string;
let tarball: string;
let unpacked: string;

beforeAll(() => {
  if (!existsSync(join(REPO, "dist", "index.js"))) throw new Error("dist/ is missing: run `npm run build` first");
  work = mkdtempSync(join(tmpdir(), "moorage-pack-"));
  const out = execFileSync("npm", ["pack", "--json", "--pack-destination", work], { cwd: REPO, encoding: "utf8" });
  const [info] = JSON.parse(out.slice(out.indexOf("["))) as [{ filename: string }];
  tarball = join(work, info.filename);
  execFileSync("tar", ["-xzf", tarball, "-C", work]);
  unpacked = join(work, "package");
}, 120_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("the packed tarball", () => {
  it("passes publint (strict)", async () => {
    const buffer = readFileSync(tarball);
    const { messages, pkg: linted } = await publint({
      pack: { tarball: buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength) as ArrayBuffer },
      level: "warning",
      strict: true,
    });
    expect(messages.map((m) => formatMessage(m, linted) ?? m.code)).toEqual([]);
  }, 60_000);

  it("contains the file of every exports target", () => {
    const missing: string[] = [];
    for (const [entry, target] of Object.entries(pkg.exports)) {
      const files = typeof target === "string" ? [target] : Object.values(target);
      for (const file of files) if (!existsSync(join(unpacked, file))) missing.push(`${entry} -> ${file}`);
    }
    expect(missing).toEqual([]);
  });

  it("resolves and loads every Node-safe entry by its package name", () => {
    const project = join(work, "consumer");
    mkdirSync(join(project, "node_modules"), { recursive: true });
    symlinkSync(unpacked, join(project, "node_modules", "moorage"));
    writeFileSync(join(project, "package.json"), JSON.stringify({ type: "module" }));
    const specifiers = NODE_SAFE.map((e) => (e === "." ? "moorage" : `moorage/${e.slice(2)}`));
    writeFileSync(
      join(project, "check.mjs"),
      `const out = {};\nfor (const s of ${JSON.stringify(specifiers)}) out[s] = Object.keys(await import(s)).length;\nconsole.log(JSON.stringify(out));\n`,
    );
    const counts = JSON.parse(
      execFileSync(process.execPath, ["check.mjs"], { cwd: project, encoding: "utf8" }),
    ) as Record<string, number>;
    for (const s of specifiers) expect(counts[s], s).toBeGreaterThan(0);
  }, 60_000);
});
