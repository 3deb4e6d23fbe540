/**
 * Guards the entry-point split the package is built around: the root `moorage` runs in Node (the CLI evaluates
 * `moorage/containers.ts`) and in workerd (Worker code), so it may import neither `node:*` nor `cloudflare:*`;
 * `moorage/do` is workerd-only and may import `cloudflare:workers` but never a Node built-in. (`moorage/bridge` and
 * `moorage/server` have their own guard in src/bridge/portability.test.ts.)
 */
import { build } from "esbuild";
import { describe, expect, it } from "vitest";

/** Bundles an entry for a neutral platform, leaving runtime modules external, and lists what stayed external. */
async function externalImports(entry: string): Promise<string[]> {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    platform: "neutral",
    conditions: ["workerd", "worker"],
    external: ["node:*", "cloudflare:*"],
    write: false,
    metafile: true,
  });
  const output = Object.values(result.metafile.outputs)[0];
  return [...new Set((output?.imports ?? []).filter((i) => i.external).map((i) => i.path))].sort();
}

describe("entry points", () => {
  it("moorage (root) imports no runtime module: it loads in Node and in workerd", async () => {
    expect(await externalImports("src/index.ts")).toEqual([]);
  });

  it("moorage/do imports cloudflare:workers and no Node built-in", async () => {
    expect(await externalImports("src/do/index.ts")).toEqual(["cloudflare:workers"]);
  });
});
