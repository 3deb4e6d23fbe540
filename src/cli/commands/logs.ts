/**
 * `moorage logs <container> [--id ID | --pool N] [--follow] [--since T] [--tail N]`: a container's stdout and
 * stderr in local dev, read from the local Docker engine (see `src/engine/container-logs.ts` for how instances are
 * found). Production has no such API: the README says where logs go there.
 * Boundary: argument handling and printing; finding containers and parsing Docker's stream live in the engine
 * module. Read-only: never starts or stops a container.
 */
import { discoverContainers } from "../../authoring/discover.js";
import { parseDuration } from "../../definition/duration.js";
import { DEFAULT_POOL_SIZE, poolInstanceName } from "../../definition/naming.js";
import { defaultEngineResolver } from "../../engine/cli.js";
import {
  findInstanceContainers,
  followLogs,
  type InstanceContainer,
  type LogLine,
  readLogs,
} from "../../engine/container-logs.js";
import { LocalEngineError } from "../../engine/index.js";
import {
  type Command,
  type CommandContext,
  EXIT_CODES_HELP,
  PROJECT_OPTIONS,
  PROJECT_OPTIONS_HELP,
  parse,
  projectFrom,
} from "../command.js";
import { CommandFailed, UsageError } from "../errors.js";
import type { Output } from "../output.js";

/** How often `--follow` looks for instances that started (or restarted) since it began. */
const FOLLOW_POLL_MS = 1000;

export const logsCommand: Command = {
  name: "logs",
  summary: "Show a container's stdout/stderr from the local engine (--follow to stream)",
  help: `Usage: moorage logs <container> [--id <id> | --pool <n>] [--follow] [--since <time>] [--tail <n>] [options]

Prints the stdout and stderr of a container's instances running (or exited) on the local Docker engine during
\`moorage dev\` / \`wrangler dev\`. <container> is the export name in moorage/containers.ts. stdout lines go to
stdout, stderr lines to stderr; with more than one instance each line starts with [instance]. A container that
crashed keeps its output until its instance starts again.

Local dev only: in production, container output goes to Workers Logs (enable observability) and
\`wrangler tail\`; see the README section "Container logs".

Options:
  --id <id>        Only the instance get(<id>) reaches
  --pool <n>       Only pool instance <n> (0-based), the one any()/pool() calls may choose
  -f, --follow     Keep streaming, also across restarts of the instance, until Ctrl-C
  --since <time>   Only lines since a duration ago ("30s", "10m", "1h") or an ISO time ("2026-12-01T09:00:00Z")
  --tail <n>       Only the last <n> lines of each instance (before following)
  --timestamps     Start each line with the engine's timestamp
${PROJECT_OPTIONS_HELP}

${EXIT_CODES_HELP} Exit 1 also when no instance of the container is on the local engine (without --follow).`,
  async run(ctx) {
    const { values, positionals } = parse(
      "logs",
      ctx.argv,
      {
        ...PROJECT_OPTIONS,
        id: { type: "string" },
        pool: { type: "string" },
        follow: { type: "boolean", short: "f" },
        since: { type: "string" },
        tail: { type: "string" },
        timestamps: { type: "boolean" },
      },
      true,
    );
    const [container, ...extra] = positionals;
    if (container === undefined)
      throw new UsageError("moorage logs: name the container, e.g. `moorage logs transcoder`");
    if (extra.length > 0) throw new UsageError(`moorage logs: one container at a time (got ${positionals.join(", ")})`);
    if (values.id !== undefined && values.pool !== undefined) {
      throw new UsageError("moorage logs: --id and --pool pick one instance each; use one of them");
    }
    if (values.id === "") throw new UsageError("moorage logs: --id must not be empty");
    const sinceMs = values.since === undefined ? undefined : parseSince(values.since);
    const tail = values.tail === undefined ? undefined : parseCount("--tail", values.tail);

    const project = projectFrom(ctx, values);
    const declared = await discoverContainers(project);
    const def = declared.find((c) => c.exportName === container);
    if (!def) {
      const names = declared.map((c) => c.exportName).join(", ") || "none";
      throw new CommandFailed(
        `moorage logs: no container named "${container}" in moorage/containers.ts (declared: ${names})`,
      );
    }
    let instance: string | undefined = values.id;
    if (values.pool !== undefined) {
      const size = def.definition.maxInstances ?? DEFAULT_POOL_SIZE;
      const n = parseCount("--pool", values.pool);
      if (n >= size)
        throw new UsageError(`moorage logs: --pool ${n} is outside the pool of ${size} (0 to ${size - 1})`);
      instance = poolInstanceName(n);
    }

    const dockerHost = await engineHost(ctx);
    const filter = instance === undefined ? { container } : { container, instance };
    const print = printer(ctx.out, values.timestamps === true, instance === undefined);
    if (values.follow === true) {
      await follow(dockerHost, filter, print, ctx.out, { tail, sinceMs });
      return 0;
    }
    const found = latestPerInstance(await findInstanceContainers(dockerHost, filter));
    if (found.length === 0) {
      ctx.out.error(notFound(container, instance));
      return 1;
    }
    for (const c of found) {
      for (const line of await readLogs(dockerHost, c.id, { tail, sinceMs })) print(c, line);
      if (!c.running) ctx.out.error(exitedLine(c));
    }
    return 0;
  },
};

function parseCount(flag: string, value: string): number {
  if (!/^\d+$/.test(value))
    throw new UsageError(`moorage logs: ${flag} must be a whole number (got ${JSON.stringify(value)})`);
  return Number(value);
}

/** `--since`: a duration ago, or an absolute ISO-8601 time. */
export function parseSince(value: string, now = Date.now()): number {
  const seconds = parseDuration(value);
  if (seconds !== undefined) return now - seconds * 1000;
  const t = /^\d{4}-\d\d-\d\d/.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(t)) {
    throw new UsageError(
      `moorage logs: --since must be a duration like "30s", "10m", "1h" or an ISO time like "2026-12-01T09:00:00Z" (got ${JSON.stringify(value)})`,
    );
  }
  return t;
}

async function engineHost(ctx: CommandContext): Promise<string> {
  try {
    const engine = await (ctx.resolveEngine ?? defaultEngineResolver)({ sidecar: "moorage", images: "skip" });
    return engine.dockerHost;
  } catch (error) {
    if (!(error instanceof LocalEngineError)) throw error;
    throw new CommandFailed(`moorage logs: no local Docker engine to read logs from: ${error.message}`);
  }
}

function notFound(container: string, instance: string | undefined): string {
  const which = instance === undefined ? `container "${container}"` : `instance "${instance}" of "${container}"`;
  return `moorage logs: no ${which} on the local engine. Start \`moorage dev\` and send the instance a request (or start() it), or pass --follow to wait for it`;
}

function exitedLine(c: InstanceContainer): string {
  return `[${c.instance}] -- exited with code ${c.exitCode ?? "?"}${c.finishedAt ? ` at ${c.finishedAt}` : ""} --`;
}

/** The newest container of each instance (an instance's earlier runs are gone or superseded). */
function latestPerInstance(found: InstanceContainer[]): InstanceContainer[] {
  const seen = new Set<string>();
  const latest: InstanceContainer[] = [];
  for (const c of found) {
    if (seen.has(c.instance)) continue;
    seen.add(c.instance);
    latest.push(c);
  }
  return latest.reverse();
}

function printer(out: Output, timestamps: boolean, prefix: boolean) {
  return (c: InstanceContainer, line: LogLine) => {
    const text = `${timestamps && line.time ? `${line.time} ` : ""}${prefix ? `[${c.instance}] ` : ""}${line.text}`;
    if (line.stream === "stderr") out.error(text);
    else out.info(text);
  };
}

async function follow(
  dockerHost: string,
  filter: { container: string; instance?: string },
  print: (c: InstanceContainer, line: LogLine) => void,
  out: Output,
  options: { tail?: number | undefined; sinceMs?: number | undefined },
): Promise<void> {
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  const followed = new Set<string>();
  const streams: Promise<void>[] = [];
  const startedAt = Date.now();
  let announced = false;
  try {
    while (!stop.signal.aborted) {
      const found = await findInstanceContainers(dockerHost, filter).catch(() => []);
      for (const c of found.reverse()) {
        if (followed.has(c.id)) continue;
        const isNew = c.startedAt !== undefined && Date.parse(c.startedAt) >= startedAt;
        // A run that ended before we began is history: only follow what is running or started since.
        if (!c.running && !isNew) {
          followed.add(c.id);
          continue;
        }
        followed.add(c.id);
        const from = isNew ? {} : { tail: options.tail, sinceMs: options.sinceMs };
        streams.push(
          followLogs(dockerHost, c.id, (line) => print(c, line), { ...clean(from), signal: stop.signal })
            .then(async () => {
              if (stop.signal.aborted) return;
              const [after] = await findInstanceContainers(dockerHost, {
                container: c.container,
                instance: c.instance,
              });
              if (after && after.id === c.id && !after.running) out.error(exitedLine(after));
            })
            .catch((error: Error) => out.error(`[${c.instance}] -- log stream ended: ${error.message} --`)),
        );
      }
      if (!announced && followed.size === 0) {
        out.error(
          `moorage logs: waiting for ${filter.instance ?? "an instance"} of "${filter.container}" to start (Ctrl-C to stop)`,
        );
        announced = true;
      }
      await new Promise((r) => setTimeout(r, FOLLOW_POLL_MS));
    }
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    stop.abort();
    await Promise.allSettled(streams);
  }
}

function clean<T extends Record<string, unknown>>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
