/**
 * `moorage engine up|env|stop|status`: the local container engine's provisioning, from any app project.
 *
 * Why: an installed package has no `scripts/` folder, so "run scripts/provision.sh" is no instruction for a user.
 * This command runs the provisioning script the package ships (`dist/engine/provision.sh`, the same script the
 * repository's `scripts/provision.sh` wraps), so both bring a machine to the same state with the same image names.
 * Boundary: argument checks and streaming the script's output; what to install and how is the script's.
 */
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { LOCAL_ENGINE } from "../../engine/index.js";
import { type Command, EXIT_CODES_HELP, parse } from "../command.js";
import { CommandFailed, UsageError } from "../errors.js";

const ACTIONS = ["up", "env", "stop", "status"] as const;
type Action = (typeof ACTIONS)[number];

export const engineCommand: Command = {
  name: "engine",
  summary: "Provision the local container engine (Node 22, Docker engine, images): up, env, stop, status",
  help: `Usage: moorage engine <up|env|stop|status>

Brings this machine to the state \`moorage dev\` needs for real containers, offline, and idempotently:
  up       Node >= 22.12 (from the npm registry when the system one is older), a Docker engine (Debian's
           docker.io and Moorage's own dockerd when none answers; needs root or sudo for that), then Moorage's
           images (the Node base image and the networking sidecar, built from host files; cached)
  env      Print the environment to use, as export lines:  eval "$(npx moorage engine env)"
  stop     Stop the dockerd that \`up\` started (and only that one)
  status   Say what is running and which Moorage images exist

The same script runs as \`bash scripts/provision.sh\` in Moorage's repository.

${EXIT_CODES_HELP}`,
  async run(ctx) {
    const { positionals } = parse("engine", ctx.argv, { help: { type: "boolean", short: "h" } }, true);
    const action = positionals[0];
    if (action === undefined || !(ACTIONS as readonly string[]).includes(action) || positionals.length > 1) {
      throw new UsageError(
        `moorage engine: expected one of ${ACTIONS.join(", ")} (got ${positionals.length === 0 ? "nothing" : JSON.stringify(positionals.join(" "))})`,
      );
    }
    const code = await runProvision(
      action as Action,
      (line) => ctx.out.info(line),
      (line) => ctx.out.error(line),
    );
    if (code !== 0) {
      throw new CommandFailed(
        `moorage engine ${action}: ${LOCAL_ENGINE.paths.provision} exited ${code} (its reasons are above)`,
      );
    }
    return 0;
  },
};

/** Runs provision.sh with `action`, streaming stdout and stderr line by line. Resolves with its exit code. */
export function runProvision(
  action: Action,
  stdout: (line: string) => void,
  stderr: (line: string) => void,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn("bash", [LOCAL_ENGINE.paths.provision, action], {
      env: { ...env, MOORAGE_PROVISION_CMD: "npx moorage engine" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    createInterface({ input: child.stdout }).on("line", stdout);
    createInterface({ input: child.stderr }).on("line", stderr);
    child.on("error", (err) => reject(new CommandFailed(`moorage engine ${action}: cannot run bash (${err.message})`)));
    child.on("close", (code) => resolve(code ?? 1));
  });
}
