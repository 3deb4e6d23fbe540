/**
 * `MoorageContainer`: the Durable Object base class every generated container class extends.
 *
 * It extends `Container` from `@cloudflare/containers` (so platform start/monitor/alarm/egress plumbing is the
 * platform library's, not a copy) and owns what that class leaves to its users: applying a normalized
 * `ContainerDefinition`, the environment (secrets fail closed), readiness gating, the hard timeout, structured
 * lifecycle events, and the robustness rules from upstream-issues.md (one start under concurrency, aborts release
 * activity, local-engine transients become retryable 503s, streaming bodies pass through, a real `stopping` state).
 *
 * Request path (`fetch`, and `containerFetch` which routes to it): count activity from arrival -> if this run is
 * not serving yet, join the single in-flight start (environment -> bridge binding -> platform start + all
 * `requiredPorts` open -> hard-timeout arming -> `readyOn` probes) -> proxy to the target port with the body
 * streamed both ways -> release activity when the body ends, is cancelled, or the request aborts.
 *
 * Boundary: the Durable Object side only. The client (`src/client/`) reaches it through the stub; the generated
 * code constructs it; the wire contract is `src/protocol.ts`.
 */
import {
  Container,
  type ContainerStartConfigOptions,
  type State,
  type StopParams,
  type WaitOptions,
} from "@cloudflare/containers";
import type { ContainerDefinition } from "../definition/types.js";
import { HEADERS } from "../protocol.js";
import { ActivityTracker, declaredLength, type Release, releaseOnAbort, releasingBody } from "./activity.js";
import { BRIDGE_OUTBOUND_METHOD, type BridgeCaller, bridgeOutboundHandler } from "./bridge.js";
import { BRIDGE_HOST, EnvironmentResolver } from "./environment.js";
import { classifyStartError, errorResponse, MoorageError } from "./errors.js";
import { HARD_TIMEOUT_CALLBACK, hardTimeoutDueAt, isCurrentRun } from "./hard-timeout.js";
import {
  consoleSink,
  type LifecycleEvent,
  type LifecycleSink,
  lifecycleRecord,
  type StopReason,
} from "./lifecycle-log.js";
import { DEFAULT_READY_POLL_INTERVAL_MS, waitUntilReady } from "./readiness.js";
import { RunLedger } from "./run-ledger.js";
import { proxyWebSocket } from "./websocket.js";

/** The workerd `ctx.container` API (the global `Container` type, shadowed here by the platform library's class). */
type PlatformContainer = NonNullable<DurableObjectState["container"]>;

/** What `stop()` accepts: a signal name or number (the platform library's own type, not re-exported by it). */
export type StopSignal = Parameters<Container["stop"]>[0];

/** The runtime's exit message, including the rollout variant the platform library misses (containers#253). */
const RUNTIME_EXIT = /runtime signalled the container to exit([^:]*):\s*(-?\d+)/i;

/** Parses a runtime-signalled exit out of a monitor error; `null` when the error is something else. */
export function parseRuntimeExit(error: unknown): { exitCode: number; reason: StopReason } | null {
  const message = error instanceof Error ? error.message : String(error);
  const match = RUNTIME_EXIT.exec(message);
  if (!match) return null;
  return {
    exitCode: Number(match[2]),
    reason: /rollout/i.test(match[1] ?? "") ? "rollout" : "runtime-signal",
  };
}

type ContainerClass = typeof Container;

/** `start()` options: the platform library's, plus the instance name (RPC calls carry no `moorage-instance` header). */
export interface MoorageStartOptions extends ContainerStartConfigOptions {
  /** The instance name (`id` or `pool-N`), injected as `MOORAGE_INSTANCE` and used in lifecycle events. */
  instance?: string;
}

/**
 * Registers the bridge's outbound handler on the concrete class *before* the base constructor runs: the base
 * constructor restores persisted outbound overrides and drops any whose handler is not registered on the class.
 * Returns the base constructor's options.
 */
function prepareClass(target: unknown, definition: ContainerDefinition) {
  const ctor = target as ContainerClass;
  if (ctor.outboundHandlers?.[BRIDGE_OUTBOUND_METHOD] === undefined) {
    ctor.outboundHandlers = { [BRIDGE_OUTBOUND_METHOD]: bridgeOutboundHandler as never };
  }
  return {
    defaultPort: definition.defaultPort,
    sleepAfter: definition.sleepAfterSeconds,
    envVars: { ...definition.env },
    ...(definition.entrypoint ? { entrypoint: [...definition.entrypoint] } : {}),
    enableInternet: definition.enableInternet,
  };
}

/** Allowed-host lists always keep the bridge host: otherwise an allow-list would cut the container off its app. */
function withBridgeHost(hosts: readonly string[]): string[] {
  return hosts.includes(BRIDGE_HOST) ? [...hosts] : [...hosts, BRIDGE_HOST];
}

/**
 * The base class of every generated container Durable Object.
 *
 * RPC surface (call through the stub; all other members are internal even where the runtime exposes them):
 * - `fetch(request)`: HTTP and WebSocket upgrades. Reads `cf-container-target-port` (port, default `defaultPort`)
 *   and `moorage-instance` (instance name); sets `moorage-cold-start-ms` on responses that waited for a start; its
 *   own failures carry `moorage-error` (`starting` 503/429 retryable, `not-ready` 503, `config` 500/400,
 *   `start-failed` 500) and a JSON body `{ error, message }`.
 * - `start(options?)` (`{ envVars?, entrypoint?, enableInternet?, labels?, instance? }`): starts (if needed) and resolves once every required port is open and `readyOn` passed.
 *   `options.envVars` replaces env + secrets + Secrets Store wholesale; a bare `start()` resolves them (fails
 *   closed). Joins a start already in flight.
 * - `stop(signal?)` (default SIGTERM; `getState()` then reports `stopping` until exit), `destroy()` (SIGKILL).
 * - `getState()`: `{ status: "running" | "healthy" | "stopping" | "stopped" | "stopped_with_code", lastChange,
 *   exitCode? }`.
 * - `renewActivityTimeout()`: push back `sleepAfter` for non-HTTP activity.
 * - Egress: `allowHost(host)`, `denyHost(host)`, `removeAllowedHost(host)`, `removeDeniedHost(host)`,
 *   `setAllowedHosts(hosts)`, `setDeniedHosts(hosts)`.
 *
 * Subclass hooks: `onHardTimeoutExpired()` (default `stop()`), plus the platform library's `onStart`, `onStop`,
 * `onError`, `onActivityExpired`. Lifecycle logging does not depend on overrides calling `super`.
 */
export class MoorageContainer<Env = unknown> extends Container<Env> {
  /** The normalized definition this class was generated from. */
  readonly definition: ContainerDefinition;
  /** The container's export name in `moorage/containers.ts`. */
  readonly exportName: string;

  /** Pause between two `readyOn` attempts of one probe. */
  readyPollIntervalMs = DEFAULT_READY_POLL_INTERVAL_MS;
  /** Budget to get a container instance and issue the start (the platform library's default). */
  instanceGetTimeoutMs = 8_000;
  /** Budget for every `requiredPorts` entry to accept connections, from the start. */
  portReadyTimeoutMs = 20_000;
  /** Pause between two port checks while starting. */
  portPollIntervalMs = 300;
  /** Where lifecycle records go. Replace in tests or to forward them elsewhere. */
  lifecycleSink: LifecycleSink = consoleSink;

  readonly #environment: EnvironmentResolver;
  readonly #ledger: RunLedger;
  readonly #activity: ActivityTracker;
  /** The one in-flight start of this object: every concurrent caller awaits this promise (containers#173/#232). */
  #serving: Promise<void> | undefined;
  /** Generation that is started, has its ports open and passed `readyOn`: requests go straight through. */
  #readyGeneration: number | undefined;
  #instance: string | undefined;
  #stoppingSince: number | undefined;
  #pendingStopReason: StopReason | undefined;
  #stopReportedFor: number | undefined;
  #bridgeBoundFor: string | undefined;
  #errorsReported = 0;

  constructor(ctx: DurableObjectState, env: Env, definition: ContainerDefinition, exportName: string) {
    // The platform library types `ctx` with `{}` props; generated code passes the default `DurableObjectState`.
    super(ctx as DurableObjectState<{}>, env, prepareClass(new.target, definition));
    this.definition = definition;
    this.exportName = exportName;
    this.requiredPorts = [...definition.requiredPorts];
    this.labels = { ...definition.labels };
    this.interceptHttps = definition.interceptHttps;
    // An empty list is "not set": the platform proxy treats any allow-list as a whitelist gate.
    if (definition.allowedHosts.length > 0) this.allowedHosts = withBridgeHost(definition.allowedHosts);
    if (definition.deniedHosts.length > 0) this.deniedHosts = [...definition.deniedHosts];
    // The bridge host override needs outbound interception on every run.
    this.usingInterception = true;

    this.#environment = new EnvironmentResolver(definition, exportName);
    this.#ledger = new RunLedger(ctx.storage.kv);
    this.#activity = new ActivityTracker(
      () => this.renewActivityTimeout(),
      () => this.renewActivityTimeout(),
    );
    this.#installHookWrappers();
  }

  // ===================== identity =====================

  /** `ctx.container`; the base constructor already threw a directed error if containers are not enabled. */
  get #container(): PlatformContainer {
    return this.ctx.container as PlatformContainer;
  }

  /** The instance name: from the client's `moorage-instance` header, else persisted, else the object's id. */
  get instanceName(): string {
    return this.#instance ?? this.#ledger.instance ?? this.ctx.id.name ?? this.ctx.id.toString();
  }

  #learnInstance(name: string | null): void {
    if (!name || name === this.#instance) return;
    this.#instance = name;
    this.#ledger.instance = name;
  }

  #subject(): string {
    return `container "${this.exportName}" (instance "${this.instanceName}")`;
  }

  // ===================== requests =====================

  override async fetch(request: Request): Promise<Response> {
    this.#learnInstance(request.headers.get(HEADERS.instanceName));
    const header = request.headers.get(HEADERS.targetPort);
    let port = this.definition.defaultPort;
    if (header !== null) {
      port = Number(header);
      if (!Number.isInteger(port) || port < 1 || port > 65_535) {
        return errorResponse(
          new MoorageError(
            "config",
            400,
            `moorage: ${HEADERS.targetPort} must be a port number between 1 and 65535, got "${header}"`,
          ),
        );
      }
    }
    return this.#handle(request, port);
  }

  /** Routes the platform library's `containerFetch` through the same gated path as `fetch`. */
  override async containerFetch(
    requestOrUrl: Request | string | URL,
    portOrInit?: number | RequestInit,
    portParam?: number,
  ): Promise<Response> {
    const request =
      requestOrUrl instanceof Request
        ? requestOrUrl
        : new Request(requestOrUrl, typeof portOrInit === "object" ? portOrInit : undefined);
    const port = typeof portOrInit === "number" ? portOrInit : (portParam ?? this.definition.defaultPort);
    return this.#handle(request, port);
  }

  async #handle(request: Request, port: number): Promise<Response> {
    const arrivedAt = Date.now();
    // Activity counts from arrival: a request waiting for a cold start is activity too.
    const release = this.#activity.begin();
    const detach = releaseOnAbort(request.signal, release);
    try {
      let coldStartMs: number | undefined;
      if (!this.#isServing()) {
        await this.#waitForServing(request.signal);
        coldStartMs = Date.now() - arrivedAt;
      }
      return await this.#proxy(request, port, release, coldStartMs);
    } catch (error) {
      release();
      const failure = error instanceof MoorageError ? error : this.#proxyFailure(error);
      return errorResponse(failure);
    } finally {
      detach();
    }
  }

  #isServing(): boolean {
    return (
      this.#container.running &&
      this.#stoppingSince === undefined &&
      this.#readyGeneration !== undefined &&
      this.#readyGeneration === this.#ledger.generation
    );
  }

  /** Joins the shared start; a request aborted meanwhile leaves without cancelling the start for the others. */
  async #waitForServing(signal: AbortSignal | null | undefined): Promise<void> {
    const serving = this.#ensureServing();
    if (!signal) return serving;
    let onAbort: (() => void) | undefined;
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () =>
        reject(
          new MoorageError(
            "starting",
            503,
            `moorage: the request to ${this.#subject()} was aborted while it was starting`,
          ),
        );
      if (signal.aborted) onAbort();
      else signal.addEventListener("abort", onAbort, { once: true });
    });
    try {
      return await Promise.race([serving, aborted]);
    } finally {
      if (onAbort) signal.removeEventListener("abort", onAbort);
    }
  }

  async #proxy(request: Request, port: number, release: Release, coldStartMs: number | undefined): Promise<Response> {
    const url = new URL(request.url);
    url.protocol = "http:";
    const headers = new Headers(request.headers);
    // Routing metadata for this object, not for the app.
    headers.delete(HEADERS.instanceName);
    headers.delete(HEADERS.targetPort);
    // The body is handed over as a stream, never buffered (containers#98/#116). `duplex` is required by
    // standards-following runtimes for a streamed request body and ignored by workerd.
    const init: RequestInit & { duplex?: "half" } = {
      method: request.method,
      headers,
      redirect: "manual",
      signal: request.signal,
    };
    if (request.body !== null) {
      init.body = request.body;
      init.duplex = "half";
    }
    const response = await this.#container.getTcpPort(port).fetch(url.toString(), init);

    const responseHeaders = new Headers(response.headers);
    if (coldStartMs !== undefined) responseHeaders.set(HEADERS.coldStartMs, String(coldStartMs));
    const upgraded = (response as Response & { webSocket?: WebSocket | null }).webSocket;
    if (upgraded) {
      return proxyWebSocket(
        response as Response & { webSocket: WebSocket },
        release,
        () => this.renewActivityTimeout(),
        responseHeaders,
      );
    }
    const init2 = { status: response.status, statusText: response.statusText, headers: responseHeaders };
    if (response.body === null) {
      release();
      return new Response(null, init2);
    }
    return new Response(releasingBody(response.body, release, request.signal, declaredLength(response.headers)), init2);
  }

  /** A failure while proxying to a serving container: transients are cold-start signals, the rest a 502. */
  #proxyFailure(error: unknown): MoorageError {
    const classified = classifyStartError(error, `moorage: ${this.#subject()}`);
    if (classified.kind === "starting") return classified;
    const message = error instanceof Error ? error.message : String(error);
    this.#log("error", { phase: "proxy", message });
    return new MoorageError("start-failed", 502, `moorage: could not reach ${this.#subject()}: ${message}`, {
      cause: error,
    });
  }

  // ===================== starting =====================

  /**
   * Starts the container if needed and resolves when it is serving. RPC-callable. `options.envVars` replaces the
   * definition's environment wholesale (Secrets Store is not read); a bare call resolves env, secrets and Secrets
   * Store and fails closed. A start already in flight is joined (its options win).
   */
  override async start(options?: MoorageStartOptions, _waitOptions?: WaitOptions): Promise<void> {
    if (options?.instance) this.#learnInstance(options.instance);
    if (this.#isServing()) return;
    await this.#ensureServing(options);
  }

  #ensureServing(options?: ContainerStartConfigOptions): Promise<void> {
    if (this.#serving) return this.#serving;
    const run = this.#runStart(options);
    this.#serving = run;
    run
      .finally(() => {
        if (this.#serving === run) this.#serving = undefined;
      })
      .catch(() => {
        // Every awaiting caller gets the rejection; this chain only clears the slot.
      });
    return run;
  }

  /**
   * One start attempt. Runs outside `blockConcurrencyWhile` on purpose: readiness waits and timer arming can take
   * seconds and can fail, and a rejection inside `blockConcurrencyWhile` resets the whole object (dropping every
   * request it holds and the in-memory start promise). Here a failure only fails this attempt's callers.
   */
  async #runStart(options: ContainerStartConfigOptions | undefined): Promise<void> {
    const errorsBefore = this.#errorsReported;
    let issuedStart = false;
    try {
      if (this.#stoppingSince !== undefined && this.#container.running) {
        throw new MoorageError(
          "starting",
          503,
          `moorage: ${this.#subject()} is stopping; it will start again once the current run has exited`,
        );
      }
      this.#stoppingSince = undefined;
      const instance = this.instanceName;
      const wasRunning = this.#container.running;
      let envVars: Record<string, string> | undefined;
      if (!wasRunning) {
        envVars = options?.envVars
          ? this.#environment.explicit(options.envVars, instance)
          : await this.#environment.resolve(this.env, instance);
      }
      await this.#bindBridge(instance);

      if (!wasRunning) {
        // With the container not running, the base `stop()` only replays a pending `onStop` for the previous run
        // (the platform library would otherwise replay it inside the start below, after the generation moved on,
        // and the stop would be reported under the new run).
        await super.stop();
      }
      const startedAt = Date.now();
      let run = this.#ledger.read();
      if (!wasRunning || run.generation === 0) {
        run = this.#ledger.beginRun(startedAt);
        this.#readyGeneration = undefined;
      }
      issuedStart = !wasRunning;
      await this.startAndWaitForPorts({
        ports: [...this.definition.requiredPorts],
        startOptions: {
          ...(envVars ? { envVars } : {}),
          entrypoint: options?.entrypoint ?? this.entrypoint,
          enableInternet: options?.enableInternet ?? this.enableInternet,
          labels: { ...this.labels, ...options?.labels },
        },
        cancellationOptions: {
          instanceGetTimeoutMS: this.instanceGetTimeoutMs,
          portReadyTimeoutMS: this.portReadyTimeoutMs,
          waitInterval: this.portPollIntervalMs,
        },
      });

      if (!wasRunning) {
        this.#log("start", { startedAt, portsOpenMs: Date.now() - startedAt, ports: this.definition.requiredPorts });
        // Only a fresh run arms the hard timeout: a start that finds the container running keeps the timer
        // already armed for this generation.
        await this.#armHardTimeout(run.generation, run.startedAt ?? startedAt);
      }

      if (!this.#ledger.isReady(run.generation)) {
        const probeStart = Date.now();
        const result = await waitUntilReady({
          checks: this.definition.readyOn,
          port: (port) => this.#container.getTcpPort(port),
          budgetMs: this.definition.readyTimeoutSeconds * 1000,
          intervalMs: this.readyPollIntervalMs,
          subject: this.#subject(),
          isRunning: () => this.#container.running,
        });
        this.#ledger.markReady(run.generation);
        this.#log("ready", {
          probeMs: Date.now() - probeStart,
          sinceStartMs: Date.now() - (run.startedAt ?? startedAt),
          probes: this.definition.readyOn.map((check, i) => ({ ...check, attempts: result.attempts[i] })),
        });
      }
      this.#readyGeneration = run.generation;
    } catch (error) {
      const failure = await this.#startFailure(error, issuedStart);
      // The platform library reports most of its own failures through onError already; do not log twice.
      if (this.#errorsReported === errorsBefore) this.#reportError(failure, "start");
      throw failure;
    }
  }

  /**
   * Classifies a start failure. A container that exited non-zero while its ports were awaited surfaces from the
   * platform library as "not listening", which alone would read as a retryable cold start; it is a start failure.
   */
  async #startFailure(error: unknown, issuedStart: boolean): Promise<MoorageError> {
    const who = `moorage: ${this.#subject()}`;
    const failure = classifyStartError(error, who);
    if (failure.kind !== "starting" || this.#container.running) return failure;
    const state = await super.getState().catch(() => undefined);
    const exitCode = state?.status === "stopped_with_code" ? state.exitCode : undefined;
    const message = error instanceof Error ? error.message : String(error);
    if ((exitCode !== undefined && exitCode !== 0) || (issuedStart && /not listening/i.test(message))) {
      return new MoorageError(
        "start-failed",
        500,
        `${who} exited${exitCode === undefined ? "" : ` with code ${exitCode}`} before its ports opened; check ` +
          `the container's logs, its entrypoint, and that it listens on ${this.definition.requiredPorts.join(", ")}`,
        { cause: error },
      );
    }
    return failure;
  }

  /** Routes `moorage.internal` to the bridge handler with this instance's identity as params. */
  async #bindBridge(instance: string): Promise<void> {
    const key = `${this.exportName}\u0000${instance}`;
    if (this.#bridgeBoundFor === key) return;
    await this.setOutboundByHost<BridgeCaller>(BRIDGE_HOST, BRIDGE_OUTBOUND_METHOD, {
      container: this.exportName,
      instance,
    });
    this.#bridgeBoundFor = key;
  }

  // ===================== hard timeout =====================

  async #armHardTimeout(generation: number, startedAt: number): Promise<void> {
    const seconds = this.definition.hardTimeoutSeconds;
    if (seconds === undefined) return;
    // Timers of earlier runs are stale by generation anyway; dropping them keeps them from waking the object.
    this.deleteSchedules(HARD_TIMEOUT_CALLBACK);
    await this.schedule(hardTimeoutDueAt(startedAt, seconds), HARD_TIMEOUT_CALLBACK, { generation });
  }

  /**
   * Called by the platform library's alarm loop when a hard-timeout schedule is due. Ignores timers armed for any
   * run but the current one. Internal: public only because the scheduler calls methods by name.
   */
  async moorageHardTimeoutElapsed(payload: unknown): Promise<void> {
    const generation = this.#ledger.generation;
    if (!isCurrentRun(payload, generation, this.#container.running)) return;
    this.#log("hard-timeout", { hardTimeoutSeconds: this.definition.hardTimeoutSeconds });
    this.#pendingStopReason = "hard-timeout";
    await this.onHardTimeoutExpired();
  }

  /** Runs when `hardTimeout` elapses for the current run. Default: `stop()` (SIGTERM). */
  async onHardTimeoutExpired(): Promise<void> {
    await this.stop();
  }

  // ===================== stopping & state =====================

  override async stop(signal: StopSignal = "SIGTERM"): Promise<void> {
    if (this.#container.running) {
      this.#stoppingSince ??= Date.now();
      this.#pendingStopReason ??= "requested";
    }
    await super.stop(signal);
  }

  override async destroy(): Promise<void> {
    if (this.#container.running) {
      this.#stoppingSince ??= Date.now();
      this.#pendingStopReason ??= "destroy";
    }
    await super.destroy();
  }

  /** The platform library never reports `stopping` (containers#124); this does, from `stop()` until exit. */
  override async getState(): Promise<State> {
    const state = await super.getState();
    if (this.#stoppingSince !== undefined && this.#container.running) {
      return { status: "stopping", lastChange: this.#stoppingSince };
    }
    return state;
  }

  /** Idle for `sleepAfter`: sleep unless a request (including a streaming body or a WebSocket) is in flight. */
  override async onActivityExpired(): Promise<void> {
    if (this.#activity.inflight > 0) {
      this.renewActivityTimeout();
      return;
    }
    if (!this.#container.running) return;
    this.#log("sleep", { sleepAfterSeconds: this.definition.sleepAfterSeconds });
    this.#pendingStopReason = "sleep";
    await this.stop();
  }

  /** The platform library's default logs unstructured and rethrows; errors are reported as lifecycle events here. */
  override onError(_error: unknown): unknown {
    return undefined;
  }

  /** How many requests are in flight (including waiting for a start, streaming, or holding a WebSocket). */
  get activeRequests(): number {
    return this.#activity.inflight;
  }

  // ===================== egress =====================

  override async setAllowedHosts(hosts: string[]): Promise<void> {
    await super.setAllowedHosts(withBridgeHost(hosts));
  }

  override async allowHost(hostname: string): Promise<void> {
    await super.allowHost(hostname);
    // The first runtime allow turns the allow-list on; it must include the bridge host from then on.
    if (hostname !== BRIDGE_HOST) await super.allowHost(BRIDGE_HOST);
  }

  override async removeAllowedHost(hostname: string): Promise<void> {
    if (hostname === BRIDGE_HOST) return;
    await super.removeAllowedHost(hostname);
  }

  // ===================== lifecycle events =====================

  /**
   * Wraps `onStop` and `onError` as own properties so lifecycle events are emitted even when a subclass overrides
   * them without calling `super`, and so a rollout (whose exit message the platform library does not recognise,
   * containers#253) still reaches `onStop`.
   */
  #installHookWrappers(): void {
    const userOnStop = this.onStop;
    const userOnError = this.onError;
    const onStop = async (params: StopParams): Promise<void> => {
      this.#reportStop(params);
      await userOnStop.call(this, params);
    };
    const onError = async (error: unknown): Promise<unknown> => {
      const exit = parseRuntimeExit(error);
      if (exit) {
        this.#pendingStopReason ??= exit.reason;
        await onStop({ exitCode: exit.exitCode, reason: "runtime_signal" });
        return undefined;
      }
      this.#reportError(error, "monitor");
      try {
        return await userOnError.call(this, error);
      } catch {
        return undefined;
      }
    };
    Object.defineProperty(this, "onStop", { value: onStop, configurable: true, writable: true });
    Object.defineProperty(this, "onError", { value: onError, configurable: true, writable: true });
  }

  #reportStop(params: StopParams): void {
    const generation = this.#ledger.generation;
    const reason: StopReason =
      this.#pendingStopReason ?? (params.reason === "runtime_signal" ? "runtime-signal" : "exit");
    this.#stoppingSince = undefined;
    this.#pendingStopReason = undefined;
    this.#readyGeneration = undefined;
    if (this.#stopReportedFor === generation) return;
    this.#stopReportedFor = generation;
    try {
      this.deleteSchedules(HARD_TIMEOUT_CALLBACK);
    } catch {
      // Cleanup only: a stale timer is ignored by generation anyway.
    }
    const startedAt = this.#ledger.read().startedAt;
    this.#log("stop", {
      exitCode: params.exitCode,
      reason,
      ...(startedAt === undefined ? {} : { runMs: Date.now() - startedAt }),
    });
  }

  #reportError(error: unknown, phase: string): void {
    this.#errorsReported++;
    const extra: Record<string, unknown> = {
      phase,
      message: error instanceof Error ? error.message : String(error),
    };
    if (error instanceof MoorageError) extra.kind = error.kind;
    this.#log("error", extra);
  }

  #log(event: LifecycleEvent, extra: Record<string, unknown> = {}): void {
    try {
      this.lifecycleSink(
        lifecycleRecord(
          event,
          {
            container: this.exportName,
            instance: this.instanceName,
            labels: this.definition.labels,
            generation: this.#ledger.generation,
          },
          extra,
        ),
      );
    } catch {
      // Logging must never break the object.
    }
  }
}
