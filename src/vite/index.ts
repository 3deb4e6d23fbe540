/**
 * `moorage/vite`: Moorage for projects that run their Worker with Vite and `@cloudflare/vite-plugin`.
 *
 * What `moorage dev` does around `wrangler dev`, this plugin does around `vite dev` (and `vite build`):
 * - before the Cloudflare plugin reads the wrangler config, `moorage generate` + `moorage sync` (so the
 *   generated classes, the typed client and `wrangler.jsonc`, environments included, are current);
 * - for the dev server, the local engine's environment (DOCKER_HOST, the networking sidecar image, the docker
 *   shim for engines without buildx), set on `process.env`, which is where the Cloudflare plugin's container
 *   support reads it; nothing to export by hand;
 * - while the dev server runs, a change in `moorage/` regenerates and re-syncs; the Cloudflare plugin then
 *   reloads the Worker (generated module) or restarts (config change) on its own.
 *
 * Boundary: Node only (a Vite config runs in Node), never bundled into a Worker. It composes the CLI's own
 * steps (`src/cli/steps.ts`, `src/engine/cli.ts`, `src/cli/watch.ts`) so the two paths cannot drift; it does not
 * start workerd or touch containers itself.
 */
import type { Plugin } from "vite";
import { displayPath, type Project, resolveProject } from "../authoring/project.js";
import { createOutput, type Output } from "../cli/output.js";
import { generateStep, syncStep } from "../cli/steps.js";
import { type Watcher, watchDeclarations } from "../cli/watch.js";
import { defaultEngineResolver, type EngineResolver, engineForDev, sidecarChoice } from "../engine/cli.js";
import type { SidecarChoice } from "../engine/index.js";

export interface MooragePluginOptions {
  /** Declarations folder relative to the project root (default `moorage`, or package.json `moorage.dir`). */
  dir?: string;
  /** Which networking sidecar the dev server's containers use (default: `$MOORAGE_SIDECAR`, else `auto`). */
  sidecar?: SidecarChoice;
  /** Wrangler environments to sync besides the top level (default: every `env.<name>` block). */
  envs?: readonly string[];
  /** Regenerate when `moorage/` changes while the dev server runs (default true). */
  watch?: boolean;
  /** Where lines go (default: the terminal, like the CLI). */
  output?: Output;
  /** How the local engine is found (default `resolveLocalEngine`; tests inject a fake). */
  resolveEngine?: EngineResolver;
}

/** The engine's variables, resolved once per process: a dev-server restart must not re-probe Docker. */
let engineEnv: Promise<Record<string, string>> | undefined;

/**
 * Put it before `cloudflare()`:
 *   plugins: [moorage(), cloudflare()]
 */
export function moorage(options: MooragePluginOptions = {}): Plugin {
  const out = options.output ?? createOutput();
  let project: Project | undefined;
  let watcher: Watcher | undefined;

  const refresh = async (p: Project): Promise<number> => {
    const generated = await generateStep(p, out);
    await syncStep(p, generated, out, false, options.envs);
    return generated.containers.length;
  };

  return {
    name: "moorage",
    // Before the Cloudflare plugin's own `config` hook, which reads the wrangler config.
    enforce: "pre",
    async config(userConfig, { command }) {
      project = resolveProject({
        ...(userConfig.root === undefined ? {} : { cwd: userConfig.root }),
        ...(options.dir === undefined ? {} : { dir: options.dir }),
      });
      const containers = await refresh(project);
      // `vite build` bundles the Worker: it needs the generated modules and config, not a Docker engine.
      if (command !== "serve" || containers === 0) return;
      const sidecar = sidecarChoice("vite", options.sidecar);
      engineEnv ??= engineForDev(options.resolveEngine ?? defaultEngineResolver, sidecar, out);
      Object.assign(process.env, await engineEnv);
    },
    configureServer(server) {
      const p = project;
      if (p === undefined || options.watch === false) return;
      watcher?.close();
      watcher = watchDeclarations(p.dir, async () => {
        out.info(out.dim(`moorage: ${displayPath(p, p.dir)}/ changed, regenerating`));
        try {
          await refresh(p);
        } catch (error) {
          // The dev server keeps the last good output; the user fixes the declaration and saves again.
          out.fail((error as Error).message);
        }
      });
      server.httpServer?.once("close", () => watcher?.close());
    },
    buildEnd() {
      watcher?.close();
    },
  };
}

export default moorage;
