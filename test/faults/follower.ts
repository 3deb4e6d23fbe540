/**
 * What the app saw, from outside: follows every app container of one wrangler session (Docker `start`/`die`
 * events, then `docker logs -f` of each) and parses the fixture app's `FAULTAPP` lines (bench/faults/fixture/
 * container/server.mjs): boots per instance, executions per request key, container lifetimes.
 *
 * Why logs and not the app's memory: a request re-sent after its first container died runs in a second container;
 * only a record that outlives the first one can show it ran twice. The app writes each line synchronously before it
 * answers, and `docker logs -f` replays a container's output from its start, so attaching late loses nothing while
 * the container exists. Boundary: read-only on the engine (events, logs); only containers whose name carries this
 * session's Worker name; every child process it starts is ended by `stop()`.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";

export interface AppContainer {
  id: string;
  name: string;
  /** The instance id the app printed at boot (MOORAGE_INSTANCE). */
  instance?: string;
  boot?: string;
  startedAt: number;
  diedAt?: number;
  listening: boolean;
}

export interface Execution {
  method: string;
  key: string;
  boot: string;
  at: number;
}

export class AppFollower {
  readonly containers = new Map<string, AppContainer>();
  readonly executions: Execution[] = [];
  #events: ChildProcess | undefined;
  readonly #logs = new Set<ChildProcess>();
  #waiters: Array<() => void> = [];

  constructor(
    private readonly workerName: string,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  start(): void {
    this.#events?.kill();
    const events = spawn(
      "docker",
      [
        "events",
        "--filter",
        "type=container",
        "--filter",
        "event=start",
        "--filter",
        "event=die",
        "--format",
        "{{.Status}}|{{.ID}}|{{.Actor.Attributes.name}}|{{.TimeNano}}",
      ],
      { env: this.env, stdio: ["ignore", "pipe", "ignore"] },
    );
    this.#events = events;
    createInterface({ input: events.stdout }).on("line", (line) => this.#onEvent(line));
  }

  #onEvent(line: string): void {
    const [status, id, name = "", nanos] = line.split("|");
    if (!id || !name.includes(`-${this.workerName}-`) || name.endsWith("-proxy")) return;
    const at = Number(BigInt(nanos ?? "0") / 1_000_000n);
    if (status === "start") {
      this.containers.set(id, { id, name, startedAt: at, listening: false });
      this.#follow(id);
    } else if (status === "die") {
      const c = this.containers.get(id);
      if (c) c.diedAt = at;
    }
    this.#wake();
  }

  #follow(id: string): void {
    const logs = spawn("docker", ["logs", "-f", id], { env: this.env, stdio: ["ignore", "pipe", "ignore"] });
    this.#logs.add(logs);
    logs.once("exit", () => this.#logs.delete(logs));
    createInterface({ input: logs.stdout }).on("line", (line) => this.#onLine(id, line));
  }

  #onLine(id: string, line: string): void {
    const at = line.indexOf("FAULTAPP ");
    if (at < 0) return;
    const [kind, a = "", b = "", c = ""] = line.slice(at + 9).split(" ");
    const container = this.containers.get(id);
    if (kind === "BOOT" && container) {
      container.instance = decodeURIComponent(a);
      container.boot = b;
    } else if (kind === "LISTEN" && container) {
      container.listening = true;
    } else if (kind === "EXEC") {
      this.executions.push({ method: a, key: decodeURIComponent(b), boot: c, at: Date.now() });
    }
    this.#wake();
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w();
  }

  /** Resolves when `test` holds (checked on every event and log line), or rejects after `timeoutMs`. */
  async until(what: string, test: () => boolean, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!test()) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`fault matrix: gave up waiting for ${what} after ${timeoutMs} ms`);
      await new Promise<void>((r) => {
        const timer = setTimeout(r, Math.min(left, 250));
        this.#waiters.push(() => {
          clearTimeout(timer);
          r();
        });
      });
    }
  }

  /** App containers that booted as `instance`, oldest first. */
  of(instance: string): AppContainer[] {
    return [...this.containers.values()]
      .filter((c) => c.instance === instance)
      .sort((x, y) => x.startedAt - y.startedAt);
  }

  /** The running (not died) container of `instance`, if exactly one is. */
  live(instance: string): AppContainer | undefined {
    const live = this.of(instance).filter((c) => c.diedAt === undefined);
    return live.length === 1 ? live[0] : undefined;
  }

  /** How many times the app executed the request with this key. */
  executionsOf(key: string): number {
    return this.executions.filter((e) => e.key === key).length;
  }

  /**
   * Starts of `instance` that overlapped a container of the same instance still running: two containers serving
   * one id at once (the "duplicate start" the matrix must never see).
   */
  overlappingStarts(instance: string): number {
    const runs = this.of(instance);
    let overlaps = 0;
    for (let i = 1; i < runs.length; i++) {
      const current = runs[i] as AppContainer;
      if (runs.slice(0, i).some((p) => p.diedAt === undefined || p.diedAt > current.startedAt)) overlaps++;
    }
    return overlaps;
  }

  stop(): void {
    this.#events?.kill();
    for (const l of this.#logs) l.kill();
    this.#logs.clear();
  }
}
