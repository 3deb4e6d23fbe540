/**
 * `moorage doctor`: checks everything `moorage dev` and `deploy` rely on and prints one ok/warn/fail line per
 * check with the fix. `fail` means dev or deploy will not work (exit 1); `warn` means something degrades or may
 * bite later (exit 0). The Docker lines come from the local engine's own decision (`../engine.ts`), so doctor
 * reports exactly the path `moorage dev` will take.
 */
import { existsSync } from "node:fs";
import { generate } from "../../authoring/codegen-write.js";
import { displayPath, type Project } from "../../authoring/project.js";
import { defaultEngineResolver, engineChecks, sidecarChoice } from "../../engine/cli.js";
import { type Check, printChecks } from "../check.js";
import {
  type Command,
  EXIT_CODES_HELP,
  PROJECT_OPTIONS,
  PROJECT_OPTIONS_HELP,
  parse,
  projectFrom,
} from "../command.js";
import { syncProject } from "../sync-adapter.js";
import { findWrangler, wranglerVersion } from "../wrangler.js";

/** Minimum Node: wrangler 4.164 (and so Moorage's dev/deploy) needs 22.12. */
const MIN_NODE: readonly [number, number] = [22, 12];

export function checkNode(version = process.versions.node): Check {
  const [major = 0, minor = 0] = version.split(".").map(Number);
  const okay = major > MIN_NODE[0] || (major === MIN_NODE[0] && minor >= MIN_NODE[1]);
  return okay
    ? { level: "ok", message: `Node ${version}` }
    : {
        level: "fail",
        message: `Node ${version} is too old (wrangler needs >= ${MIN_NODE.join(".")})`,
        fix: "install Node 22.12 or newer (e.g. `nvm install 22`)",
      };
}

async function configCheck(project: Project): Promise<Check> {
  if (!existsSync(project.containersFile)) {
    return {
      level: "warn",
      message: `${displayPath(project, project.containersFile)} not found`,
      fix: "run `moorage init` to add an example container",
    };
  }
  try {
    const generated = await generate(project, { check: true });
    const synced = await syncProject(project, generated.containers, true);
    const stale = [
      ...generated.files.filter((f) => f.status === "stale").map((f) => displayPath(project, f.file)),
      synced.status === "stale" && synced.file ? displayPath(project, synced.file) : undefined,
    ].filter((s) => s !== undefined);
    if (stale.length > 0) {
      return { level: "fail", message: `out of sync: ${stale.join(", ")}`, fix: "run `moorage sync`" };
    }
    return { level: "ok", message: `config in sync (${generated.containers.length} containers)` };
  } catch (error) {
    return { level: "fail", message: (error as Error).message, fix: "fix the declaration or config named above" };
  }
}

export const doctorCommand: Command = {
  name: "doctor",
  summary: "Check Node, wrangler, Docker, buildx, the sidecar image and config sync",
  help: `Usage: moorage doctor [--sidecar auto|official|moorage] [options]

Checks what \`moorage dev\` and \`moorage deploy\` need and prints one line per check: ok, warn (works, but
something may bite) or fail (will not work), each with the fix:
  Node >= ${MIN_NODE.join(".")}; wrangler in node_modules and its version; the Docker engine reachable (DOCKER_HOST,
  else the engine \`moorage engine up\` starts, else the system socket) and its docker CLI; buildx, or that
  Moorage's docker shim covers its absence; which networking sidecar \`moorage dev\` uses and why; whether the
  local images it needs exist (nothing is built); generated code and wrangler config in sync.

Options:
  --sidecar <s>  Check the path \`moorage dev --sidecar <s>\` would take (default: $MOORAGE_SIDECAR, else auto)
${PROJECT_OPTIONS_HELP}

${EXIT_CODES_HELP} Exit 1 when any check fails.`,
  async run(ctx) {
    const { values } = parse("doctor", ctx.argv, { ...PROJECT_OPTIONS, sidecar: { type: "string" } });
    const sidecar = sidecarChoice("doctor", values.sidecar);
    const project = projectFrom(ctx, values);
    const checks: Check[] = [checkNode()];

    const wrangler = findWrangler(project.root);
    if (!wrangler) {
      checks.push({
        level: "fail",
        message: "wrangler not found in node_modules",
        fix: "run `npm install -D wrangler`",
      });
    } else {
      const version = wranglerVersion(wrangler, project.root);
      checks.push(
        version
          ? { level: "ok", message: `wrangler ${version}` }
          : { level: "fail", message: `${wrangler} does not run`, fix: "reinstall it: `npm install -D wrangler`" },
      );
    }

    checks.push(...(await engineChecks(ctx.resolveEngine ?? defaultEngineResolver, sidecar)));
    checks.push(await configCheck(project));
    printChecks(ctx.out, checks);
    return checks.some((c) => c.level === "fail") ? 1 : 0;
  },
};
