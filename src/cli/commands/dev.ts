/**
 * `moorage dev`: generate + sync, then `wrangler dev` with Moorage's local container engine, and regenerate (and
 * re-sync) whenever a declaration or function module in `moorage/` changes. Wrangler reloads on its own when the
 * generated modules or the config change.
 *
 * The engine (see `../engine.ts`) picks the networking sidecar and hands wrangler DOCKER_HOST, the sidecar image
 * and the docker shim, so no environment variable has to be set by hand.
 *
 * It also serves the live inspector page (`../inspector/`): wrangler's output passes through this process so the
 * inspector can read Moorage's records from it, and wrangler gets `--var MOORAGE_INSPECT:1` so the Worker writes
 * its per-request records (`src/records.ts`).
 *
 * A declaration with `persist` gets wrangler dev the `experimental` compatibility flag local workerd needs for
 * directory snapshots, on the command line only (`../local-flags.ts` says why it never goes into the config).
 */
import { displayPath } from "../../authoring/project.js";
import { defaultEngineResolver, engineForDev, sidecarChoice } from "../../engine/cli.js";
import { INSPECT_VAR } from "../../records.js";
import type { Command } from "../command.js";
import { EXIT_CODES_HELP, projectFrom } from "../command.js";
import { UsageError } from "../errors.js";
import { type Inspector, startInspector } from "../inspector/index.js";
import { DEFAULT_INSPECTOR_PORT } from "../inspector/server.js";
import { localCompatibilityArgs, readWranglerConfig } from "../local-flags.js";
import { splitPassthrough, wranglerEnvArg } from "../passthrough.js";
import { generateStep, syncStep } from "../steps.js";
import { watchDeclarations } from "../watch.js";
import { requireWrangler, runWrangler } from "../wrangler.js";

export const devCommand: Command = {
  name: "dev",
  summary: "generate + sync, then wrangler dev with the local container engine; regenerates on change",
  help: `Usage: moorage dev [--sidecar auto|official|moorage] [--no-watch] [--ui-port <n>|--no-ui] [options] [wrangler dev args...] [-- args...]

Runs \`moorage generate\` and \`moorage sync\`, then the project's own \`wrangler dev\` with every other
argument passed through (e.g. \`moorage dev --port 8788\`). While it runs, changes to files in moorage/ regenerate
the typed modules and re-sync wrangler.jsonc.

Containers run on Moorage's local engine: wrangler gets DOCKER_HOST, the networking sidecar image and a docker
shim (for engines without buildx) without you setting anything. One line says which sidecar is used and why:
  auto      the official sidecar when it is present or can be pulled, Moorage's own otherwise (offline)
  official  the official sidecar only; dev stops with the fix when it is not available
  moorage   Moorage's own sidecar, built from host files (no registry needed)
When no Docker engine answers, wrangler dev still starts (your Worker runs, its containers do not) after a
warning with the fix: start Docker, or run \`npx moorage engine up\`.

A container that declares \`persist\` needs local workerd's "experimental" compatibility flag (directory
snapshots); dev passes wrangler \`--compatibility-flags <the config's flags> experimental\` and says so, unless
you pass --compatibility-flags yourself. It never writes the flag to wrangler.jsonc: Cloudflare refuses to deploy it.

The inspector: a page on 127.0.0.1 (its address is printed at start) showing, live, every container and
instance with its state and run generation, the lifecycle timeline, each cold start split into instance wait,
ports and readyOn, recent requests (attempts, wait, status), egress decisions, bridge calls and the tail of
each container's logs. wrangler's output passes through moorage for it (wrangler's hotkeys are off then).

Options:
  --sidecar <s>  auto, official or moorage (default: $MOORAGE_SIDECAR, else auto)
  --no-watch     Do not watch moorage/ for changes
  --ui-port <n>  Serve the inspector on 127.0.0.1:<n> (default ${DEFAULT_INSPECTOR_PORT}, or any free port when taken)
  --no-ui        No inspector: wrangler keeps the terminal to itself
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
    const uiPort = inspectorPort(args.uiPort);
    const project = projectFrom(ctx, args);
    const wrangler = requireWrangler(project.root);
    const generated = await generateStep(project, ctx.out);
    await syncStep(project, generated, ctx.out);

    // A Worker without containers needs no Docker: do not make it wait for (or warn about) the engine.
    const engineEnv =
      generated.containers.length === 0
        ? {}
        : await engineForDev(ctx.resolveEngine ?? defaultEngineResolver, sidecar, ctx.out);

    let inspector: Inspector | undefined;
    if (!args.noUi) {
      inspector = await startInspector({
        containers: generated.containers,
        wranglerFile: project.wranglerFile,
        dockerHost: engineEnv.DOCKER_HOST,
        ...(uiPort === undefined ? {} : { port: uiPort }),
      });
      ctx.out.ok(`inspector on ${ctx.out.bold(inspector.url)}`);
    }

    const watcher = args.noWatch
      ? undefined
      : watchDeclarations(project.dir, async () => {
          ctx.out.info(ctx.out.dim(`moorage: ${displayPath(project, project.dir)}/ changed, regenerating`));
          try {
            const again = await generateStep(project, ctx.out);
            await syncStep(project, again, ctx.out);
            inspector?.redeclare(again.containers);
          } catch (error) {
            // Keep wrangler running on the last good output; the user fixes the declaration and saves again.
            ctx.out.fail((error as Error).message);
          }
        });
    const persisting = generated.containers.filter((c) => c.definition.persist).map((c) => c.exportName);
    const local = localCompatibilityArgs({
      config: readWranglerConfig(project.wranglerFile),
      env: wranglerEnvArg(args.wrangler),
      persisting,
      wranglerArgs: args.wrangler,
    });
    if (local) ctx.out.info(ctx.out.dim(`moorage: ${local.why}`));
    const wranglerArgs = [
      "dev",
      ...(inspector ? ["--var", `${INSPECT_VAR}:1`] : []),
      ...(local?.args ?? []),
      ...args.wrangler,
    ];
    const onOutput = inspector
      ? (chunk: Buffer, stream: "stdout" | "stderr") => {
          try {
            inspector?.tap(chunk, stream);
          } catch {
            // The inspector must never take wrangler's output down with it.
          }
        }
      : undefined;
    const child = runWrangler(wrangler, wranglerArgs, {
      cwd: project.root,
      env: engineEnv,
      ...(onOutput ? { onOutput } : {}),
    });
    try {
      const code = await child.exited;
      return code === 0 ? 0 : 1;
    } finally {
      watcher?.close();
      await inspector?.close();
    }
  },
};

/** `--ui-port` as a port number; a directed usage error otherwise. */
function inspectorPort(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const port = Number(value);
  if (!/^\d+$/.test(value) || port < 0 || port > 65_535) {
    throw new UsageError(`moorage dev: --ui-port must be a port number between 0 and 65535 (got "${value}")`);
  }
  return port;
}
