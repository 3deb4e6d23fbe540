/**
 * `moorage dev`: generate + sync, then `wrangler dev` with Moorage's local container engine, and regenerate (and
 * re-sync) whenever a declaration or function module in `moorage/` changes. Wrangler reloads on its own when the
 * generated modules or the config change.
 *
 * The engine (see `../engine.ts`) picks the networking sidecar and hands wrangler DOCKER_HOST, the sidecar image
 * and the docker shim, so no environment variable has to be set by hand.
 */
import { displayPath } from "../../authoring/project.js";
import type { Command } from "../command.js";
import { EXIT_CODES_HELP, projectFrom } from "../command.js";
import { defaultEngineResolver, engineForDev, sidecarChoice } from "../engine.js";
import { splitPassthrough } from "../passthrough.js";
import { generateStep, syncStep } from "../steps.js";
import { watchDeclarations } from "../watch.js";
import { requireWrangler, runWrangler } from "../wrangler.js";

export const devCommand: Command = {
  name: "dev",
  summary: "generate + sync, then wrangler dev with the local container engine; regenerates on change",
  help: `Usage: moorage dev [--sidecar auto|official|moorage] [--no-watch] [options] [wrangler dev args...] [-- args...]

Runs \`moorage generate\` and \`moorage sync\`, then the project's own \`wrangler dev\` with every other
argument passed through (e.g. \`moorage dev --port 8788\`). While it runs, changes to files in moorage/ regenerate
the typed modules and re-sync wrangler.jsonc.

Containers run on Moorage's local engine: wrangler gets DOCKER_HOST, the networking sidecar image and a docker
shim (for engines without buildx) without you setting anything. One line says which sidecar is used and why:
  auto      the official sidecar when it is present or can be pulled, Moorage's own otherwise (offline)
  official  the official sidecar only; dev stops with the fix when it is not available
  moorage   Moorage's own sidecar, built from host files (no registry needed)
When no Docker engine answers, wrangler dev still starts (your Worker runs, its containers do not) after a
warning with the fix: start Docker, or run engine/provision.sh (scripts/provision.sh in the repository).

Options:
  --sidecar <s>  auto, official or moorage (default: $MOORAGE_SIDECAR, else auto)
  --no-watch     Do not watch moorage/ for changes
  --cwd <path>   Run as if started in <path>
  --dir <name>   Declarations folder relative to the root (default "moorage")
  -h, --help     Show this help

${EXIT_CODES_HELP} Exit 1 also when wrangler exits with an error, or --sidecar official is not available.`,
  async run(ctx) {
    const args = splitPassthrough("dev", ctx.argv, true);
    if (args.help) {
      ctx.out.info(devCommand.help);
      return 0;
    }
    const sidecar = sidecarChoice("dev", args.sidecar);
    const project = projectFrom(ctx, args);
    const wrangler = requireWrangler(project.root);
    const generated = await generateStep(project, ctx.out);
    await syncStep(project, generated, ctx.out);

    // A Worker without containers needs no Docker: do not make it wait for (or warn about) the engine.
    const engineEnv =
      generated.containers.length === 0
        ? {}
        : await engineForDev(ctx.resolveEngine ?? defaultEngineResolver, sidecar, ctx.out);

    const watcher = args.noWatch
      ? undefined
      : watchDeclarations(project.dir, async () => {
          ctx.out.info(ctx.out.dim(`moorage: ${displayPath(project, project.dir)}/ changed, regenerating`));
          try {
            const again = await generateStep(project, ctx.out);
            await syncStep(project, again, ctx.out);
          } catch (error) {
            // Keep wrangler running on the last good output; the user fixes the declaration and saves again.
            ctx.out.fail((error as Error).message);
          }
        });
    const child = runWrangler(wrangler, ["dev", ...args.wrangler], { cwd: project.root, env: engineEnv });
    try {
      const code = await child.exited;
      return code === 0 ? 0 : 1;
    } finally {
      watcher?.close();
    }
  },
};
