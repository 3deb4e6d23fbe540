/**
 * A fake Durable Object context for unit-testing `MoorageContainer` under Node, against the real
 * `@cloudflare/containers` base class: storage (async get/put, sync `kv`, the `sql.exec` statements the base
 * class's scheduler issues, alarms), `blockConcurrencyWhile` (records rejections, which would reset a real
 * object), `ctx.exports.ContainerProxy`, and a scriptable `ctx.container`.
 *
 * The fake container behaves like workerd's at the boundaries the base class relies on: `getTcpPort(n).fetch`
 * throws "the container is not listening" until port `n` opens, answers the base class's own health checks
 * (`http://ping`, `http://containerstarthealthcheck`) with 200 once open, and hands every other request to the
 * test's `app` handler; `monitor()` settles when the container exits.
 *
 * Boundary: test support only; never imported by library code.
 */
import type { ContainerDefinition } from "../../definition/types.js";

export type AppHandler = (request: Request, port: number) => Response | Promise<Response>;

/** How a run ends: a clean exit resolves `monitor()`; anything else rejects it with `message`. */
export type ExitOutcome = { code: 0 } | { message: string };

export interface FakeContainerOptions {
  app?: AppHandler;
  /** Milliseconds after `start()` before ports accept connections. Default 0. */
  listenAfterMs?: number;
  /** When false, SIGTERM/SIGINT do not stop the container (an app that ignores signals). Default true. */
  exitOnSignal?: boolean;
}

export class FakeContainer {
  running = false;
  startCalls: {
    env?: Record<string, string>;
    entrypoint?: string[];
    enableInternet?: boolean;
    labels?: Record<string, string>;
  }[] = [];
  signals: number[] = [];
  destroyCalls = 0;
  interceptAll: unknown[] = [];
  interceptHosts: string[] = [];
  /** Every request the app saw, with its port. */
  appRequests: { url: string; port: number; method: string }[] = [];
  /** Set to make the next `start()` throw (then cleared). */
  failNextStart: Error | undefined;
  app: AppHandler;
  listenAfterMs: number;
  exitOnSignal: boolean;

  #listeningAt = 0;
  #settle: { resolve: () => void; reject: (e: Error) => void } | undefined;
  #monitor: Promise<void> | undefined;

  constructor(options: FakeContainerOptions = {}) {
    this.app = options.app ?? (() => new Response("ok"));
    this.listenAfterMs = options.listenAfterMs ?? 0;
    this.exitOnSignal = options.exitOnSignal ?? true;
  }

  start(options?: FakeContainer["startCalls"][number]): void {
    if (this.failNextStart) {
      const error = this.failNextStart;
      this.failNextStart = undefined;
      throw error;
    }
    if (this.running) throw new Error("start() cannot be called on a container that is already running.");
    this.startCalls.push(structuredClone(options ?? {}));
    this.running = true;
    this.#listeningAt = Date.now() + this.listenAfterMs;
    this.#monitor = new Promise<void>((resolve, reject) => {
      this.#settle = { resolve, reject };
    });
    // The base class attaches handlers later; never let an early rejection go unhandled.
    this.#monitor.catch(() => {});
  }

  monitor(): Promise<void> {
    if (!this.#monitor) return Promise.reject(new Error("monitor failed to find container"));
    return this.#monitor;
  }

  /** Ends the current run. */
  exit(outcome: ExitOutcome = { code: 0 }): void {
    if (!this.running) return;
    this.running = false;
    const settle = this.#settle;
    this.#settle = undefined;
    if ("code" in outcome) settle?.resolve();
    else settle?.reject(new Error(outcome.message));
  }

  signal(signo: number): void {
    this.signals.push(signo);
    if (signo === 9 || this.exitOnSignal) queueMicrotask(() => this.exit({ code: 0 }));
  }

  async destroy(): Promise<void> {
    this.destroyCalls++;
    this.exit({ code: 0 });
  }

  getTcpPort(port: number): { fetch(input: string, init?: RequestInit): Promise<Response> } {
    return {
      fetch: async (input: string, init?: RequestInit) => {
        if (!this.running || Date.now() < this.#listeningAt) throw new Error("the container is not listening");
        const url = new URL(input);
        if (url.hostname === "ping" || url.hostname === "containerstarthealthcheck") return new Response("ok");
        const request = new Request(input, init);
        this.appRequests.push({ url: input, port, method: request.method });
        return this.app(request, port);
      },
    };
  }

  async interceptAllOutboundHttp(fetcher: unknown): Promise<void> {
    this.interceptAll.push(fetcher);
  }
  async interceptOutboundHttp(host: string): Promise<void> {
    this.interceptHosts.push(host);
  }
  async interceptOutboundHttps(host: string): Promise<void> {
    this.interceptHosts.push(`https:${host}`);
  }
}

interface ScheduleRow {
  id: string;
  callback: string;
  payload: string;
  type: "scheduled" | "delayed";
  time: number;
  delayInSeconds?: number;
}

/** Storage shared by every object built on it, so a test can "evict" an object and build a fresh one. */
export class FakeStorage {
  readonly data = new Map<string, unknown>();
  readonly schedules: ScheduleRow[] = [];
  alarm: number | null = null;

  readonly kv = {
    get: <T>(key: string): T | undefined => this.data.get(key) as T | undefined,
    put: <T>(key: string, value: T): void => {
      this.data.set(key, structuredClone(value));
    },
    delete: (key: string): boolean => this.data.delete(key),
  };

  readonly sql = {
    exec: (query: string, ...values: unknown[]): Iterable<Record<string, unknown>> => this.#exec(query, values),
  };

  async get<T>(key: string): Promise<T | undefined> {
    return structuredClone(this.data.get(key)) as T | undefined;
  }
  async put<T>(key: string, value: T): Promise<void> {
    this.data.set(key, structuredClone(value));
  }
  async setAlarm(time: number | Date): Promise<void> {
    this.alarm = typeof time === "number" ? time : time.getTime();
  }
  async getAlarm(): Promise<number | null> {
    return this.alarm;
  }
  async deleteAlarm(): Promise<void> {
    this.alarm = null;
  }
  async sync(): Promise<void> {}

  #exec(query: string, values: unknown[]): Record<string, unknown>[] {
    const q = query.replace(/\s+/g, " ").trim();
    if (q.startsWith("CREATE TABLE")) return [];
    if (q.startsWith("INSERT OR REPLACE INTO container_schedules")) {
      const delayed = q.includes("delayInSeconds");
      const [id, callback, payload] = values as [string, string, string];
      const row: ScheduleRow = delayed
        ? { id, callback, payload, type: "delayed", delayInSeconds: values[3] as number, time: values[4] as number }
        : { id, callback, payload, type: "scheduled", time: values[3] as number };
      const existing = this.schedules.findIndex((r) => r.id === id);
      if (existing >= 0) this.schedules.splice(existing, 1);
      this.schedules.push(row);
      return [];
    }
    if (q.startsWith("SELECT COUNT(*)")) return [{ count: this.schedules.length }];
    if (q.startsWith("DELETE FROM container_schedules WHERE callback")) {
      this.#remove((r) => r.callback === values[0]);
      return [];
    }
    if (q.startsWith("DELETE FROM container_schedules WHERE id")) {
      this.#remove((r) => r.id === values[0]);
      return [];
    }
    if (q.startsWith("SELECT * FROM container_schedules WHERE id")) {
      return this.schedules.filter((r) => r.id === values[0]).slice(0, 1) as never;
    }
    if (q.startsWith("SELECT * FROM container_schedules WHERE callback")) {
      return this.schedules.filter((r) => r.callback === values[0]).slice(0, 1) as never;
    }
    if (q.startsWith("SELECT * FROM container_schedules")) return [...this.schedules] as never;
    throw new Error(`fake sql: unsupported statement: ${q}`);
  }

  #remove(predicate: (row: ScheduleRow) => boolean): void {
    for (let i = this.schedules.length - 1; i >= 0; i--) {
      if (predicate(this.schedules[i] as ScheduleRow)) this.schedules.splice(i, 1);
    }
  }
}

export interface FakeContext {
  ctx: DurableObjectState;
  container: FakeContainer;
  storage: FakeStorage;
  /** Rejections from `blockConcurrencyWhile` callbacks: each would have reset a real object. */
  blockConcurrencyRejections: unknown[];
  abortCalls: unknown[];
  /** Props of every `ContainerProxy` fetcher the object created (outbound interception config). */
  proxyProps: Record<string, unknown>[];
}

export function createFakeContext(
  options: { container?: FakeContainer; storage?: FakeStorage; name?: string } = {},
): FakeContext {
  const container = options.container ?? new FakeContainer();
  const storage = options.storage ?? new FakeStorage();
  const blockConcurrencyRejections: unknown[] = [];
  const abortCalls: unknown[] = [];
  const proxyProps: Record<string, unknown>[] = [];
  const ctx = {
    id: { toString: () => "fake-object-id", name: options.name, equals: () => false },
    storage,
    container,
    exports: {
      ContainerProxy: ({ props }: { props: Record<string, unknown> }) => {
        proxyProps.push(structuredClone(props));
        return { fetch: () => new Response("proxied") };
      },
    },
    blockConcurrencyWhile: async <T>(fn: () => Promise<T>): Promise<T> => {
      try {
        return await fn();
      } catch (error) {
        blockConcurrencyRejections.push(error);
        throw error;
      }
    },
    waitUntil: () => {},
    abort: (reason?: unknown) => {
      abortCalls.push(reason);
    },
  };
  return {
    ctx: ctx as unknown as DurableObjectState,
    container,
    storage,
    blockConcurrencyRejections,
    abortCalls,
    proxyProps,
  };
}

/** A complete normalized definition with test-friendly budgets; override what a test needs. */
export function testDefinition(overrides: Partial<ContainerDefinition> = {}): ContainerDefinition {
  return {
    image: { kind: "dockerfile", dockerfile: "containers/api/Dockerfile", context: "containers/api" },
    defaultPort: 8080,
    requiredPorts: [8080],
    instanceType: "lite",
    sleepAfterSeconds: 600,
    readyTimeoutSeconds: 2,
    env: {},
    secrets: [],
    secretsStore: {},
    labels: {},
    buildArgs: {},
    enableInternet: true,
    allowedHosts: [],
    deniedHosts: [],
    interceptHttps: false,
    readyOn: [],
    ...overrides,
  };
}
