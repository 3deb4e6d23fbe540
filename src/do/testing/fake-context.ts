/**
 * A fake of workerd's `ctx.container` and of the Durable Object context around it, for unit-testing
 * `MoorageContainer` under Node.
 *
 * `FakeContainer` follows workerd's own semantics (src/workerd/api/container.c++): `start()` is synchronous and
 * throws on a running container; `monitor()` throws before any start, resolves on exit code 0 and rejects with
 * "Container exited with unexpected exit code: N" (with an `exitCode` property) otherwise, or with the runtime's
 * own message (`exit({ message })`); `signal()` throws on a stopped container; `destroy()` kills (exit 137);
 * `getTcpPort(n).fetch` throws "Container is not listening to port n" until the port opens, then hands requests to
 * the test's `app` handler; `getTcpPort(n).connect()` gives a raw socket that answers one HTTP/1.1 request with its
 * status line (how Moorage sends port checks and `readyOn` probes). Port checks (`GET /` on a raw socket) are
 * answered by the fake and counted in `portChecks`, so `appRequests` holds only what the app itself would care
 * about. Interception calls and inactivity timeouts are recorded.
 *
 * `createFakeContext` adds storage (sync `kv`, alarms), `ctx.exports.MoorageOutbound` (runs the real outbound
 * decision) and an id whose `name` is set the way workerd sets it for `idFromName` ids.
 *
 * Boundary: test support only; never imported by library code.
 */
import type { ContainerDefinition } from "../../definition/types.js";
import { answerOutbound, type OutboundProps } from "../outbound.js";

export type AppHandler = (request: Request, port: number) => Response | Promise<Response>;

/** How a run ends: an exit code, or a platform error message (a rollout, a runtime signal). */
export type ExitOutcome = { code: number } | { message: string };

export interface FakeContainerOptions {
  app?: AppHandler;
  /** Milliseconds after `start()` before ports accept connections. Default 0. */
  listenAfterMs?: number;
  /** When false, SIGTERM/SIGINT do nothing (an app that ignores signals). Default true. */
  exitOnSignal?: boolean;
  /** Exit code of a run that handles SIGTERM by exiting. Default 0. */
  signalExitCode?: number;
}

export interface StartCall {
  env?: Record<string, string>;
  entrypoint?: string[];
  enableInternet?: boolean;
  labels?: Record<string, string>;
}

export class FakeContainer {
  startCalls: StartCall[] = [];
  signals: number[] = [];
  destroyCalls = 0;
  /** `interceptOutboundHttp` hosts, in call order (`https:` prefix for HTTPS). */
  interceptHosts: string[] = [];
  /** How many times `interceptAllOutboundHttp` was called. */
  interceptAll = 0;
  /** The last fetcher registered per host (`*` for intercept-all). */
  interceptors = new Map<string, { fetch(request: Request): Promise<Response> }>();
  inactivityTimeouts: number[] = [];
  /** Every request the app saw, with its port. */
  appRequests: { url: string; port: number; method: string; headers: Headers }[] = [];
  portChecks = 0;
  /** Set to make the next `start()` throw (then cleared). */
  failNextStart: Error | undefined;
  app: AppHandler;
  listenAfterMs: number;
  exitOnSignal: boolean;
  signalExitCode: number;

  #running = false;
  #listeningAt = 0;
  #settle: { resolve: () => void; reject: (e: Error) => void } | undefined;
  #monitor: Promise<void> | undefined;

  constructor(options: FakeContainerOptions = {}) {
    this.app = options.app ?? (() => new Response("ok"));
    this.listenAfterMs = options.listenAfterMs ?? 0;
    this.exitOnSignal = options.exitOnSignal ?? true;
    this.signalExitCode = options.signalExitCode ?? 0;
  }

  get running(): boolean {
    return this.#running;
  }

  get images(): Record<string, string> {
    return {};
  }

  start(options?: StartCall): void {
    if (this.#running) throw new Error("start() cannot be called on a container that is already running.");
    if (this.failNextStart) {
      const error = this.failNextStart;
      this.failNextStart = undefined;
      throw error;
    }
    this.startCalls.push(structuredClone(options ?? {}));
    this.#running = true;
    this.#listeningAt = Date.now() + this.listenAfterMs;
    this.#monitor = new Promise<void>((resolve, reject) => {
      this.#settle = { resolve, reject };
    });
    this.#monitor.catch(() => {});
  }

  monitor(): Promise<void> {
    if (!this.#monitor) throw new Error("monitor() cannot be called on a container that is not running.");
    return this.#monitor;
  }

  /** Ends the current run. */
  exit(outcome: ExitOutcome = { code: 0 }): void {
    if (!this.#running) return;
    this.#running = false;
    const settle = this.#settle;
    this.#settle = undefined;
    if ("message" in outcome) settle?.reject(new Error(outcome.message));
    else if (outcome.code === 0) settle?.resolve();
    else {
      settle?.reject(
        Object.assign(new Error(`Container exited with unexpected exit code: ${outcome.code}`), {
          exitCode: outcome.code,
        }),
      );
    }
  }

  signal(signo: number): void {
    if (!this.#running) throw new Error("signal() cannot be called on a container that is not running.");
    this.signals.push(signo);
    if (signo === 9) queueMicrotask(() => this.exit({ code: 137 }));
    else if (this.exitOnSignal) queueMicrotask(() => this.exit({ code: this.signalExitCode }));
  }

  async destroy(): Promise<void> {
    if (!this.#running) return;
    this.destroyCalls++;
    this.exit({ code: 137 });
  }

  getTcpPort(port: number): Fetcher {
    return {
      fetch: async (input: RequestInfo | URL, init?: RequestInit) => {
        if (!this.#listening()) throw new Error(`Container is not listening to port ${port}`);
        const request = new Request(input, init);
        this.appRequests.push({ url: request.url, port, method: request.method, headers: request.headers });
        return this.app(request, port);
      },
      connect: () => this.#socket(port),
    } as unknown as Fetcher;
  }

  /** The app closes its listener but keeps running (a drain before exit, or a run whose network is gone). */
  stopListening(): void {
    this.#listeningAt = Number.POSITIVE_INFINITY;
  }

  /** The app listens again. */
  listen(): void {
    this.#listeningAt = 0;
  }

  #listening(): boolean {
    return this.#running && Date.now() >= this.#listeningAt;
  }

  /** A raw socket that reads one request head and answers with the app's status line, then closes. */
  #socket(port: number) {
    let head = "";
    let answer: ReadableStreamDefaultController<Uint8Array> | undefined;
    const readable = new ReadableStream<Uint8Array>({
      start: (controller) => {
        answer = controller;
      },
    });
    const respond = async (path: string) => {
      if (!this.#listening()) {
        answer?.error(new Error(`Container is not listening to port ${port}`));
        return;
      }
      let status = 404;
      if (path === "/") this.portChecks++;
      else {
        const url = `http://container${path}`;
        this.appRequests.push({ url, port, method: "GET", headers: new Headers() });
        const response = await this.app(new Request(url), port);
        await response.body?.cancel();
        status = response.status;
      }
      answer?.enqueue(new TextEncoder().encode(`HTTP/1.1 ${status} X\r\nconnection: close\r\n\r\n`));
      answer?.close();
    };
    const writable = new WritableStream<Uint8Array>({
      write: (chunk) => {
        head += new TextDecoder().decode(chunk);
        if (head.includes("\r\n\r\n")) void respond(/^GET (\S+) /.exec(head)?.[1] ?? "/");
      },
    });
    return { readable, writable, opened: Promise.resolve({}), closed: Promise.resolve(), close: async () => {} };
  }

  async setInactivityTimeout(durationMs: number): Promise<void> {
    this.inactivityTimeouts.push(durationMs);
  }

  async interceptOutboundHttp(host: string, fetcher: Fetcher): Promise<void> {
    this.interceptHosts.push(host);
    this.interceptors.set(host, fetcher as never);
  }

  async interceptOutboundHttps(host: string, fetcher: Fetcher): Promise<void> {
    this.interceptHosts.push(`https:${host}`);
    this.interceptors.set(`https:${host}`, fetcher as never);
  }

  async interceptAllOutboundHttp(fetcher: Fetcher): Promise<void> {
    this.interceptAll++;
    this.interceptors.set("*", fetcher as never);
  }
}

/** Storage shared by every object built on it, so a test can "evict" an object and build a fresh one. */
export class FakeStorage {
  readonly data = new Map<string, unknown>();
  alarm: number | null = null;
  alarmWrites = 0;

  readonly kv = {
    get: <T>(key: string): T | undefined => structuredClone(this.data.get(key)) as T | undefined,
    put: <T>(key: string, value: T): void => {
      this.data.set(key, structuredClone(value));
    },
    delete: (key: string): boolean => this.data.delete(key),
  };

  async get<T>(key: string): Promise<T | undefined> {
    return structuredClone(this.data.get(key)) as T | undefined;
  }
  async put<T>(key: string, value: T): Promise<void> {
    this.data.set(key, structuredClone(value));
  }
  async setAlarm(time: number | Date): Promise<void> {
    this.alarmWrites++;
    this.alarm = typeof time === "number" ? time : time.getTime();
  }
  async getAlarm(): Promise<number | null> {
    return this.alarm;
  }
  async deleteAlarm(): Promise<void> {
    this.alarm = null;
  }
  async sync(): Promise<void> {}
}

export interface FakeContext {
  ctx: DurableObjectState;
  container: FakeContainer;
  storage: FakeStorage;
  /** Props of every `MoorageOutbound` fetcher the object created (its egress configuration). */
  outboundProps: OutboundProps[];
}

export function createFakeContext(
  options: { container?: FakeContainer; storage?: FakeStorage; name?: string; env?: unknown } = {},
): FakeContext {
  const container = options.container ?? new FakeContainer();
  const storage = options.storage ?? new FakeStorage();
  const outboundProps: OutboundProps[] = [];
  const ctx = {
    id: { toString: () => "fake-object-id", name: options.name, equals: () => false },
    storage,
    container,
    exports: {
      MoorageOutbound: ({ props }: { props: OutboundProps }) => {
        outboundProps.push(structuredClone(props));
        return { fetch: (request: Request) => answerOutbound(request, options.env ?? {}, props) };
      },
    },
    blockConcurrencyWhile: async <T>(fn: () => Promise<T>): Promise<T> => fn(),
    waitUntil: () => {},
    abort: () => {},
  };
  return { ctx: ctx as unknown as DurableObjectState, container, storage, outboundProps };
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
