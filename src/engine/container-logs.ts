/**
 * Container logs from the local engine: which Docker containers are a Moorage container's instances, and their
 * stdout/stderr (a tail, everything since a time, or followed live).
 *
 * Why: workerd keeps no container output of its own and the platform has no log API for local dev; the Docker
 * engine has both the containers and their output. `moorage logs`, the lifecycle `stop` enrichment and the
 * inspector all read logs through here, so there is one parser of Docker's framing and one way to find an
 * instance.
 * How an instance is found: workerd names app containers `workerd-<session>-<worker>-<Class>-<object id>` (the
 * networking sidecar adds `-proxy`) and labels them `dev.workerd.session`; Moorage's Durable Object starts every
 * container with `MOORAGE_CONTAINER` (export name) and `MOORAGE_INSTANCE` (instance name) in its environment, which
 * `docker inspect` shows. A crashed container stays on the engine (exited) until its instance starts again, so
 * its last lines can still be read.
 * Boundary: Node-only, read-only Docker Engine API calls over DOCKER_HOST; never starts, stops or removes anything.
 */
import http from "node:http";
import { parseDockerHost } from "./docker-api.js";

/** The label workerd puts on every container of a dev session. */
export const WORKERD_SESSION_LABEL = "dev.workerd.session";
const CONTAINER_ENV = "MOORAGE_CONTAINER";
const INSTANCE_ENV = "MOORAGE_INSTANCE";

/** One app container of a Moorage container instance, as the engine reports it. */
export interface InstanceContainer {
  /** Docker's container id. */
  id: string;
  /** Docker's container name (without the leading `/`). */
  name: string;
  /** The export name (`MOORAGE_CONTAINER`). */
  container: string;
  /** The instance name (`MOORAGE_INSTANCE`): the id given to `get(id)`, or a pool instance's name. */
  instance: string;
  /** `running`, `exited`, `created`... */
  state: string;
  running: boolean;
  /** Set once the container has exited. */
  exitCode?: number;
  /** ISO times from the engine. */
  startedAt?: string;
  finishedAt?: string;
  /** workerd's dev session (the `dev.workerd.session` label's value). */
  session?: string;
  /** Epoch milliseconds the engine created it. */
  createdAt?: number;
}

export interface LogLine {
  stream: "stdout" | "stderr";
  /** The engine's RFC 3339 timestamp of the line. */
  time: string;
  /** The line, without its newline. */
  text: string;
}

function request(
  dockerHost: string,
  path: string,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<http.IncomingMessage> {
  const endpoint = parseDockerHost(dockerHost);
  return new Promise((resolve, reject) => {
    const req = http.request({ ...endpoint, method: "GET", path, headers: { host: "docker" }, signal }, resolve);
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`docker GET ${path} timed out after ${timeoutMs} ms`)));
    req.on("error", reject);
    req.end();
  });
}

async function getJson<T>(dockerHost: string, path: string, timeoutMs = 5000): Promise<T> {
  const res = await request(dockerHost, path, timeoutMs);
  const chunks: Buffer[] = [];
  for await (const chunk of res) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks).toString("utf8");
  if (res.statusCode !== 200) throw new Error(`docker GET ${path} answered ${res.statusCode}: ${body.slice(0, 300)}`);
  return JSON.parse(body) as T;
}

interface InspectAnswer {
  Id: string;
  Name: string;
  Config?: { Env?: string[] | null };
  State?: { Status?: string; Running?: boolean; ExitCode?: number; StartedAt?: string; FinishedAt?: string };
}

function envValue(env: readonly string[] | null | undefined, name: string): string | undefined {
  const entry = env?.find((e) => e.startsWith(`${name}=`));
  return entry?.slice(name.length + 1);
}

/**
 * The app containers of Moorage instances on the engine (running and exited), newest first. Filter by export
 * name and instance name; the networking sidecars and containers Moorage did not start are never listed.
 */
export async function findInstanceContainers(
  dockerHost: string,
  filter: {
    container?: string;
    instance?: string;
    /** Only this dev session's (the `dev.workerd.session` label's value). */
    session?: string;
    /** Only containers created at or after this time (epoch ms, to the engine's second). */
    createdSince?: number;
  } = {},
): Promise<InstanceContainer[]> {
  const filters = encodeURIComponent(JSON.stringify({ label: [WORKERD_SESSION_LABEL] }));
  const listed = await getJson<
    Array<{ Id: string; Names?: string[]; Created?: number; Labels?: Record<string, string> | null }>
  >(dockerHost, `/containers/json?all=1&filters=${filters}`);
  const since = filter.createdSince === undefined ? undefined : Math.floor(filter.createdSince / 1000);
  const candidates = listed
    .filter((c) => !(c.Names ?? []).some((n) => n.endsWith("-proxy")))
    .filter((c) => filter.session === undefined || c.Labels?.[WORKERD_SESSION_LABEL] === filter.session)
    .filter((c) => since === undefined || (c.Created ?? 0) >= since)
    .sort((a, b) => (b.Created ?? 0) - (a.Created ?? 0));
  const found: InstanceContainer[] = [];
  for (const c of candidates.slice(0, 200)) {
    let info: InspectAnswer;
    try {
      info = await getJson<InspectAnswer>(dockerHost, `/containers/${encodeURIComponent(c.Id)}/json`);
    } catch {
      continue; // removed between the list and the inspect
    }
    const container = envValue(info.Config?.Env, CONTAINER_ENV);
    const instance = envValue(info.Config?.Env, INSTANCE_ENV);
    if (container === undefined || instance === undefined) continue;
    if (filter.container !== undefined && container !== filter.container) continue;
    if (filter.instance !== undefined && instance !== filter.instance) continue;
    const state = info.State ?? {};
    const entry: InstanceContainer = {
      id: info.Id,
      name: info.Name.replace(/^\//, ""),
      container,
      instance,
      state: state.Status ?? "unknown",
      running: state.Running === true,
    };
    if (!entry.running && typeof state.ExitCode === "number") entry.exitCode = state.ExitCode;
    if (state.StartedAt) entry.startedAt = state.StartedAt;
    if (state.FinishedAt && !entry.running) entry.finishedAt = state.FinishedAt;
    const session = c.Labels?.[WORKERD_SESSION_LABEL];
    if (session !== undefined) entry.session = session;
    if (c.Created !== undefined) entry.createdAt = c.Created * 1000;
    found.push(entry);
  }
  return found;
}

/**
 * Splits Docker's multiplexed log stream (8-byte frame headers: stream type, 3 zero bytes, big-endian length)
 * into lines. Keeps state across chunks: feed it chunks, read complete lines. `flush()` returns a last line that
 * had no newline.
 */
export function createLogDemuxer(): { push(chunk: Buffer): LogLine[]; flush(): LogLine[] } {
  let pending = Buffer.alloc(0);
  const partial: Record<"stdout" | "stderr", string> = { stdout: "", stderr: "" };
  const toLine = (stream: "stdout" | "stderr", raw: string): LogLine => {
    const space = raw.indexOf(" ");
    const stamped = space > 0 && /^\d{4}-\d\d-\d\dT/.test(raw);
    return { stream, time: stamped ? raw.slice(0, space) : "", text: stamped ? raw.slice(space + 1) : raw };
  };
  return {
    push(chunk) {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      const lines: LogLine[] = [];
      while (pending.length >= 8) {
        const type = pending[0];
        const size = pending.readUInt32BE(4);
        if (pending.length < 8 + size) break;
        const stream = type === 2 ? "stderr" : "stdout";
        const text = partial[stream] + pending.subarray(8, 8 + size).toString("utf8");
        pending = pending.subarray(8 + size);
        const parts = text.split("\n");
        partial[stream] = parts.pop() ?? "";
        for (const part of parts) lines.push(toLine(stream, part.replace(/\r$/, "")));
      }
      return lines;
    },
    flush() {
      const lines: LogLine[] = [];
      for (const stream of ["stdout", "stderr"] as const) {
        if (partial[stream] !== "") lines.push(toLine(stream, partial[stream]));
        partial[stream] = "";
      }
      return lines;
    },
  };
}

export interface ReadLogsOptions {
  /** Only the last `tail` lines (per the engine's count). */
  tail?: number;
  /** Only lines at or after this time (epoch milliseconds). */
  sinceMs?: number;
}

function logsPath(id: string, options: ReadLogsOptions, follow: boolean): string {
  const q = new URLSearchParams({ stdout: "1", stderr: "1", timestamps: "1" });
  if (follow) q.set("follow", "1");
  if (options.tail !== undefined) q.set("tail", String(Math.max(0, Math.floor(options.tail))));
  if (options.sinceMs !== undefined) q.set("since", String(Math.floor(options.sinceMs / 1000)));
  return `/containers/${encodeURIComponent(id)}/logs?${q}`;
}

/** The container's output so far (running or exited), in order. */
export async function readLogs(dockerHost: string, id: string, options: ReadLogsOptions = {}): Promise<LogLine[]> {
  const res = await request(dockerHost, logsPath(id, options, false), 10_000);
  if (res.statusCode !== 200) {
    res.resume();
    throw new Error(`docker logs for ${id.slice(0, 12)} answered ${res.statusCode}`);
  }
  const demux = createLogDemuxer();
  const lines: LogLine[] = [];
  for await (const chunk of res) lines.push(...demux.push(chunk as Buffer));
  lines.push(...demux.flush());
  return lines;
}

/**
 * Follows the container's output until it exits or `signal` aborts; each line goes to `onLine` as it arrives.
 * Resolves when the stream ends.
 */
export async function followLogs(
  dockerHost: string,
  id: string,
  onLine: (line: LogLine) => void,
  options: ReadLogsOptions & { signal?: AbortSignal } = {},
): Promise<void> {
  let res: http.IncomingMessage;
  try {
    res = await request(dockerHost, logsPath(id, options, true), 24 * 3600_000, options.signal);
  } catch (error) {
    if (options.signal?.aborted) return;
    throw error;
  }
  if (res.statusCode !== 200) {
    res.resume();
    throw new Error(`docker logs for ${id.slice(0, 12)} answered ${res.statusCode}`);
  }
  const demux = createLogDemuxer();
  try {
    for await (const chunk of res) for (const line of demux.push(chunk as Buffer)) onLine(line);
  } catch (error) {
    if (!options.signal?.aborted) throw error;
  }
  for (const line of demux.flush()) onLine(line);
}

/** The last `lines` lines of an instance's newest container (what a crash report carries), or `[]`. */
export async function lastLines(
  dockerHost: string,
  instance: { container: string; instance: string },
  lines = 20,
): Promise<{ container?: InstanceContainer; lines: LogLine[] }> {
  const [newest] = await findInstanceContainers(dockerHost, instance);
  if (!newest) return { lines: [] };
  return { container: newest, lines: await readLogs(dockerHost, newest.id, { tail: lines }) };
}
