/**
 * `moorage deploy`: generate + sync, then the project's `wrangler deploy` with all other arguments passed through.
 * wrangler builds Dockerfile images with the local Docker engine; Moorage points it at the engine and its docker
 * shim (see `../engine.ts`), so an engine without buildx builds them too.
 */

import { defaultEngineResolver, engineForDeploy } from "../../engine/cli.js";
import type { Command } from "../command.js";
import { EXIT_CODES_HELP, projectFrom } from "../command.js";
import { deployFlagWarning, readWranglerConfig } from "../local-flags.js";
import { splitPassthrough, wranglerEnvArg } from "../passthrough.js";
import { generateStep, syncStep } from "../steps.js";
import { requireWrangler, runWrangler } from "../wrangler.js";

export const deployCommand: Command = {
  name: "deploy",
  summary: "generate + sync, then wrangler deploy (arguments passed through)",
  help: `Usage: moorage deploy [options] [wrangler deploy args...] [-- args...]

Runs \`moorage generate\` and \`moorage sync\`, then the project's own \`wrangler deploy\` with every other
argument passed through (e.g. \`moorage deploy --dry-run --outdir dist\`). With \`--env <name>\` (wrangler's flag,
passed through) sync reconciles that env.<name> block, which wrangler does not fill from the top level. wrangler builds container images with
the local Docker engine and pushes them to the Cloudflare registry; Moorage gives it the engine's DOCKER_HOST and
a docker shim that runs wrangler's buildx-only build flags when the engine has no buildx. Without a Docker engine
wrangler still runs (after a warning), which is enough for containers that use { registry } images.
A warning names the "experimental" compatibility flag when the deployed config carries it: Cloudflare refuses it
(\`moorage dev\` adds it for local directory snapshots; production needs none).

Options:
  --cwd <path>   Run as if started in <path>
  --dir <name>   Declarations folder relative to the root (default "moorage")
  -h, --help     Show this help

${EXIT_CODES_HELP} Exit 1 also when wrangler exits with an error.`,
  async run(ctx) {
    const args = splitPassthrough("deploy", ctx.argv, false);
    if (args.help) {
      ctx.out.info(deployCommand.help);
      return 0;
    }
    const project = projectFrom(ctx, args);
    const wrangler = requireWrangler(project.root);
    const generated = await generateStep(project, ctx.out);
    const env = wranglerEnvArg(args.wrangler);
    await syncStep(project, generated, ctx.out, false, env === undefined ? undefined : [env]);
    const flagWarning = deployFlagWarning(readWranglerConfig(project.wranglerFile), env);
    if (flagWarning) ctx.out.warn(flagWarning);
    // Only Dockerfile images are built locally; registry images need no Docker here.
    const builds = generated.containers.some((c) => c.definition.image.kind === "dockerfile");
    const engineEnv = builds ? await engineForDeploy(ctx.resolveEngine ?? defaultEngineResolver, ctx.out) : {};
    const code = await runWrangler(wrangler, ["deploy", ...args.wrangler], { cwd: project.root, env: engineEnv })
      .exited;
    return code === 0 ? 0 : 1;
  },
};
