/**
 * `moorage doctor`: checks everything `moorage dev` and `deploy` rely on and prints one ok/warn/fail line per
 * check with the fix. `fail` means dev or deploy will not work (exit 1); `warn` means something degrades or may
 * bite later (exit 0).
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { generate } from "../../authoring/codegen-write.js";
import { displayPath, type Project } from "../../authoring/project.js";
import {
  type Command,
  EXIT_CODES_HELP,
  PROJECT_OPTIONS,
  PROJECT_OPTIONS_HELP,
  parse,
  projectFrom,
} from "../command.js";
import { localEngine } from "../engine.js";
import { syncProject } from "../sync-adapter.js";
import { findWrangler, wranglerVersion } from "../wrangler.js";

type Level = "ok" | "warn" | "fail";
interface Check {
  level: Level;
  message: string;
  fix?: string;
}

/** Minimum Node: wrangler 4.164 (and so Moorage's dev/deploy) needs 22.12. */
const MIN_NODE: readonly [number, number] = [22, 12];
/** workerd's networking sidecar image when wrangler does not say (wrangler 4.164's default). */
const FALLBACK_SIDECAR = "cloudflare/proxy-everything";

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

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv) {
  const r = spawnSync(cmd, args, { encoding: "utf8", env, timeout: 15_000 });
  return { ok: r.status === 0, stdout: (r.stdout ?? "").trim(), stderr: (r.stderr ?? "").trim(), error: r.error };
}

/** The sidecar image wrangler will ask Docker for: the env override, else the project wrangler's own default. */
function sidecarImage(wrangler: string | undefined, env: NodeJS.ProcessEnv): string {
  if (env.MINIFLARE_CONTAINER_EGRESS_IMAGE) return env.MINIFLARE_CONTAINER_EGRESS_IMAGE;
  if (wrangler) {
    // node_modules/.bin/wrangler -> node_modules/wrangler/wrangler-dist/cli.js
    const cli = join(dirname(dirname(wrangler)), "wrangler", "wrangler-dist", "cli.js");
    if (existsSync(cli)) {
      const match = readFileSync(cli, "utf8").match(/DEFAULT_CONTAINER_EGRESS_INTERCEPTOR_IMAGE = "([^"]+)"/);
      if (match?.[1]) return match[1];
    }
  }
  return FALLBACK_SIDECAR;
}

function dockerChecks(env: NodeJS.ProcessEnv, wrangler: string | undefined, engineNote: string): Check[] {
  const docker = env.WRANGLER_DOCKER_BIN || "docker";
  const server = run(docker, ["version", "--format", "{{.Server.Version}}"], env);
  const where = env.DOCKER_HOST ?? "the default socket";
  if (server.error) {
    return [
      {
        level: "fail",
        message: `Docker client \`${docker}\` not found`,
        fix: "install Docker (containers are built and run with it), or set WRANGLER_DOCKER_BIN",
      },
    ];
  }
  if (!server.ok || server.stdout === "") {
    return [
      {
        level: "fail",
        message: `Docker engine not reachable at ${where}${engineNote}`,
        fix: "start Docker (or Moorage's local engine) and make sure DOCKER_HOST points at its socket",
      },
    ];
  }
  const checks: Check[] = [{ level: "ok", message: `Docker engine ${server.stdout} at ${where}${engineNote}` }];
  const buildx = run(docker, ["buildx", "version"], env);
  checks.push(
    buildx.ok
      ? { level: "ok", message: `buildx ${buildx.stdout.split(/\s+/)[1] ?? buildx.stdout}` }
      : {
          level: "warn",
          message: "buildx not installed (wrangler builds images with `docker build --load`, which needs it)",
          fix: "install the buildx plugin (docker-buildx-plugin), or build through Moorage's local engine",
        },
  );
  const image = sidecarImage(wrangler, env);
  const inspect = run(docker, ["image", "inspect", "--format", "{{.Id}}", image], env);
  checks.push(
    inspect.ok
      ? { level: "ok", message: `networking sidecar image ${image} is available` }
      : {
          level: "warn",
          message: `networking sidecar image ${image} is not in the local engine (wrangler dev pulls it; offline that fails)`,
          fix: "run `docker pull` for it, or set MINIFLARE_CONTAINER_EGRESS_IMAGE to a local sidecar image",
        },
  );
  return checks;
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
      generated.status === "stale" ? displayPath(project, generated.file) : undefined,
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
  help: `Usage: moorage doctor [options]

Checks what \`moorage dev\` and \`moorage deploy\` need and prints one line per check: ok, warn (works, but
something may bite) or fail (will not work), each with the fix:
  Node >= ${MIN_NODE.join(".")}, wrangler in node_modules and its version, Docker engine reachable (DOCKER_HOST or
  Moorage's local engine), buildx, the networking sidecar image, generated code and wrangler config in sync.

Options:
${PROJECT_OPTIONS_HELP}

${EXIT_CODES_HELP} Exit 1 when any check fails.`,
  async run(ctx) {
    const { values } = parse("doctor", ctx.argv, PROJECT_OPTIONS);
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

    const engine = await localEngine();
    const env = { ...process.env, ...engine?.env };
    checks.push(...dockerChecks(env, wrangler, engine ? " (Moorage local engine)" : ""));
    checks.push(await configCheck(project));

    for (const check of checks) {
      const line = check.fix ? `${check.message}\n        ${ctx.out.dim(`fix: ${check.fix}`)}` : check.message;
      ctx.out[check.level](line);
    }
    return checks.some((c) => c.level === "fail") ? 1 : 0;
  },
};
