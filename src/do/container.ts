/**
 * `MoorageContainer`: the Durable Object base class every generated container class extends. It is a plain
 * `DurableObject` (`cloudflare:workers`) driving `this.ctx.container` itself; no platform container library.
 *
 * Request path (`fetch`): read the port (`moorage-port`) and the instance (`ctx.id.name`, else the client's
 * `moorage-instance` header) -> count activity from arrival -> when the run is not serving, join the one start in
 * flight (`lifecycle.ts`) -> proxy to the port with bodies streamed both ways (`proxy.ts`) -> release activity
 * when the body ends, is cancelled, or the request aborts. Failures become `moorage-error` responses whose code
 * says whether the request may have reached the app (`errors.ts`).
 *
 * RPC surface (every other member is private, so nothing else is reachable through a stub): `fetch`, `start`,
 * `stop`, `destroy`, `getState`, `renewActivityTimeout`, `exec`, `execSignal`, `terminalTicket` (terminals, see
 * `terminal.ts`: the WebSocket then arrives through `fetch` with the ticket), `allowHost`, `denyHost`, `removeAllowedHost`,
 * `removeDeniedHost`, `setAllowedHosts`, `setDeniedHosts`, `mooragePoolReport`, `mooragePoolState` (pools, see
 * `pool-member.ts`), `snapshot`, `snapshots` (see `snapshot.ts`) (and the platform's `alarm` handler).
 *
 * Boundary: wiring and the public surface. Runs (`lifecycle.ts`), state (`run-state.ts`, `run-ledger.ts`), timers
 * (`timers.ts`), egress (`egress.ts`, `outbound.ts`) and proxying (`proxy.ts`) each live in their own module.
 */
import { DurableObject } from "cloudflare:workers";
import type { LoadReport, PoolDemand, PoolState, ScalePolicy } from "../client/pool-scaling.js";
import type { ContainerSnapshotInfo, SnapshotListing, StartInstanceType } from "../client/types.js";
import { POOL_COORDINATOR_INSTANCE } from "../definition/pool.js";
import type { ContainerDefinition } from "../definition/types.js";
import { MoorageError } from "../errors.js";
import type { ExecWireOptions } from "../exec-wire.js";
import { decodeInstanceName, HEADERS } from "../protocol.js";
import { TERMINAL_TICKET_HEADER } from "../terminal-wire.js";
import { ActivityTracker, releaseOnAbort } from "./activity.js";
import { Egress } from "./egress.js";
import { EnvironmentResolver } from "./environment.js";
import { classifyProxyError, errorResponse, messageOf, ObjectError } from "./errors.js";
import { checkExecRequest, type ExecCapable, ExecRegistry, runExec } from "./exec.js";
import type { StopSignal } from "./exit.js";
import { Lifecycle, type PlatformContainer, type StartOptions } from "./lifecycle.js";
import { consoleSink, type LifecycleEvent, type LifecycleSink, lifecycleRecord } from "./lifecycle-log.js";
import { PoolMember } from "./pool-member.js";
import { proxyToContainer } from "./proxy.js";
import { DEFAULT_READY_POLL_INTERVAL_MS } from "./readiness.js";
import { RunLedger } from "./run-ledger.js";
import { type SnapshotContainer, Snapshots } from "./snapshot.js";
import { toRpcError } from "./snapshot-plan.js";
import { checkTerminalOptions, serveTerminal, TerminalTickets } from "./terminal.js";
import { Timers } from "./timers.js";

/** What `getState()` reports. */
export interface ContainerState {
  status: "running" | "healthy" | "stopping" | "stopped" | "stopped_with_code";
  /** Epoch ms of the last change. */
  lastChange: number;
  exitCode?: number;
  /** `durable_object` only: the image name the current (or next) run uses. */
  image?: string;
  /** `durable_object` only: the size the current (or next) run uses. */
  instanceType?: StartInstanceType;
}

/** Symbol-keyed access for tests and the package's own tooling; not reachable over RPC (RPC uses string names). */
export const INTERNALS: unique symbol = Symbol("moorage.internals");

export interface Internals {
  readonly activeRequests: number;
  readonly lifecycle: Lifecycle;
  readonly timers: Timers;
  readonly instance: string;
}

/** Proxy failures that make a still-running run suspect (`health.ts`). */
const SUSPECT_CODES: ReadonlySet<string> = new Set(["not-listening", "connection-lost", "unreachable"]);

function requireHost(method: string, host: unknown): string {
  if (typeof host !== "string" || host.length === 0 || host.length > 253 || /[\s/]/.test(host)) {
    throw new MoorageError(
      "invalid-option",
      `${method}: host must be a host name or glob like "api.example.com" or "*.example.com"`,
    );
  }
  return host.toLowerCase();
}

function requireHosts(method: string, hosts: unknown): string[] {
  if (!Array.isArray(hosts))
    throw new MoorageError("invalid-option", `${method}: pass an array of host names or globs`);
  return hosts.map((h) => requireHost(method, h));
}

export class MoorageContainer<Env = unknown> extends DurableObject<Env> {
  /** The normalized definition this class was generated from. */
  readonly definition: ContainerDefinition;
  /** The container's export name in `moorage/containers.ts`. */
  readonly exportName: string;

  /** Longest pause between two `readyOn` attempts (they start 10 ms apart and back off to this). */
  readyPollIntervalMs = DEFAULT_READY_POLL_INTERVAL_MS;
  /** Budget for every `requiredPorts` entry to accept connections, from the start. */
  portReadyTimeoutMs = 20_000;
  /** How long a run may ignore SIGTERM before it gets SIGKILL. */
  stopGraceMs: number;
  /** Where lifecycle records go. Replace in tests or to forward them elsewhere. */
  lifecycleSink: LifecycleSink = consoleSink;

  readonly #container: PlatformContainer;
  readonly #execs = new ExecRegistry();
  readonly #terminals = new TerminalTickets();
  readonly #ledger: RunLedger;
  readonly #timers: Timers;
  readonly #lifecycle: Lifecycle;
  readonly #activity: ActivityTracker;
  /** Pools: the hard concurrency limit, load reports, warm `min`, and the coordinator on its reserved instance. */
  readonly #pool: PoolMember;
  readonly #egress: Egress;
  /** Run-time images, sizes and snapshots (`durable_object`). */
  readonly #snapshots: Snapshots;
  #instance: string | undefined;

  constructor(ctx: DurableObjectState, env: Env, definition: ContainerDefinition, exportName: string) {
    super(ctx, env);
    if (ctx.container === undefined) {
      throw new Error(
        `moorage: the Durable Object class for container "${exportName}" has no container. Run \`moorage sync\` ` +
          `so wrangler.jsonc has a containers[] entry whose class_name is ${new.target.name}.`,
      );
    }
    this.definition = definition;
    this.exportName = exportName;
    this.stopGraceMs = (definition.stopTimeoutSeconds ?? 15) * 1000;
    this.#container = ctx.container as unknown as PlatformContainer;
    this.#ledger = new RunLedger(ctx.storage.kv);
    this.#instance = ctx.id.name ?? this.#ledger.instance;
    this.#egress = new Egress(ctx.storage.kv, definition, new.target.name);
    const container = this.#container;
    this.#timers = new Timers({
      kv: ctx.storage.kv,
      alarm: ctx.storage,
      sleepAfterMs: definition.sleepAfterSeconds * 1000,
      keepContainer: (ms) =>
        (container.running ? container.setInactivityTimeout?.(ms) : undefined) ?? Promise.resolve(),
    });
    this.#pool = new PoolMember({
      exportName,
      definition,
      env,
      waitUntil: (promise) => ctx.waitUntil(promise),
      instance: () => this.#instanceName(),
      inflight: () => this.#activity.inflight,
      running: () => container.running,
      serving: () => this.#lifecycle.state.phase === "serving",
      arm: (dueAt) => this.#timers.arm(dueAt),
    });
    this.#activity = new ActivityTracker(
      () => this.#timers.touch(),
      () => this.#timers.touch(),
    );
    this.#snapshots = new Snapshots({
      kv: ctx.storage.kv,
      container: container as unknown as SnapshotContainer,
      definition,
      who: () => this.#who(),
      log: (event, extra) => this.#log(event, extra),
    });
    const self = this;
    this.#lifecycle = new Lifecycle({
      ctx,
      env,
      container,
      definition,
      exportName,
      className: new.target.name,
      ledger: this.#ledger,
      timers: this.#timers,
      egress: this.#egress,
      environment: new EnvironmentResolver(definition, exportName),
      tunables: {
        get portReadyTimeoutMs() {
          return self.portReadyTimeoutMs;
        },
        get readyPollIntervalMs() {
          return self.readyPollIntervalMs;
        },
        get stopGraceMs() {
          return self.stopGraceMs;
        },
      },
      instance: () => this.#instanceName(),
      log: (event, extra) => {
        this.#log(event, extra);
        // A run that became ready or stopped changes what the pool's coordinator should know. After this turn:
        // "ready" is logged just before the run turns serving, and the report must say serving.
        if (event === "ready" || event === "stop") queueMicrotask(() => this.#pool.changed());
      },
      // A pool instance below `min` is kept running without traffic.
      busy: () => this.#activity.inflight > 0 || this.#pool.keepAwake(),
      snapshots: this.#snapshots,
    });
    this.#lifecycle.reconcile();
  }

  // ===================== identity =====================

  #instanceName(): string {
    return this.#instance ?? this.ctx.id.toString();
  }

  #learnInstance(name: string | undefined): void {
    if (!name || this.ctx.id.name || name === this.#instance) return;
    this.#instance = name;
    this.#ledger.instance = name;
  }

  #who(): string {
    return `container "${this.exportName}" (instance "${this.#instanceName()}")`;
  }

  // ===================== requests =====================

  override async fetch(request: Request): Promise<Response> {
    const headers = request.headers;
    if (this.#instance === undefined) this.#learnInstance(decodeInstanceName(headers.get(HEADERS.instanceName)));
    const ticket = headers.get(TERMINAL_TICKET_HEADER);
    if (ticket !== null) return this.#openTerminal(request, ticket);
    // The port comes only from the client's own header: the platform library's `cf-container-target-port` is a
    // caller's header here, stripped before the app sees it and never used for routing.
    const header = headers.get(HEADERS.port);
    let port = this.definition.defaultPort;
    if (header !== null) {
      port = Number(header);
      if (!/^\d{1,5}$/.test(header) || port < 1 || port > 65_535) {
        return errorResponse(
          new ObjectError(
            "bad-request",
            `moorage: ${HEADERS.port} must be a port number between 1 and 65535, got "${header}"`,
          ),
        );
      }
    }
    // Over `concurrency.limit`: refused before it counts as activity or reaches the app (the client moves it).
    const refused = this.#pool.admit(this.#who());
    if (refused) return refused;
    const arrivedAt = Date.now();
    // Activity counts from arrival: a request waiting for a cold start is activity too.
    const release = this.#pool.enabled ? this.#reporting(this.#activity.begin()) : this.#activity.begin();
    const detach = releaseOnAbort(request.signal, release);
    let extra: Record<string, string> | undefined;
    try {
      if (this.#lifecycle.state.phase !== "serving" || this.#lifecycle.health.pending) {
        await this.#waitForServing(request.signal);
        extra = { [HEADERS.coldStartMs]: String(Date.now() - arrivedAt) };
      }
      const generation = this.#lifecycle.state.generation;
      try {
        return await proxyToContainer({
          port: this.#container.getTcpPort(port),
          request,
          release,
          ...(extra ? { extra } : {}),
          onFrame: () => this.#timers.touch(),
        });
      } catch (error) {
        if (request.signal?.aborted) throw new ObjectError("connection-lost", "moorage: the caller went away");
        const failure = classifyProxyError(error, `moorage: ${this.#who()}`, port, this.#container.running);
        this.#log("error", { phase: "proxy", code: failure.code, port, message: messageOf(error) });
        if (SUSPECT_CODES.has(failure.code) && this.definition.requiredPorts.includes(port)) {
          const verdict = this.#lifecycle.health.suspect(generation);
          // Never delivered: answer once the verdict is in, so the client's retry meets a serving run or a new one.
          if (failure.code === "not-listening") await verdict;
        }
        throw failure;
      }
    } catch (error) {
      release();
      return errorResponse(error instanceof ObjectError ? error : new ObjectError("start-failed", messageOf(error)));
    } finally {
      detach();
    }
  }

  /** Wraps a release so the pool hears of the request's arrival now and of its end when it is released. */
  #reporting(release: () => void): () => void {
    this.#pool.changed();
    let done = false;
    return () => {
      release();
      if (done) return;
      done = true;
      this.#pool.changed();
    };
  }

  // ===================== RPC: pools =====================

  /** On a pool's coordinator instance: one pool instance's load report. Internal to Moorage (objects call it). */
  async mooragePoolReport(report: LoadReport, policy: ScalePolicy): Promise<void> {
    // Only the coordinator is sent these: remember the name, so its alarm knows what it is after a restart.
    this.#learnInstance(POOL_COORDINATOR_INSTANCE);
    this.#pool.report(report, policy);
  }

  /** On a pool's coordinator instance: the scaling decision and every instance's last report (`poolState()`). */
  async mooragePoolState(policy: ScalePolicy, demand?: PoolDemand): Promise<PoolState> {
    this.#learnInstance(POOL_COORDINATOR_INSTANCE);
    return this.#pool.state(policy, demand);
  }

  /** Joins the shared start; a request aborted meanwhile leaves without cancelling the start for the others. */
  async #waitForServing(signal: AbortSignal | null | undefined): Promise<void> {
    const serving = this.#lifecycle.ensureServing();
    if (!signal) return serving;
    let onAbort: (() => void) | undefined;
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () =>
        reject(new ObjectError("starting", `moorage: the request to ${this.#who()} was aborted while it was starting`));
      if (signal.aborted) onAbort();
      else signal.addEventListener("abort", onAbort, { once: true });
    });
    try {
      return await Promise.race([serving, aborted]);
    } finally {
      if (onAbort) signal.removeEventListener("abort", onAbort);
    }
  }

  // ===================== RPC: lifecycle =====================

  /**
   * Starts the container if needed and resolves when it is serving (ports open, `readyOn` passed). A bare call
   * resolves env, secrets and Secrets Store and fails closed; `options.envVars` replaces them wholesale. A start
   * already in flight is joined (its options win).
   */
  async start(options?: StartOptions): Promise<void> {
    if (options?.instance !== undefined) this.#learnInstance(String(options.instance));
    try {
      // Image, size and snapshot options are checked before anything runs; a refusal keeps its code over RPC.
      const plan = this.#snapshots.check(options);
      if (this.#lifecycle.state.phase === "serving") {
        const running = this.#snapshots.listing().image;
        if (plan && (options?.image !== undefined || options?.fromSnapshot !== undefined) && plan.image !== running) {
          throw new MoorageError(
            "invalid-option",
            `start() of ${this.#who()}: it is running image "${running}"; stop() it first to start image "${plan.image}"`,
          );
        }
        this.#pool.changed();
        return;
      }
      await this.#lifecycle.ensureServing(options);
    } catch (error) {
      throw toRpcError(error);
    }
  }

  /**
   * `durable_object` only: snapshots the whole running container (`persist` directories are not part of it) and
   * records it; `start({ fromSnapshot: id })` restores it into the same image.
   */
  async snapshot(options?: { name?: string }): Promise<ContainerSnapshotInfo> {
    try {
      return await this.#snapshots.snapshot(options);
    } catch (error) {
      throw toRpcError(error);
    }
  }

  /** The recorded image and size choice, persisted directories and whole-container snapshots. */
  async snapshots(): Promise<SnapshotListing> {
    return this.#snapshots.listing();
  }

  /** Sends `signal` (default SIGTERM); `getState()` reports `stopping` until the exit. SIGKILL follows after the grace period. */
  async stop(signal: StopSignal = "SIGTERM"): Promise<void> {
    await this.#lifecycle.stop(signal, "requested");
  }

  /** Stops the container at once (the platform's destroy). */
  async destroy(): Promise<void> {
    await this.#lifecycle.destroy();
  }

  async getState(): Promise<ContainerState> {
    const choice = this.#snapshots.listing();
    const chosen: Pick<ContainerState, "image" | "instanceType"> = {};
    if (choice.image !== undefined) chosen.image = choice.image;
    if (choice.instanceType !== undefined) chosen.instanceType = choice.instanceType;
    return { ...this.#state(), ...chosen };
  }

  #state(): ContainerState {
    const state = this.#lifecycle.state.snapshot();
    const lastChange = state.since;
    switch (state.phase) {
      case "serving":
        return { status: "healthy", lastChange };
      case "starting":
        return { status: "running", lastChange };
      case "stopping":
        return { status: "stopping", lastChange };
      default: {
        if (this.#container.running) return { status: "running", lastChange };
        const exitCode = this.#ledger.read().lastExitCode;
        return exitCode !== undefined && exitCode !== 0
          ? { status: "stopped_with_code", lastChange, exitCode }
          : { status: "stopped", lastChange };
      }
    }
  }

  /** Pushes back `sleepAfter` for activity Moorage cannot see (work the container does on its own). */
  async renewActivityTimeout(): Promise<void> {
    this.#timers.touch();
  }

  // ===================== RPC: exec (see ./exec.ts) =====================

  /**
   * Runs `cmd` in the container, starting it first (like a request, with the definition's environment), and
   * returns the framed stream of `../exec-wire.ts`. Counts as activity until the process ends or the caller
   * cancels the stream (which kills it).
   */
  async exec(
    cmd: string[],
    options?: ExecWireOptions,
    stdin?: ReadableStream<Uint8Array>,
  ): Promise<ReadableStream<Uint8Array>> {
    const request = checkExecRequest(cmd, options);
    await this.start();
    const release = this.#activity.begin();
    return runExec(
      this.#container as unknown as ExecCapable,
      request.cmd,
      { ...request.options, stdin },
      { registry: this.#execs, onEnd: () => release() },
    );
  }

  /**
   * Step one of `terminal()`: checks the options, starts the container if needed and returns a one-time ticket
   * for the WebSocket upgrade that follows through `fetch` (see ./terminal.ts for why a ticket).
   */
  async terminalTicket(options: unknown): Promise<string> {
    const checked = checkTerminalOptions(options);
    await this.start();
    return this.#terminals.issue(checked);
  }

  /** Step two: the upgrade carrying a ticket. The session counts as activity until it ends. */
  async #openTerminal(request: Request, ticket: string): Promise<Response> {
    const options = this.#terminals.take(ticket);
    if (!options || request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
      return errorResponse(
        new ObjectError(
          "bad-request",
          "moorage terminal: unknown or expired ticket, or not a WebSocket upgrade; open terminals with handle.terminal()",
        ),
      );
    }
    try {
      await this.start();
    } catch (error) {
      return errorResponse(error instanceof ObjectError ? error : new ObjectError("start-failed", messageOf(error)));
    }
    const release = this.#activity.begin();
    return serveTerminal(this.#container as unknown as ExecCapable, options, {
      onActivity: () => this.#timers.touch(),
      onEnd: () => release(),
    });
  }

  /** Signals a process `exec` started; false when it has already ended. */
  async execSignal(id: string, signo: number): Promise<boolean> {
    if (typeof id !== "string" || !Number.isInteger(signo) || signo < 1 || signo > 64) return false;
    return this.#execs.signal(id, signo);
  }

  // ===================== RPC: egress =====================

  async allowHost(host: string): Promise<void> {
    this.#egress.allow(requireHost("allowHost", host));
    await this.#applyEgress();
  }

  async denyHost(host: string): Promise<void> {
    this.#egress.deny(requireHost("denyHost", host));
    await this.#applyEgress();
  }

  async removeAllowedHost(host: string): Promise<void> {
    this.#egress.removeAllowed(requireHost("removeAllowedHost", host));
    await this.#applyEgress();
  }

  async removeDeniedHost(host: string): Promise<void> {
    this.#egress.removeDenied(requireHost("removeDeniedHost", host));
    await this.#applyEgress();
  }

  async setAllowedHosts(hosts: string[]): Promise<void> {
    this.#egress.setAllowed(requireHosts("setAllowedHosts", hosts));
    await this.#applyEgress();
  }

  async setDeniedHosts(hosts: string[]): Promise<void> {
    this.#egress.setDenied(requireHosts("setDeniedHosts", hosts));
    await this.#applyEgress();
  }

  /** A running container gets the new lists now; a stopped one at its next start. */
  async #applyEgress(): Promise<void> {
    if (!this.#container.running) return;
    await this.#egress.apply(this.#container, this.ctx.exports, {
      container: this.exportName,
      instance: this.#instanceName(),
      generation: this.#ledger.generation,
    });
  }

  // ===================== timers =====================

  /**
   * The Durable Object alarm: sleep, hard timeout and stop escalation, as due, and on a pool's coordinator the warm
   * `min` check (`pool-member.ts`). Never throws (no retry storms).
   */
  override async alarm(): Promise<void> {
    this.#timers.fired();
    let next: number | undefined;
    try {
      next = await this.#lifecycle.onAlarm();
    } catch (error) {
      this.#log("error", { phase: "alarm", message: messageOf(error) });
      next = this.#container.running ? Date.now() + 5_000 : undefined;
    }
    try {
      const warm = this.#pool.onAlarm();
      if (warm !== undefined) next = next === undefined ? warm : Math.min(next, warm);
    } catch (error) {
      this.#log("error", { phase: "alarm", message: messageOf(error) });
    }
    try {
      await this.#timers.replan(next);
    } catch (error) {
      this.#log("error", { phase: "alarm", message: messageOf(error) });
    }
  }

  // ===================== internals =====================

  /** For tests and tooling; symbol-keyed, so not reachable over RPC. */
  get [INTERNALS](): Internals {
    const self = this;
    return {
      get activeRequests() {
        return self.#activity.inflight;
      },
      lifecycle: this.#lifecycle,
      timers: this.#timers,
      get instance() {
        return self.#instanceName();
      },
    };
  }

  #log(event: LifecycleEvent, extra: Record<string, unknown> = {}): void {
    try {
      this.lifecycleSink(
        lifecycleRecord(
          event,
          {
            container: this.exportName,
            instance: this.#instanceName(),
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
