/**
 * Guards the "runs anywhere" promise: `moorage/bridge` and `moorage/server` must bundle for a neutral platform with
 * nothing external (no `node:*`, no `cloudflare:*`), and the bridge must not drag in function or endpoint code.
 */
import { build } from "esbuild";
import { describe, expect, it } from "vitest";

async function bundleInputs(entry: string): Promise<string[]> {
  const result = await build({ entryPoints: [entry], bundle: true, platform: "neutral", write: false, metafile: true });
  return Object.keys(result.metafile.inputs);
}

describe("portability", () => {
  it("bundles moorage/bridge with no runtime-specific imports and only the pure server modules", async () => {
    const inputs = await bundleInputs("src/bridge/index.ts");
    expect(inputs.filter((path) => path.startsWith("src/server/")).sort()).toEqual([
      "src/server/reference.ts",
      "src/server/wire.ts",
    ]);
  });

  it("bundles moorage/server with no runtime-specific imports", async () => {
    const inputs = await bundleInputs("src/server/index.ts");
    expect(inputs.every((path) => path.startsWith("src/"))).toBe(true);
  });
});
