/**
 * Guards the entry-point split the package is built around: the root `moorage` runs in Node (the CLI evaluates
 * `moorage/containers.ts`) and in workerd (Worker code), so it may import neither `node:*` nor `cloudflare:*`;
 * `moorage/do` and `moorage/internal` are workerd-only and may import `cloudflare:workers` but never a Node
 * built-in; `moorage/testing` is as portable as the root. (`moorage/bridge` and `moorage/server` have their own
 * guard in src/bridge/portability.test.ts.) The names each entry exports are snapshotted, so growing or shrinking the
 * public surface is always a reviewed change; the packaging check (test/unit/packaging.test.ts) proves every entry
 * resolves from a packed tarball.
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

  it("moorage/do and moorage/internal import cloudflare:workers and no Node built-in", async () => {
    expect(await externalImports("src/do/index.ts")).toEqual(["cloudflare:workers"]);
    expect(await externalImports("src/internal/index.ts")).toEqual(["cloudflare:workers"]);
  });

  it("moorage/testing imports no runtime module", async () => {
    expect(await externalImports("src/testing/index.ts")).toEqual([]);
  });
});

/** Source module of each `exports` subpath (the build maps `src/X/index.ts` to `dist/X/index.js`). */
const SOURCES: Record<string, string> = {
  ".": "../../src/index.js",
  "./do": "../../src/do/index.js",
  "./internal": "../../src/internal/index.js",
  "./testing": "../../src/testing/index.js",
  "./bridge": "../../src/bridge/index.js",
  "./server": "../../src/server/index.js",
  "./vite": "../../src/vite/index.js",
};

describe("exported names", () => {
  it("every package.json export has a source entry here", async () => {
    const pkg = (await import("../../package.json", { with: { type: "json" } })).default as {
      exports: Record<string, unknown>;
    };
    expect(
      Object.keys(pkg.exports)
        .filter((k) => k !== "./package.json")
        .sort(),
    ).toEqual(Object.keys(SOURCES).sort());
  });

  for (const [entry, source] of Object.entries(SOURCES)) {
    it(`${entry === "." ? "moorage" : `moorage/${entry.slice(2)}`} exports exactly the reviewed names`, async () => {
      const names = Object.keys(await import(source)).sort();
      expect(names).toMatchSnapshot();
    });
  }

  it("moorage/do no longer exports internals; the test double is only in moorage/testing", async () => {
    const doNames = Object.keys(await import("../../src/do/index.js"));
    for (const internal of ["parseRuntimeExit", "TRANSIENT_MESSAGES", "ContainerProxy", "MoorageOutbound"]) {
      expect(doNames).not.toContain(internal);
    }
    const rootNames = Object.keys(await import("../../src/index.js"));
    expect(rootNames).not.toContain("createContainerTestContext");
    expect(Object.keys(await import("../../src/testing/index.js"))).toContain("createContainerTestContext");
  });
});
