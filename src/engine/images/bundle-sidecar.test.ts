/**
 * The sidecar bundle's bytes are the sidecar image's cache key: the same sources must give the same bytes wherever
 * they sit (the checkout, a copy beside the bench's bundle, another working directory), or two runs on one machine
 * rebuild the shared image tag back and forth.
 */
import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, expect, it } from "vitest";

const ENGINE = fileURLToPath(new URL("..", import.meta.url));
const BUNDLE = join(ENGINE, "images", "bundle-sidecar.mjs");
const work = mkdtempSync(join(tmpdir(), "moorage-sidecar-bundle-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function bundle(entry: string, out: string, cwd: string): string {
  execFileSync(process.execPath, [BUNDLE, entry, out], { cwd, stdio: "pipe" });
  return readFileSync(out, "utf8");
}

it("gives the same bytes from the checkout and from a copy elsewhere, whatever the working directory", () => {
  const copy = join(work, "elsewhere", "sidecar");
  cpSync(join(ENGINE, "sidecar"), copy, { recursive: true });
  const here = bundle(join(ENGINE, "sidecar", "server.ts"), join(work, "a.mjs"), ENGINE);
  const there = bundle(join(copy, "server.ts"), join(work, "b.mjs"), work);
  expect(there.length).toBeGreaterThan(1000);
  expect(there).toBe(here);
});
