/**
 * The Vite plugin's hooks without a dev server: `vite build` generates and syncs but never asks for a Docker
 * engine; `vite dev` gets the engine's variables on `process.env` (where the Cloudflare plugin reads them), asked
 * for once however often the server restarts. The real `vite dev` run is test/real/vite.test.ts.
 */
import { cp, mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { ConfigEnv, Plugin, UserConfig } from "vite";
import { afterAll, describe, expect, it } from "vitest";
import { captureOutput } from "../../test/support/cli.js";
import type { EngineResolver } from "../engine/cli.js";
import type { LocalEngine } from "../engine/index.js";
import { moorage } from "./index.js";

const FIXTURE = path.resolve(import.meta.dirname, "../../test/fixtures/worker-project");
afterAll(() => {
  delete process.env.MOORAGE_VITE_TEST_VAR;
});

async function project(): Promise<string> {
  const root = await mkdtemp(path.join(tmpdir(), "moorage-vite-unit-"));
  await cp(FIXTURE, root, { recursive: true });
  await writeFile(path.join(root, "package.json"), '{ "name": "acme-media", "type": "module" }\n');
  await mkdir(path.join(root, "moorage"));
  await writeFile(
    path.join(root, "moorage", "containers.ts"),
    `import { defineContainer } from "${path.resolve(import.meta.dirname, "../index.js")}";\nexport const hello = defineContainer({ image: { registry: "docker.io/acme/hello:1" } });\n`,
  );
  return root;
}

function runConfig(plugin: Plugin, root: string, command: ConfigEnv["command"]): Promise<unknown> {
  const hook = plugin.config as (config: UserConfig, env: ConfigEnv) => Promise<unknown>;
  return hook({ root }, { command, mode: command === "build" ? "production" : "development" });
}

describe("moorage/vite", () => {
  it("runs before the Cloudflare plugin, and on vite build generates and syncs without a Docker engine", async () => {
    const root = await project();
    let asked = 0;
    const resolveEngine: EngineResolver = async () => {
      asked++;
      throw new Error("build must not ask for an engine");
    };
    const out = captureOutput();
    const plugin = moorage({ output: out, resolveEngine });
    expect(plugin.enforce).toBe("pre");
    await runConfig(plugin, root, "build");
    expect(asked).toBe(0);
    expect(out.text()).toContain("ok generated moorage/_generated/containers.ts (1 container)");
    expect(await readFile(path.join(root, "wrangler.jsonc"), "utf8")).toContain('"name": "acme-media-hello"');
  });

  it("on vite dev puts the engine's variables on process.env, resolving the engine once across restarts", async () => {
    const root = await project();
    let asked = 0;
    const resolveEngine: EngineResolver = async (options) => {
      asked++;
      expect(options.sidecar).toBe("moorage");
      return {
        sidecar: "moorage",
        reason: "forced",
        images: { sidecar: "moorage/sidecar:test", nodeBase: "moorage/node-base:22" },
        env: { MOORAGE_VITE_TEST_VAR: "from-the-engine" },
      } as unknown as LocalEngine;
    };
    const out = captureOutput();
    await runConfig(moorage({ output: out, resolveEngine, sidecar: "moorage", watch: false }), root, "serve");
    await runConfig(moorage({ output: out, resolveEngine, sidecar: "moorage", watch: false }), root, "serve");
    expect(asked).toBe(1);
    expect(process.env.MOORAGE_VITE_TEST_VAR).toBe("from-the-engine");
    expect(out.text()).toContain("ok sidecar: Moorage's (moorage/sidecar:test), because forced");
  });
});
