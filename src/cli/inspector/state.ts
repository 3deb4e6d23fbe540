/**
 * The inspector's model of a dev session: folds Moorage's records (from wrangler's output) and the engine's view
 * of its containers (from Docker) into the snapshot the page renders.
 *
 * Sources, and which wins: lifecycle records say what Moorage decided (started, ready, stopping, stopped); the
 * engine says what really runs, so an instance shows up as `starting` as soon as its container exists, and a
 * container that died without its object noticing shows as stopped. Cold-start phases come from the records;
 * when a record does not split instance wait from ports, the engine's process start time does.
 * Boundary: pure state; no I/O, no timers. Every list is bounded (`LIMITS`). Record fields are untrusted input:
 * each is type-checked before use.
 */
import {
  type ColdStartView,
  type ContainerView,
  type InspectorSnapshot,
  type InstanceState,
  type InstanceView,
  LIMITS,
  type RequestView,
  type TimelineEvent,
} from "./model.js";
import type { TappedRecord } from "./tap.js";

export interface DeclaredContainer {
  /** Export name. */
  name: string;
  /** Durable Object class name (what workerd puts in container names). */
  className: string;
}

export interface EngineLogLine {
  stream: "stdout" | "stderr";
  /** Epoch ms the engine recorded the line. */
  time?: number;
  text: string;
}

/** One app container of a Moorage instance as the engine reports it. */
export interface EngineContainer {
  id: string;
  name: string;
  /** `MOORAGE_CONTAINER` from its environment. */
  container: string;
  /** `MOORAGE_INSTANCE` from its environment. */
  instance: string;
  status: string;
  running: boolean;
  startedAt: number | undefined;
  finishedAt: number | undefined;
  exitCode: number | undefined;
  /** Epoch ms the engine created it (the newer of two containers for one instance wins). */
  createdAt: number;
  logs: EngineLogLine[];
}

interface ColdStart extends ColdStartView {
  /** Start issued until ports open, as the record reported it (instance wait included). */
  portsOpenMs?: number;
}

interface Instance {
  container: string;
  instance: string;
  state: InstanceState;
  generation: number;
  since: number;
  /** Epoch ms of the last lifecycle record (0: none yet). */
  lastRecordAt: number;
  exitCode?: number;
  error?: string;
  coldStart?: ColdStart;
  docker?: EngineContainer;
}

const num = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) ? v : undefined);
const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
/** Egress decisions that refused the request (`src/do/outbound.ts`'s `EgressDecision`). */
const REFUSED = new Set(["denied", "not-allowed", "no-internet"]);
/** How long a container may be gone from the engine before its instance is shown stopped without a record. */
const ENGINE_GRACE_MS = 3000;

function push<T>(list: T[], item: T, limit: number): void {
  list.push(item);
  if (list.length > limit) list.splice(0, list.length - limit);
}

export class InspectorState {
  readonly #now: () => number;
  readonly #startedAt: number;
  #worker: string | undefined;
  #declared: DeclaredContainer[] = [];
  #engine: { ok: boolean; message?: string } = { ok: true };
  readonly #instances = new Map<string, Instance>();
  readonly #events: TimelineEvent[] = [];
  readonly #requests: RequestView[] = [];
  readonly #egress: InspectorSnapshot["egress"] = [];
  readonly #bridge: InspectorSnapshot["bridge"] = [];
  readonly #listeners = new Set<() => void>();

  constructor(options: { worker?: string; containers?: DeclaredContainer[]; now?: () => number } = {}) {
    this.#now = options.now ?? Date.now;
    this.#startedAt = this.#now();
    this.#worker = options.worker;
    this.#declared = [...(options.containers ?? [])];
  }

  /** Called after every change. Returns the unsubscribe function. */
  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #changed(): void {
    for (const listener of this.#listeners) listener();
  }

  /** The declared containers (again after a regeneration). */
  setDeclared(containers: DeclaredContainer[], worker?: string): void {
    this.#declared = [...containers];
    if (worker !== undefined) this.#worker = worker;
    this.#changed();
  }

  setEngine(ok: boolean, message?: string): void {
    if (this.#engine.ok === ok && this.#engine.message === message) return;
    this.#engine = message === undefined ? { ok } : { ok, message };
    this.#changed();
  }

  #instance(container: string, instance: string): Instance {
    const key = `${container}\u0000${instance}`;
    let found = this.#instances.get(key);
    if (!found) {
      found = { container, instance, state: "stopped", generation: 0, since: this.#now(), lastRecordAt: 0 };
      this.#instances.set(key, found);
    }
    return found;
  }

  #setState(inst: Instance, state: InstanceState, at: number): void {
    if (inst.state === state) return;
    inst.state = state;
    inst.since = at;
  }

  /** Folds one record from wrangler's output. */
  apply(record: TappedRecord): void {
    if (record.event === "request") this.#applyRequest(record);
    else if (record.event === "egress") this.#applyEgress(record);
    else if (record.event === "bridge") this.#applyBridge(record);
    else this.#applyLifecycle(record);
    this.#changed();
  }

  #applyLifecycle(r: TappedRecord): void {
    const inst = this.#instance(r.container, r.instance);
    const generation = num(r.generation);
    if (generation !== undefined && generation >= inst.generation) inst.generation = generation;
    const at = r.timestamp;
    inst.lastRecordAt = Math.max(inst.lastRecordAt, at);
    switch (r.event) {
      case "start": {
        const portsOpenMs = num(r.portsOpenMs);
        const instanceWaitMs = num(r.instanceWaitMs);
        const ports = Array.isArray(r.ports) ? r.ports.filter((p): p is number => typeof p === "number") : [];
        const cold: ColdStart = {
          generation: inst.generation,
          startedAt: num(r.startedAt) ?? at - (portsOpenMs ?? 0),
          ports,
        };
        if (portsOpenMs !== undefined) cold.portsOpenMs = portsOpenMs;
        if (instanceWaitMs !== undefined) cold.instanceWaitMs = instanceWaitMs;
        const portsMs = num(r.portsMs);
        if (portsMs !== undefined) cold.portsMs = portsMs;
        inst.coldStart = cold;
        delete inst.exitCode;
        delete inst.error;
        this.#setState(inst, "running", at);
        break;
      }
      case "ready": {
        const cold = inst.coldStart?.generation === inst.generation ? inst.coldStart : undefined;
        if (cold) {
          const probeMs = num(r.probeMs);
          const sinceStartMs = num(r.sinceStartMs);
          if (probeMs !== undefined) cold.readyOnMs = probeMs;
          if (sinceStartMs !== undefined) cold.totalMs = sinceStartMs;
        }
        delete inst.error;
        this.#setState(inst, "healthy", at);
        break;
      }
      case "sleep":
      case "hard-timeout":
        this.#setState(inst, "stopping", at);
        break;
      case "stop": {
        const exitCode = num(r.exitCode);
        if (exitCode !== undefined) inst.exitCode = exitCode;
        this.#setState(inst, "stopped", at);
        break;
      }
      case "error": {
        const message = str(r.message) ?? "error";
        if (r.phase === "start") {
          inst.error = message;
          this.#setState(inst, "failed", at);
        }
        break;
      }
    }
    push(
      this.#events,
      { time: at, event: r.event, container: r.container, instance: r.instance, generation, detail: describe(r) },
      LIMITS.events,
    );
  }

  #applyRequest(r: TappedRecord): void {
    this.#instance(r.container, r.instance);
    const view: RequestView = {
      time: r.timestamp,
      container: r.container,
      instance: r.instance,
      method: str(r.method) ?? "?",
      path: str(r.path) ?? "?",
      attempts: num(r.attempts) ?? 1,
      waitMs: num(r.waitMs) ?? 0,
      totalMs: num(r.totalMs) ?? 0,
    };
    const status = num(r.status);
    if (status !== undefined) view.status = status;
    const coldStartMs = num(r.coldStartMs);
    if (coldStartMs !== undefined) view.coldStartMs = coldStartMs;
    const error = str(r.error);
    if (error !== undefined) view.error = error;
    push(this.#requests, view, LIMITS.requests);
  }

  /**
   * An `egress` lifecycle record (`src/do/outbound.ts`): `host` and the `decision` (`denied`, `not-allowed`,
   * `handler`, `catch-all`, `internet`, `no-internet`; `bridge` calls are listed as bridge calls instead).
   */
  #applyEgress(r: TappedRecord): void {
    const host = str(r.host);
    const decision = str(r.decision);
    if (host === undefined || decision === undefined || decision === "bridge") return;
    const view: InspectorSnapshot["egress"][number] = {
      time: r.timestamp,
      container: r.container,
      instance: r.instance,
      host,
      allowed: !REFUSED.has(decision),
      rule: decision,
    };
    const pattern = str(r.pattern);
    if (pattern !== undefined) view.pattern = pattern;
    push(this.#egress, view, LIMITS.egress);
  }

  #applyBridge(r: TappedRecord): void {
    const view: InspectorSnapshot["bridge"][number] = {
      time: r.timestamp,
      container: r.container,
      instance: r.instance,
      mode: str(r.mode) ?? "?",
      method: str(r.method) ?? "?",
      path: str(r.path) ?? "?",
      status: num(r.status) ?? 0,
      durationMs: num(r.durationMs) ?? 0,
    };
    for (const key of ["functionPath", "identity", "via"] as const) {
      const value = str(r[key]);
      if (value !== undefined) view[key] = value.slice(0, 200);
    }
    push(this.#bridge, view, LIMITS.bridge);
  }

  /** Whether a lifecycle record named this instance (so an engine container of it is this session's). */
  hasRecordsFor(container: string, instance: string): boolean {
    return (this.#instances.get(`${container}\u0000${instance}`)?.lastRecordAt ?? 0) > 0;
  }

  /** The engine's current containers of this session (the whole list each time). */
  setEngineContainers(containers: EngineContainer[]): void {
    const seen = new Set<Instance>();
    // Of two containers for one instance (an old exited one and a new one), the newest wins.
    const newest = new Map<string, EngineContainer>();
    for (const c of containers) {
      const key = `${c.container}\u0000${c.instance}`;
      const other = newest.get(key);
      if (!other || c.createdAt > other.createdAt) newest.set(key, c);
    }
    for (const c of newest.values()) {
      const inst = this.#instance(c.container, c.instance);
      seen.add(inst);
      inst.docker = c;
      this.#reconcile(inst, c);
    }
    for (const inst of this.#instances.values()) {
      if (inst.docker && !seen.has(inst)) {
        inst.docker = { ...inst.docker, running: false, status: "removed", logs: inst.docker.logs };
        if (inst.state === "starting") this.#setState(inst, "stopped", this.#now());
      }
    }
    this.#changed();
  }

  #reconcile(inst: Instance, c: EngineContainer): void {
    const now = this.#now();
    if (c.running && c.startedAt !== undefined) {
      // A process newer than the last thing Moorage said: a start in progress.
      if ((inst.state === "stopped" || inst.state === "failed") && c.startedAt > inst.lastRecordAt) {
        this.#setState(inst, "starting", c.startedAt);
      }
      const cold = inst.coldStart;
      if (cold && cold.instanceWaitMs === undefined && cold.portsOpenMs !== undefined) {
        const wait = c.startedAt - cold.startedAt;
        if (wait >= 0 && wait <= cold.portsOpenMs) {
          cold.instanceWaitMs = wait;
          cold.portsMs = cold.portsOpenMs - wait;
        }
      }
    } else if (!c.running) {
      const ended = c.finishedAt ?? now;
      if (inst.state === "starting") this.#setState(inst, "stopped", ended);
      else if ((inst.state === "running" || inst.state === "healthy") && now - ended > ENGINE_GRACE_MS) {
        if (c.exitCode !== undefined) inst.exitCode = c.exitCode;
        this.#setState(inst, "stopped", ended);
      }
    }
  }

  snapshot(): InspectorSnapshot {
    const names = this.#declared.map((d) => d.name);
    for (const inst of this.#instances.values()) if (!names.includes(inst.container)) names.push(inst.container);
    const containers: ContainerView[] = names.map((name) => ({
      name,
      className: this.#declared.find((d) => d.name === name)?.className ?? "",
      instances: [...this.#instances.values()]
        .filter((i) => i.container === name)
        .sort((a, b) => a.instance.localeCompare(b.instance))
        .map((i) => instanceView(i)),
    }));
    const snapshot: InspectorSnapshot = {
      startedAt: this.#startedAt,
      engine: { ...this.#engine },
      containers,
      events: [...this.#events],
      requests: [...this.#requests],
      egress: [...this.#egress],
      bridge: [...this.#bridge],
    };
    if (this.#worker !== undefined) snapshot.worker = this.#worker;
    return snapshot;
  }
}

function instanceView(i: Instance): InstanceView {
  const view: InstanceView = {
    container: i.container,
    instance: i.instance,
    state: i.state,
    generation: i.generation,
    since: i.since,
    logs: (i.docker?.logs ?? []).slice(-LIMITS.logLines).map((l) => {
      const line: InstanceView["logs"][number] = { stream: l.stream, text: l.text };
      if (l.time !== undefined) line.time = l.time;
      return line;
    }),
  };
  if (i.exitCode !== undefined) view.exitCode = i.exitCode;
  if (i.error !== undefined) view.error = i.error;
  if (i.coldStart) {
    const { portsOpenMs, ...cold } = i.coldStart;
    view.coldStart = { ...cold, ports: [...cold.ports] };
    if (cold.instanceWaitMs === undefined && cold.portsMs === undefined && portsOpenMs !== undefined) {
      view.coldStart.portsMs = portsOpenMs;
      view.coldStart.portsIncludeWait = true;
    }
  }
  if (i.docker)
    view.docker = { id: i.docker.id, name: i.docker.name, status: i.docker.status, running: i.docker.running };
  return view;
}

/** A short summary of a lifecycle record for the timeline. */
export function describe(r: TappedRecord): string {
  const ms = (v: unknown) => (num(v) === undefined ? undefined : `${Math.round(num(v) as number)} ms`);
  switch (r.event) {
    case "start": {
      const ports = Array.isArray(r.ports) ? r.ports.join(", ") : "";
      return `ports ${ports || "?"} open${ms(r.portsOpenMs) ? ` after ${ms(r.portsOpenMs)}` : ""}`;
    }
    case "ready":
      if (Array.isArray(r.probes) && r.probes.length === 0) {
        return `serving (no readyOn probes)${ms(r.sinceStartMs) ? `, ${ms(r.sinceStartMs)} since start` : ""}`;
      }
      return `readyOn passed${ms(r.probeMs) ? ` in ${ms(r.probeMs)}` : ""}${ms(r.sinceStartMs) ? `, ${ms(r.sinceStartMs)} since start` : ""}`;
    case "stop": {
      const summary = [
        num(r.exitCode) === undefined ? undefined : `exit ${r.exitCode}`,
        str(r.reason),
        ms(r.runMs) && `ran ${ms(r.runMs)}`,
      ]
        .filter(Boolean)
        .join(", ");
      // A crash's last lines (`crash-lines.ts`), newest last.
      const lines = Array.isArray(r.lastLines) ? r.lastLines.filter((l): l is string => typeof l === "string") : [];
      return lines.length > 0 ? `${summary}; last lines:\n${lines.join("\n")}` : summary;
    }
    case "error":
      return `${str(r.phase) ?? "error"}: ${str(r.message) ?? ""}`;
    case "sleep":
      return num(r.sleepAfterSeconds) === undefined ? "idle" : `idle for ${r.sleepAfterSeconds} s`;
    case "hard-timeout":
      return num(r.hardTimeoutSeconds) === undefined ? "hard timeout" : `hard timeout of ${r.hardTimeoutSeconds} s`;
    default: {
      const skip = new Set(["source", "event", "container", "instance", "labels", "generation", "time", "timestamp"]);
      return Object.entries(r)
        .filter(([k, v]) => !skip.has(k) && (typeof v === "string" || typeof v === "number" || typeof v === "boolean"))
        .map(([k, v]) => `${k}=${String(v)}`)
        .join(" ")
        .slice(0, 200);
    }
  }
}
