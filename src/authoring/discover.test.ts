/**
 * Discovery on real files: each case writes a small project to a temp folder, runs discovery as `moorage
 * generate` would, and checks what the user sees (the containers found, or the error with export and file:line).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { DEFER_VALIDATION } from "../definition/define.js";
import { DiscoveryError, discoverContainers } from "./discover.js";
import { ModuleLoadError } from "./discover-load.js";
import { resolveProject } from "./project.js";

const roots: string[] = [];

function project(files: Record<string, string>) {
  const root = mkdtempSync(join(tmpdir(), "moorage-discover-"));
  roots.push(root);
  writeFileSync(join(root, "wrangler.jsonc"), "{}\n");
  const withImages = { "containers/app/Dockerfile": "FROM scratch\n", ...files };
  for (const [name, text] of Object.entries(withImages)) {
    mkdirSync(dirname(join(root, name)), { recursive: true });
    writeFileSync(join(root, name), text);
  }
  return resolveProject({ cwd: root });
}

afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

describe("discoverContainers", () => {
  it("finds containers through aliased imports, spreads, helpers and re-exports, sorted, ignoring other exports", async () => {
    const p = project({
      "moorage/shared.ts": [
        'import { defineContainer } from "moorage";',
        'export const base = { image: "./containers/app", sleepAfter: "5m" } as const;',
        "export const worker = (name: string) => defineContainer({ ...base, labels: { name } });",
        'export const reexported = defineContainer({ image: "./containers/app/Dockerfile", maxInstances: 2 });',
      ].join("\n"),
      "moorage/containers.ts": [
        'import { defineContainer as dc } from "moorage";',
        'import { base, worker } from "./shared";',
        'export { reexported } from "./shared";',
        "export const zeta = dc({ ...base, defaultPort: 9000 });",
        'export const alpha = worker("alpha");',
        'export const notAContainer = { image: "./containers/app" };',
        "export function helper() { return 1; }",
      ].join("\n"),
    });
    const found = await discoverContainers(p);
    expect(found.map((c) => c.exportName)).toEqual(["alpha", "reexported", "zeta"]);
    const [alpha, reexported, zeta] = found;
    expect(alpha?.definition.labels).toEqual({ name: "alpha" });
    expect(alpha?.definition.sleepAfterSeconds).toBe(300);
    expect(reexported?.definition.maxInstances).toBe(2);
    expect(zeta?.definition.defaultPort).toBe(9000);
    expect(zeta?.definition.image).toEqual({
      kind: "dockerfile",
      dockerfile: "./containers/app/Dockerfile",
      context: "./containers/app",
    });
    // Discovery leaves the global flag as it found it.
    expect((globalThis as Record<symbol, unknown>)[DEFER_VALIDATION]).toBeUndefined();
  });

  it("names the export and the user's file:line for a bad declaration", async () => {
    const p = project({
      "moorage/containers.ts": [
        'import { defineContainer } from "moorage";',
        "",
        'export const good = defineContainer({ image: "./containers/app" });',
        'export const transcoder = defineContainer({ image: "./containers/app", maxInstances: 0 });',
      ].join("\n"),
    });
    const error = await discoverContainers(p).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DiscoveryError);
    expect((error as Error).message).toMatch(
      /^defineContainer\(transcoder\): "maxInstances" must be a positive integer \(got 0\) \(at moorage\/containers\.ts:4:\d+\)$/,
    );
  });

  it("points a declaration made by a helper at the export line in containers.ts", async () => {
    const p = project({
      "moorage/helpers.ts": [
        'import { defineContainer } from "moorage";',
        "export function svc(port: number) {",
        '  return defineContainer({ image: "./containers/app", defaultPort: port });',
        "}",
      ].join("\n"),
      "moorage/containers.ts": ['import { svc } from "./helpers";', "", "export const api = svc(70000);"].join("\n"),
    });
    await expect(discoverContainers(p)).rejects.toThrow(
      /defineContainer\(api\): "defaultPort" must be an integer port .* \(at moorage\/containers\.ts:3:\d+\)/,
    );
  });

  it("reports a module that throws while evaluating with its file and line", async () => {
    const p = project({
      "moorage/containers.ts": [
        'import { defineContainer } from "moorage";',
        'const ports = JSON.parse("{");',
        'export const app = defineContainer({ image: "./containers/app", defaultPort: ports.http });',
      ].join("\n"),
    });
    const error = await discoverContainers(p).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModuleLoadError);
    expect((error as Error).message).toContain(`${p.containersFile}:2:`);
    expect((error as Error).message).toMatch(/JSON/);
  });

  it("reports a syntax error or unresolved import with file and line, before running anything", async () => {
    const p = project({
      "moorage/containers.ts": [
        'import { defineContainer } from "moorage";',
        'import { image } from "./nope";',
        "export const app = defineContainer({ image });",
      ].join("\n"),
    });
    const error = await discoverContainers(p).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModuleLoadError);
    expect((error as Error).message).toContain(`${p.containersFile}:2:`);
    expect((error as Error).message).toContain("./nope");
  });

  it("rejects two exports that map to the same binding, naming both", async () => {
    const p = project({
      "moorage/containers.ts": [
        'import { defineContainer } from "moorage";',
        'export const imageResizer = defineContainer({ image: "./containers/app" });',
        'export const image_resizer = defineContainer({ image: "./containers/app" });',
      ].join("\n"),
    });
    await expect(discoverContainers(p)).rejects.toThrow(
      /exports "imageResizer" and "image_resizer" both map to "CONTAINER_IMAGE_RESIZER"/,
    );
  });

  it("rejects one declaration exported under two names", async () => {
    const p = project({
      "moorage/containers.ts": [
        'import { defineContainer } from "moorage";',
        'export const transcoder = defineContainer({ image: "./containers/app" });',
        "export { transcoder as tc };",
      ].join("\n"),
    });
    await expect(discoverContainers(p)).rejects.toThrow(/exported twice, as "tc" and "transcoder"/);
  });

  it("checks that a Dockerfile image exists relative to the project root", async () => {
    const p = project({
      "moorage/containers.ts": [
        'import { defineContainer } from "moorage";',
        'export const api = defineContainer({ image: "./containers/api" });',
        'export const dev = defineContainer({ image: "./containers/app/Dockerfile.dev" });',
      ].join("\n"),
    });
    await expect(discoverContainers(p)).rejects.toThrow(
      /defineContainer\(api\): "image" build context "\.\/containers\/api" does not exist .* \(at moorage\/containers\.ts:2:\d+\)/,
    );
    writeFileSync(
      join(p.containersFile),
      'import { defineContainer } from "moorage";\nexport const dev = defineContainer({ image: "./containers/app/Dockerfile.dev" });\n',
    );
    await expect(discoverContainers(p)).rejects.toThrow(
      /defineContainer\(dev\): "image" needs a Dockerfile at containers\/app\/Dockerfile\.dev, which does not exist/,
    );
  });

  it("accepts registry images without touching the disk", async () => {
    const p = project({
      "moorage/containers.ts": [
        'import { defineContainer } from "moorage";',
        'export const prebuilt = defineContainer({ image: { registry: "registry.cloudflare.com/acme/app:1.0" } });',
      ].join("\n"),
    });
    const [prebuilt] = await discoverContainers(p);
    expect(prebuilt?.definition.image).toEqual({ kind: "registry", reference: "registry.cloudflare.com/acme/app:1.0" });
  });

  it("says how to start when containers.ts is missing", async () => {
    const p = project({});
    await expect(discoverContainers(p)).rejects.toThrow(/moorage\/containers\.ts not found; run `moorage init`/);
  });
});
