/**
 * The lifecycle of one instance's runs on `ctx.container`: one start under any concurrency (environment ->
 * egress interception -> `start()` -> every `requiredPorts` open -> `readyOn`), exits observed through `monitor()`
 * and reported once per generation (exit code, and why: requested, sleep, hard timeout, destroy, rollout, crash),
 * stops with SIGTERM escalating to SIGKILL after the grace period, and re-attaching when an object wakes up to
 * find its container running (monitor again, fire nothing, never start twice).
 *
 * Hooks (`hooks.ts`) fire exactly once per real event: the ledger claims each generation's start and stop before
 * anything is reported, so a second object, or a second observer in the same object, reports nothing.
 *
 * Over ~400 lines on purpose: start, exit, stop and the alarm all drive the same run-state transitions and the
 * same once-per-event ledger claims; split apart, each transition would be spread over several files. What could
 * leave did: exit parsing (`exit.ts`), start-failure wording (`start-failure.ts`), the health check (`health.ts`).
 *
 * Boundary: runs and their events. Requests (`container.ts`, `proxy.ts`), timer bookkeeping (`timers.ts`) and
 * interception (`egress.ts`) are used, not owned. Nothing here runs inside `blockConcurrencyWhile`: a rejection
 * there resets the object.
 */
import type { StartInstanceType } from "../client/types.js";
import type { ContainerDefinition } from "../definition/types.js";
import { MoorageError } from "../errors.js";
import type { Egress, InterceptingContainer } from "./egress.js";
import type { EnvironmentResolver } from "./environment.js";
import { classifyStartError, messageOf, ObjectError } from "./errors.js";
import { describeExit, SIGNALS, type StopSignal } from "./exit.js";
import { HealthCheck } from "./health.js";
import { type ContainerHooks, hooksFor, type RunContext, type StopDetails } from "./hooks.js";
import type { LifecycleEvent, StopReason } from "./lifecycle-log.js";
import { waitForPorts } from "./ports.js";
import { type RawPort, rawGetStatus } from "./raw-http.js";
import { waitUntilReady } from "./readiness.js";
import type { PendingStop, RunLedger } from "./run-ledger.js";
import { RunState } from "./run-state.js";
import type { PreparedStart, Snapshots } from "./snapshot.js";
import { explainExit, TransientStartWatch } from "./start-failure.js";
import type { Timers } from "./timers.js";

/** The platform container API this module drives (workerd's `ctx.container`). */
export type PlatformContainer = InterceptingContainer & {
  readonly running: boolean;
  start(options?: ContainerStartupOptions): void;
  monitor(): Promise<void>;
  destroy(error?: unknown): Promise<void>;
  signal(signo: number): void;
  getTcpPort(port: number): Fetcher;
  setInactivityTimeout?(durationMs: number): Promise<void>;
};

/** `start()` options a caller may pass over RPC. */
export interface StartOptions {
  /** Replaces `env`, `secrets` and `secretsStore` wholesale (the bridge variables stay unless set here). */
  envVars?: Record<string, string>;
  entrypoint?: string[];
  enableInternet?: boolean;
  labels?: Record<string, string>;
  /** The instance name, for objects reached without the client's headers. */
  instance?: string;
  /** `durable_object` only (see `snapshot.ts`): a declared image name, kept for later starts. */
  image?: string;
  /** `durable_object` only: this run's size, kept for later starts. */
  instanceType?: StartInstanceType;
  /** `durable_object` only: a whole-container snapshot of this instance to start from. */
  fromSnapshot?: string | { id: string };
  /** Start without restoring the `persist` directories (they are dropped). */
  discardPersisted?: boolean;
}

export interface LifecycleHost {
  ctx: DurableObjectState;
  env: unknown;
  container: PlatformContainer;
  definition: ContainerDefinition;
  exportName: string;
  className: string;
  ledger: RunLedger;
  timers: Timers;
  egress: Egress;
  environment: EnvironmentResolver;
  tunables: { portReadyTimeoutMs: number; readyPollIntervalMs: number; stopGraceMs: number };
  instance(): string;
  log(event: LifecycleEvent, extra?: Record<string, unknown>): void;
  /** True when requests are in flight (sleep must wait). */
  busy(): boolean;
  /** Images, sizes and snapshots (`durable_object`); absent: starts pass none of them. */
  snapshots?: Snapshots;
}

/** How long a failed start waits for `monitor()` to say how the run ended, for its message. */
const EXIT_DETAIL_WAIT_MS = 500;

export class Lifecycle {
  readonly state: RunState;
  /** Checks a serving run after a failed request (`health.ts`). */
  readonly health: HealthCheck;
  #starting: Promise<void> | undefined;
  #watched = 0;
  /** Turns a platform message that fails every start into `start-failed` (`start-failure.ts`). */
  readonly #transient = new TransientStartWatch();
  /** The watched run's exit, once `monitor()` settles: a failed start's message says how the run ended. */
  #exit: { generation: number; settled: Promise<ReturnType<typeof describeExit>> } | undefined;

  constructor(private readonly host: LifecycleHost) {
    this.health = new HealthCheck({
      ports: () => host.definition.requiredPorts,
      status: (port, path, timeoutMs) => this.#probe(port, path, timeoutMs),
      isServing: (generation) => host.container.running && this.state.is("serving", generation),
      budgetMs: () => host.tunables.stopGraceMs,
      subject: () => this.#who(),
      onUnreachable: (generation, message) => this.#replace(generation, message),
    });
    const run = host.ledger.read();
    if (host.container.running && run.generation > 0) {
      // Woke up to a running container: re-attach, fire nothing.
      const phase = run.stopping?.generation === run.generation ? "stopping" : "starting";
      this.state = new RunState({ phase, generation: run.generation, stopReason: run.stopping?.reason });
      if (phase === "starting" && host.ledger.isReady(run.generation) && run.startReported === run.generation) {
        this.state.to("serving", run.generation);
      }
      this.#watch(run.generation);
    } else {
      this.state = new RunState({ phase: "stopped", generation: run.generation });
    }
  }

  get #hooks(): ContainerHooks<unknown> {
    return hooksFor(this.host.className);
  }

  #who(): string {
    return `container "${this.host.exportName}" (instance "${this.host.instance()}")`;
  }

  /** Resolves once the container serves; joins a start in flight, and waits for a health check in flight. */
  ensureServing(options?: StartOptions): Promise<void> {
    const checking = this.health.pending;
    if (checking) return checking.then(() => this.ensureServing(options));
    if (this.state.phase === "serving") return Promise.resolve();
    if (this.state.phase === "stopping") {
      return Promise.reject(
        new ObjectError(
          "stopping",
          `moorage: ${this.#who()} is stopping; it starts again once the current run has exited`,
        ),
      );
    }
    if (this.#starting) return this.#starting;
    const attempt = this.#start(options);
    this.#starting = attempt;
    attempt
      .finally(() => {
        if (this.#starting === attempt) this.#starting = undefined;
      })
      .catch(() => {
        // Every caller gets the rejection; this chain only clears the slot.
      });
    return attempt;
  }

  async #start(options: StartOptions | undefined): Promise<void> {
    const { container, ledger, definition } = this.host;
    let generation = ledger.generation;
    let issued = false;
    let prepared: PreparedStart | undefined;
    try {
      if (!container.running) {
        this.reconcile();
        const instance = this.host.instance();
        const env = options?.envVars
          ? this.host.environment.explicit(options.envVars, instance)
          : await this.host.environment.resolve(this.host.env, instance);
        await this.host.egress.apply(container, this.host.ctx.exports, {
          container: this.host.exportName,
          instance,
          generation: ledger.generation + 1,
        });
        if (container.running) throw new ObjectError("starting", `moorage: ${this.#who()} is being started`);
        prepared = this.host.snapshots?.prepareStart(options);
        const startedAt = Date.now();
        generation = ledger.beginRun(startedAt, definition.hardTimeoutSeconds).generation;
        this.state.to("starting", generation);
        const startOptions: ContainerStartupOptions = {
          env,
          enableInternet: options?.enableInternet ?? definition.enableInternet,
          labels: { ...definition.labels, ...options?.labels },
        };
        const entrypoint = options?.entrypoint ?? definition.entrypoint;
        if (entrypoint) startOptions.entrypoint = [...entrypoint];
        if (prepared) Object.assign(startOptions, prepared.startup);
        container.start(startOptions);
        issued = true;
        if (prepared) this.host.snapshots?.issued(prepared);
        this.#watch(generation);
        this.host.timers.resetForRun(startedAt);
        await this.host.timers.arm(Math.min(this.host.timers.sleepDueAt, ledger.read().hardDueAt ?? Infinity));
      } else if (generation === 0 || this.state.phase === "stopped") {
        // A running container this object has no record of (upgraded from another base class): adopt it.
        generation = ledger.beginRun(Date.now(), definition.hardTimeoutSeconds).generation;
        ledger.update(generation, { startReported: generation });
        this.state.to("starting", generation);
        this.#watch(generation);
        await this.host.timers.arm(Math.min(this.host.timers.sleepDueAt, ledger.read().hardDueAt ?? Infinity));
      }
      const begun = Date.now();
      const ports = await waitForPorts({
        ports: definition.requiredPorts,
        status: this.#probe,
        budgetMs: this.host.tunables.portReadyTimeoutMs,
        isRunning: () => container.running && this.state.generation === generation,
        subject: this.#who(),
      });
      if (issued) {
        this.host.log("start", {
          portsOpenMs: Date.now() - (ledger.read().startedAt ?? begun),
          ports: definition.requiredPorts,
          portChecks: ports.attempts,
        });
        if (prepared) this.host.snapshots?.served(prepared, ledger.read().startedAt);
      }
      if (!ledger.isReady(generation)) {
        const probeStart = Date.now();
        const result = await waitUntilReady({
          checks: definition.readyOn,
          status: this.#probe,
          budgetMs: definition.readyTimeoutSeconds * 1000,
          intervalMs: this.host.tunables.readyPollIntervalMs,
          subject: this.#who(),
          isRunning: () => container.running && this.state.generation === generation,
        });
        ledger.update(generation, { readyGeneration: generation });
        this.host.log("ready", {
          probeMs: Date.now() - probeStart,
          sinceStartMs: Date.now() - (ledger.read().startedAt ?? probeStart),
          probes: definition.readyOn.map((check, i) => ({ ...check, attempts: result.attempts[i] })),
        });
      }
      if (!this.state.is("starting", generation)) {
        throw new ObjectError("stopping", `moorage: ${this.#who()} stopped while it was starting`);
      }
      this.state.to("serving", generation);
      this.#transient.served();
      if (ledger.claimStart(generation)) await this.#call("onStart", generation);
    } catch (error) {
      const classified = this.#transient.judge(
        await this.#explain(classifyStartError(error, `moorage: ${this.#who()}`), generation),
        error,
        this.#who(),
      );
      const failure = this.host.snapshots?.explain(prepared, classified) ?? classified;
      if (this.state.is("starting", generation) && !container.running) this.state.to("stopped", generation);
      this.host.log("error", { phase: "start", code: failure.code, message: failure.message });
      await this.#call("onError", generation, failure);
      throw failure;
    }
  }

  /**
   * A start that failed because the run ended says how it ended (an exit code, or the platform's own error such as
   * a container that could not be created), not just that a port never opened.
   */
  async #explain(failure: ObjectError, generation: number): Promise<ObjectError> {
    if (failure.code !== "start-failed" || this.host.container.running || this.#exit?.generation !== generation) {
      return failure;
    }
    const timeout = new Promise<undefined>((resolve) => setTimeout(resolve, EXIT_DETAIL_WAIT_MS));
    const exit = await Promise.race([this.#exit.settled, timeout]);
    return exit === undefined ? failure : explainExit(failure, exit, this.#who());
  }

  /** The health check's verdict was `unreachable`: log it, destroy the run, report its stop. */
  async #replace(generation: number, message: string): Promise<void> {
    if (!this.state.is("serving", generation)) return;
    this.host.log("error", { phase: "serve", code: "unreachable", message });
    await this.destroy("unreachable");
    if (!this.host.container.running) await this.#exited(generation, {});
  }

  /** One probe: a GET on its own raw socket (see raw-http.ts for why not `fetch`). */
  readonly #probe = (port: number, path: string, timeoutMs: number) =>
    rawGetStatus(this.host.container.getTcpPort(port) as unknown as RawPort, path, timeoutMs);

  /** Watches `generation`'s exit. Idempotent per generation. */
  #watch(generation: number): void {
    if (this.#watched === generation) return;
    this.#watched = generation;
    let monitor: Promise<void>;
    try {
      monitor = this.host.container.monitor();
    } catch {
      return;
    }
    const settled = monitor.then(
      () => describeExit(undefined),
      (error: unknown) => describeExit(error),
    );
    this.#exit = { generation, settled };
    void settled.then((exit) => this.#exited(generation, exit));
  }

  /** Reports a stop nobody saw (the object was gone when the container exited). */
  reconcile(): void {
    const run = this.host.ledger.read();
    if (this.host.container.running || run.generation === 0 || run.stopReported === run.generation) return;
    void this.#exited(run.generation, {});
  }

  async #exited(generation: number, exit: { exitCode?: number; reason?: StopReason; error?: unknown }) {
    const run = this.host.ledger.read();
    const pending: PendingStop | undefined = run.stopping?.generation === generation ? run.stopping : undefined;
    const startedAt = run.startedAt;
    if (this.state.generation === generation && this.state.phase !== "stopped") this.state.to("stopped", generation);
    if (!this.host.ledger.claimStop(generation)) return;
    this.host.ledger.update(generation, { lastExitCode: exit.exitCode });
    const crashed =
      pending === undefined && exit.reason === undefined && exit.exitCode !== undefined && exit.exitCode !== 0;
    const reason: StopReason = pending?.reason ?? exit.reason ?? (crashed ? "crash" : "exit");
    const details: StopDetails = { reason };
    if (exit.exitCode !== undefined) details.exitCode = exit.exitCode;
    if (pending?.killed) details.killed = true;
    this.host.log("stop", {
      ...details,
      ...(pending?.killed ? { signal: "SIGKILL", graceMs: this.host.tunables.stopGraceMs } : {}),
      ...(startedAt === undefined ? {} : { runMs: Date.now() - startedAt }),
      ...(exit.error === undefined ? {} : { message: messageOf(exit.error) }),
    });
    await this.#call("onStop", generation, details);
    if (exit.error !== undefined) await this.#call("onError", generation, exit.error);
  }

  /** Asks the current run to stop. SIGTERM (or SIGINT) escalates to SIGKILL after the grace period. */
  async stop(signal: StopSignal, reason: StopReason): Promise<void> {
    const { container, ledger } = this.host;
    const signo = typeof signal === "number" ? signal : SIGNALS[signal];
    if (!Number.isInteger(signo) || signo < 1 || signo > 64) {
      throw new MoorageError(
        "invalid-option",
        `stop(): signal must be "SIGTERM", "SIGINT", "SIGKILL" or 1-64 (got ${String(signal)})`,
      );
    }
    if (!container.running) {
      this.reconcile();
      return;
    }
    const generation = ledger.generation;
    const existing = ledger.read().stopping;
    const since = existing?.generation === generation ? existing.since : Date.now();
    const pending: PendingStop = {
      generation,
      reason: existing?.generation === generation ? existing.reason : reason,
      since,
    };
    if (signo !== SIGNALS.SIGKILL) pending.killAt = Date.now() + this.host.tunables.stopGraceMs;
    ledger.update(generation, { stopping: pending });
    if (this.state.phase === "starting" || this.state.phase === "serving") {
      this.state.to("stopping", generation, pending.reason);
    }
    if (signo !== SIGNALS.SIGKILL && this.host.snapshots) {
      // `persist` directories are snapshotted while the run can still be read; the grace period starts after.
      await this.host.snapshots.beforeStop(pending.reason, generation);
      if (pending.killAt !== undefined) {
        pending.killAt = Date.now() + this.host.tunables.stopGraceMs;
        ledger.update(generation, { stopping: pending });
      }
    }
    try {
      container.signal(signo);
    } catch (error) {
      if (container.running) throw error;
    }
    if (pending.killAt !== undefined) {
      this.host.timers.keep(this.host.tunables.stopGraceMs + 30_000);
      await this.host.timers.arm(pending.killAt);
    }
  }

  async destroy(reason: StopReason = "destroy"): Promise<void> {
    const { container, ledger } = this.host;
    if (!container.running) {
      this.reconcile();
      return;
    }
    const generation = ledger.generation;
    const existing = ledger.read().stopping;
    ledger.update(generation, {
      stopping: { generation, reason: existing?.reason ?? reason, since: existing?.since ?? Date.now() },
    });
    if (this.state.phase === "starting" || this.state.phase === "serving") {
      this.state.to("stopping", generation, existing?.reason ?? reason);
    }
    await container.destroy();
  }

  /** The alarm fired: escalate, hard-timeout, sleep, as due. Returns the next due time, if any. */
  async onAlarm(now: number = Date.now()): Promise<number | undefined> {
    const { container, ledger, timers } = this.host;
    if (!container.running) {
      this.reconcile();
      return undefined;
    }
    const run = ledger.read();
    const generation = run.generation;
    const stopping = run.stopping?.generation === generation ? run.stopping : undefined;
    if (stopping?.killAt !== undefined && now >= stopping.killAt) {
      ledger.update(generation, { stopping: { ...stopping, killAt: undefined, killed: true } as PendingStop });
      this.host.log("error", {
        phase: "stop",
        code: "stop-timeout",
        message: `moorage: ${this.#who()} was still running ${this.host.tunables.stopGraceMs} ms after SIGTERM; sent SIGKILL`,
      });
      try {
        container.signal(SIGNALS.SIGKILL);
      } catch {
        // Exited meanwhile.
      }
      return undefined;
    }
    if (!stopping && run.hardDueAt !== undefined && now >= run.hardDueAt) {
      ledger.update(generation, { hardDueAt: undefined });
      this.host.log("hard-timeout", { hardTimeoutSeconds: this.host.definition.hardTimeoutSeconds });
      const hook = this.#hooks.onHardTimeoutExpired;
      if (hook) await this.#call("onHardTimeoutExpired", generation);
      else await this.stop("SIGTERM", "hard-timeout");
    } else if (!stopping && now >= timers.sleepDueAt) {
      if (this.host.busy()) {
        timers.touch(now);
      } else {
        this.host.log("sleep", { sleepAfterSeconds: this.host.definition.sleepAfterSeconds });
        const hook = this.#hooks.onActivityExpired;
        if (hook) {
          await this.#call("onActivityExpired", generation);
          timers.touch(now);
        } else {
          await this.stop("SIGTERM", "sleep");
        }
      }
    }
    if (!container.running) return undefined;
    const after = ledger.read();
    const dues = [
      after.stopping?.generation === generation ? after.stopping.killAt : undefined,
      after.stopping ? undefined : after.hardDueAt,
      after.stopping ? undefined : timers.sleepDueAt,
    ].filter((t): t is number => t !== undefined);
    return dues.length > 0 ? Math.max(now + 1, Math.min(...dues)) : undefined;
  }

  /** A hook context for `generation`. */
  runContext(generation: number, reason: StopReason = "requested"): RunContext<unknown> {
    return {
      container: this.host.exportName,
      instance: this.host.instance(),
      generation,
      env: this.host.env,
      stop: (signal = "SIGTERM") => this.stop(signal, reason),
      renewActivityTimeout: () => this.host.timers.touch(),
    };
  }

  /** Runs one hook; a throwing hook is logged, never breaks the object. */
  async #call(name: keyof ContainerHooks, generation: number, arg?: unknown): Promise<void> {
    const hook = this.#hooks[name] as ((run: RunContext<unknown>, arg?: unknown) => unknown) | undefined;
    if (!hook) return;
    try {
      const reason: StopReason =
        name === "onHardTimeoutExpired" ? "hard-timeout" : name === "onActivityExpired" ? "sleep" : "requested";
      await hook(this.runContext(generation, reason), arg);
    } catch (error) {
      this.host.log("error", { phase: `hook:${name}`, message: messageOf(error) });
    }
  }
}
