/**
 * A container Durable Object's part in its pool: the hard limit, load reports, staying awake below `min`, and,
 * on the pool's coordinator instance, the coordinator itself.
 *
 * Every object of a class whose declaration has `instances` or `concurrency` gets one. For a request it answers
 * `admit()`: a `busy` refusal when `concurrency.limit` requests are already in flight (counted by the object from
 * arrival until the response body ends, so the count is exact), before anything reaches the app. A pool instance
 * (`poolInstanceName(i)`) reports its in-flight count to the coordinator off the hot path (`pool-load.ts`), and one
 * below `min` never sleeps. The coordinator is an instance of the same class under `POOL_COORDINATOR_INSTANCE`,
 * which never starts a container: it holds a `PoolCoordinator` (`pool-coordinator.ts`) and starts the instances it
 * names (warm `min`, and those a scale-up adds) through their own stubs. For a pool with `min > 0` the coordinator
 * also keeps its own Durable Object alarm, every `WARM_CHECK_MS`: alarms outlive the object, a restart of the
 * runtime and a deploy, so the `min` instances are started again ahead of traffic even when no instance reports
 * and no isolate reads (the instance died with its object, the whole runtime restarted).
 * Boundary: glue between the object and the pure pool modules; the object calls `admit`, `changed`, `keepAwake`,
 * `onAlarm` and routes the two coordinator RPCs here.
 */
import type { PoolDemand, PoolState, ScalePolicy } from "../client/pool-scaling.js";
import { scalePolicyOf } from "../client/pool-scaling.js";
import { bindingName, poolIndexOf, poolInstanceName } from "../definition/naming.js";
import { POOL_COORDINATOR_INSTANCE } from "../definition/pool.js";
import type { ContainerDefinition } from "../definition/types.js";
import { errorResponse, ObjectError } from "./errors.js";
import { PoolCoordinator } from "./pool-coordinator.js";
import { type LoadReport, LoadReporter } from "./pool-load.js";

/** Reports go out at most this often per instance. */
export const REPORT_INTERVAL_MS = 250;
/**
 * The coordinator of a pool with `min > 0` wakes this often on its alarm to (re)start the warm instances it does not
 * know to be running. A warm instance that is idle sends no reports, so its last one ages out after
 * `REPORT_STALE_MS` and the check asks it to start: a no-op for a serving instance, which answers with a fresh
 * report. Cost: one alarm per interval per pool, plus a `start()` RPC per warm instance every `REPORT_STALE_MS`.
 */
export const WARM_CHECK_MS = 10_000;

interface StubLike {
  start(options?: { instance?: string }): Promise<void>;
  mooragePoolReport(report: LoadReport, policy: ScalePolicy): Promise<void>;
}
interface NamespaceLike {
  idFromName(name: string): unknown;
  get(id: unknown): unknown;
}

export interface PoolMemberHost {
  exportName: string;
  definition: ContainerDefinition;
  env: unknown;
  waitUntil(promise: Promise<unknown>): void;
  /** The instance name (known once the first request or RPC named it). */
  instance(): string;
  /** Requests in flight in this object (including ones waiting for a start). */
  inflight(): number;
  /** Whether this object's container is running. */
  running(): boolean;
  /** Whether it is serving (started and ready); `running()` when the host cannot tell. */
  serving?(): boolean;
  /** Sets the object's alarm to `dueAt` unless an earlier one is set (`Timers.arm`). */
  arm(dueAt: number): Promise<void>;
}

/** The object's `busy` refusal: never executed, so the client moves it to another instance whatever its method. */
export function busyResponse(who: string, limit: number): Response {
  // The code, its status and its retry rule come from the one catalog (OBJECT_ERRORS in src/protocol.ts).
  return errorResponse(
    new ObjectError(
      "busy",
      `moorage: ${who} is at its concurrency limit (${limit} in flight); the request was not sent to the app`,
    ),
  );
}

export class PoolMember {
  readonly policy: ScalePolicy | undefined;
  readonly limit: number | undefined;
  #reporter: LoadReporter | undefined;
  #reporterFor: string | undefined;
  #coordinator: PoolCoordinator | undefined;
  /** The coordinator's warm check is on the alarm (set once per object; the alarm handler re-plans it). */
  #warmArmed = false;

  constructor(private readonly host: PoolMemberHost) {
    const { instances, concurrency } = host.definition;
    this.policy = instances ? scalePolicyOf(instances, concurrency) : undefined;
    this.limit = concurrency?.limit;
  }

  /** Whether anything here applies to this class at all (no pool and no limit: the object skips every call). */
  get enabled(): boolean {
    return this.policy !== undefined || this.limit !== undefined;
  }

  /** This object's pool index, when it is a pool instance of a declared pool. */
  get index(): number | undefined {
    if (!this.policy) return undefined;
    const index = poolIndexOf(this.host.instance());
    return index !== undefined && index < this.policy.max ? index : undefined;
  }

  /**
   * Called on a request's arrival, before it counts as activity: a `busy` response when the object already has
   * `limit` requests in flight, else undefined (go ahead).
   */
  admit(who: string): Response | undefined {
    if (this.limit === undefined || this.host.inflight() < this.limit) return undefined;
    return busyResponse(who, this.limit);
  }

  /** The object's load changed (a request arrived or ended, the container started or stopped). */
  changed(): void {
    const index = this.index;
    if (index === undefined || !this.policy) return;
    const name = this.host.instance();
    if (!this.#reporter || this.#reporterFor !== name) {
      this.#reporter?.dispose();
      const policy = this.policy;
      this.#reporterFor = name;
      this.#reporter = new LoadReporter(
        index,
        REPORT_INTERVAL_MS,
        {
          now: () => Date.now(),
          send: async (report) => this.#stub(POOL_COORDINATOR_INSTANCE)?.mooragePoolReport(report, policy),
          waitUntil: (p) => this.host.waitUntil(p),
          setTimer: (ms, run) => {
            const timer = setTimeout(run, ms);
            return () => clearTimeout(timer);
          },
        },
        () => {
          const running = this.host.running();
          return { inflight: this.host.inflight(), running, serving: running && (this.host.serving?.() ?? true) };
        },
      );
    }
    this.#reporter.changed();
  }

  /** A pool instance below `min` stays up with no traffic (it was started ahead of traffic on purpose). */
  keepAwake(): boolean {
    const index = this.index;
    return index !== undefined && this.policy !== undefined && index < this.policy.min;
  }

  // ===================== the coordinator (POOL_COORDINATOR_INSTANCE only) =====================

  /** Whether this object is its pool's coordinator. */
  get isCoordinator(): boolean {
    return this.policy !== undefined && this.host.instance() === POOL_COORDINATOR_INSTANCE;
  }

  /**
   * The object's alarm fired: on the coordinator of a pool with warm instances, (re)start the `min` instances not
   * known to be running and return when to check again; undefined elsewhere (nothing of the pool's is due).
   */
  onAlarm(now: number = Date.now()): number | undefined {
    if (!this.isCoordinator || !this.policy || this.policy.min === 0) return undefined;
    this.#warmArmed = true;
    this.#startWanted(this.#coordinatorFor(this.policy));
    return now + WARM_CHECK_MS;
  }

  /** Puts the warm check on the alarm the first time this coordinator object is used. */
  #armWarmCheck(): void {
    if (this.#warmArmed || !this.policy || this.policy.min === 0 || !this.isCoordinator) return;
    this.#warmArmed = true;
    this.host.waitUntil(
      this.host.arm(Date.now() + WARM_CHECK_MS).catch(() => {
        this.#warmArmed = false;
      }),
    );
  }

  #coordinatorFor(policy: ScalePolicy): PoolCoordinator {
    const checked = checkPolicy(policy, this.policy);
    if (!this.#coordinator) this.#coordinator = new PoolCoordinator(checked, Date.now());
    else this.#coordinator.configure(checked, Date.now());
    return this.#coordinator;
  }

  /** RPC `mooragePoolReport`: one instance's load. */
  report(report: LoadReport, policy: ScalePolicy): void {
    const coordinator = this.#coordinatorFor(policy);
    coordinator.report(report, Date.now());
    this.#startWanted(coordinator);
    this.#armWarmCheck();
  }

  /**
   * RPC `mooragePoolState`: the decision and the instances behind it (reading it also wakes the warm instances).
   * `demand`: the calls the reading isolate holds for this pool, counted in the decision.
   */
  state(policy: ScalePolicy, demand?: PoolDemand): PoolState {
    const coordinator = this.#coordinatorFor(policy);
    coordinator.demand(demand, Date.now());
    const state = coordinator.state(Date.now());
    this.#startWanted(coordinator);
    this.#armWarmCheck();
    return state;
  }

  #startWanted(coordinator: PoolCoordinator): void {
    for (const index of coordinator.toStart(Date.now())) {
      const instance = poolInstanceName(index);
      const stub = this.#stub(instance);
      if (!stub) return;
      this.host.waitUntil(
        stub.start({ instance }).catch(() => {
          // The next report or read asks again (START_RETRY_MS later).
        }),
      );
    }
  }

  #stub(instance: string): StubLike | undefined {
    const namespace = (this.host.env as Record<string, unknown> | undefined)?.[bindingName(this.host.exportName)];
    if (typeof namespace !== "object" || namespace === null) return undefined;
    const ns = namespace as NamespaceLike;
    return ns.get(ns.idFromName(instance)) as StubLike;
  }
}

/**
 * The policy a caller sent, checked: callers are other objects and Workers of the same deployment, but RPC input is
 * still input. The object's own declaration wins where a field is missing or nonsensical.
 */
function checkPolicy(policy: ScalePolicy, own: ScalePolicy | undefined): ScalePolicy {
  const whole = (v: unknown, least: number): v is number => typeof v === "number" && Number.isInteger(v) && v >= least;
  const positive = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v) && v > 0;
  const base = own ?? { min: 0, max: 1, target: 100, windowMs: 60_000 };
  const max = whole(policy?.max, 1) && policy.max <= 1_000 ? policy.max : base.max;
  const min = whole(policy?.min, 0) && policy.min <= max ? policy.min : Math.min(base.min, max);
  return {
    min,
    max,
    target: positive(policy?.target) ? policy.target : base.target,
    windowMs: positive(policy?.windowMs) && policy.windowMs >= 1_000 ? policy.windowMs : base.windowMs,
  };
}
