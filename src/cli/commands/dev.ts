/**
 * `moorage dev`: generate + sync, then `wrangler dev` with the local container engine's environment, and
 * regenerate (and re-sync) whenever a declaration in `moorage/` changes. Wrangler reloads on its own when the
 * generated module or the config changes.
 */
import { displayPath } from "../../authoring/project.js";
import type { Command } from "../command.js";
import { EXIT_CODES_HELP, projectFrom } from "../command.js";
import { localEngine } from "../engine.js";
import { splitPassthrough } from "../passthrough.js";
import { generateStep, syncStep } from "../steps.js";
import { watchDeclarations } from "../watch.js";
import { requireWrangler, runWrangler } from "../wrangler.js";

export const devCommand: Command = {
  name: "dev",
  summary: "generate + sync, then wrangler dev; regenerates when moorage/ changes",
  help: `Usage: moorage dev [--no-watch] [options] [wrangler dev args...] [-- args...]

Runs \`moorage generate\` and \`moorage sync\`, then the project's own \`wrangler dev\` with every other
argument passed through (e.g. \`moorage dev --port 8788\`). While it runs, changes to files in moorage/ regenerate
the typed module and re-sync wrangler.jsonc. When Moorage's local container engine is available, wrangler gets its
environment (DOCKER_HOST and the networking sidecar image).

Options:
  --no-watch     Do not watch moorage/ for changes
  --cwd <path>   Run as if started in <path>
  --dir <name>   Declarations folder relative to the root (default "moorage")
  -h, --help     Show this help

${EXIT_CODES_HELP} Exit 1 also when wrangler exits with an error.`,
  async run(ctx) {
    const args = splitPassthrough("dev", ctx.argv, true);
    if (args.help) {
      ctx.out.info(devCommand.help);
      return 0;
    }
    const project = projectFrom(ctx, args);
    const wrangler = requireWrangler(project.root);
    const generated = await generateStep(project, ctx.out);
    await syncStep(project, generated, ctx.out);

    const engine = await localEngine();
    if (engine) ctx.out.ok(`local container engine: ${engine.env.DOCKER_HOST ?? "configured"}`);

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
    const child = runWrangler(wrangler, ["dev", ...args.wrangler], { cwd: project.root, env: engine?.env ?? {} });
    try {
      const code = await child.exited;
      return code === 0 ? 0 : 1;
    } finally {
      watcher?.close();
    }
  },
};
