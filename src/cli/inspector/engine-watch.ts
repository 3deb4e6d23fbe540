/**
 * Polls the local engine for the dev session's containers and their log tails, and hands them to the inspector
 * state.
 *
 * Which containers are this session's: those created since the watch started, and once one of them is matched to an
 * instance Moorage's records mention, only those of its workerd session (the `dev.workerd.session` label), so
 * another session's containers on a shared engine never show up.
 * Why polling: a dev session has a handful of containers; one list a second plus a log tail of each running
 * container cost nothing noticeable and need no long-lived streams to clean up. Polls never overlap, every call has
 * a timeout, and it stops with `close()`.
 * Boundary: reading the engine (through `src/engine/container-logs.ts`); deciding states is `state.ts`'s job.
 */
import { findInstanceContainers, type LogLine, readLogs } from "../../engine/container-logs.js";
import { LIMITS } from "./model.js";
import type { EngineContainer, EngineLogLine, InspectorState } from "./state.js";

export interface EngineWatch {
  /** One poll now (tests and the first paint); resolves when it is done. */
  poll(): Promise<void>;
  close(): void;
}

/** Slack for the engine's whole-second creation times and clocks. */
const CREATED_SLACK_MS = 2000;

const epoch = (iso: string | undefined): number | undefined => {
  if (!iso || iso.startsWith("0001-")) return undefined;
  const ms = Date.parse(iso);
  return Number.isFinite(ms) ? ms : undefined;
};

const toLine = (l: LogLine): EngineLogLine => {
  const time = epoch(l.time);
  return time === undefined ? { stream: l.stream, text: l.text } : { stream: l.stream, time, text: l.text };
};

export function watchEngine(
  state: InspectorState,
  options: { dockerHost: string; intervalMs?: number; since?: number },
): EngineWatch {
  const since = (options.since ?? Date.now()) - CREATED_SLACK_MS;
  const logs = new Map<string, { key: string; lines: EngineLogLine[] }>();
  let session: string | undefined;
  let closed = false;
  let running: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;

  const once = async (): Promise<void> => {
    try {
      const found = await findInstanceContainers(options.dockerHost, {
        createdSince: since,
        ...(session === undefined ? {} : { session }),
      });
      if (session === undefined) {
        session = found.find((c) => c.session !== undefined && state.hasRecordsFor(c.container, c.instance))?.session;
      }
      const mine = session === undefined ? found : found.filter((c) => c.session === session);
      const out: EngineContainer[] = [];
      for (const c of mine) {
        // A running container's tail every poll; a stopped one's once more after it stopped, then kept.
        const key = c.running ? `running@${Date.now()}` : `${c.state}|${c.finishedAt ?? ""}`;
        const cached = logs.get(c.id);
        if (!cached || cached.key !== key) {
          const lines = await readLogs(options.dockerHost, c.id, { tail: LIMITS.logLines }).then(
            (l) => l.map(toLine),
            () => cached?.lines ?? [],
          );
          logs.set(c.id, { key, lines });
        }
        out.push({
          id: c.id,
          name: c.name,
          container: c.container,
          instance: c.instance,
          status: c.running ? "running" : c.exitCode === undefined ? c.state : `${c.state} (${c.exitCode})`,
          running: c.running,
          startedAt: epoch(c.startedAt),
          finishedAt: epoch(c.finishedAt),
          exitCode: c.exitCode,
          createdAt: c.createdAt ?? 0,
          logs: logs.get(c.id)?.lines ?? [],
        });
      }
      const present = new Set(mine.map((c) => c.id));
      for (const id of [...logs.keys()]) if (!present.has(id)) logs.delete(id);
      state.setEngine(true);
      state.setEngineContainers(out);
    } catch (error) {
      state.setEngine(false, `the local engine did not answer: ${(error as Error).message}`);
    }
  };

  const poll = (): Promise<void> => {
    running ??= once().finally(() => {
      running = undefined;
    });
    return running;
  };

  const loop = async () => {
    if (closed) return;
    await poll();
    if (closed) return;
    timer = setTimeout(loop, options.intervalMs ?? 1000);
    timer.unref();
  };
  void loop();

  return {
    poll,
    close() {
      closed = true;
      if (timer) clearTimeout(timer);
    },
  };
}
