/**
 * Snapshots and run-time images on `ctx.container`, for containers declared with
 * `schedulingPolicy: "durable_object"`: the image (`ctx.container.images[name]`) and size each start runs, the
 * `persist` directories snapshotted (`snapshotDirectory`) when a run is stopped on purpose (sleep, `stop()`, hard
 * timeout) and restored (`start({ directorySnapshots })`) at the next start, whole-container snapshots
 * (`snapshotContainer`, `start({ containerSnapshot })`), and the record of all of it in the object's storage. Each
 * snapshot and restore is a lifecycle event with its size and duration.
 *
 * What cannot be snapshotted, and why: the platform snapshots only a running container, so a run that crashed or
 * was killed (SIGKILL, `destroy()`) keeps the directories of the last stop that was snapshotted. A directory that
 * does not exist in the container yet is left out.
 *
 * Boundary: the lifecycle (`lifecycle.ts`) calls in at three points (a start is prepared, a start was issued and
 * served, a stop is about to signal); decisions are `snapshot-plan.ts`'s, shared with the test double.
 */
import type { ContainerSnapshotInfo, PersistedDirectories, SnapshotListing } from "../client/types.js";
import type { ContainerDefinition } from "../definition/types.js";
import { MoorageError, messageOf } from "../errors.js";
import { ObjectError } from "./errors.js";
import type { LifecycleEvent, StopReason } from "./lifecycle-log.js";
import type { KvLike } from "./run-ledger.js";
import {
  listing,
  planStart,
  policyOf,
  recordSnapshot,
  recordStart,
  type SnapshotPolicy,
  type SnapshotRecord,
  type SnapshotStartOptions,
  type StartPlan,
} from "./snapshot-plan.js";

const KEY = "moorage:snapshots";

/** Stops that snapshot the `persist` directories first (the run is still alive to be read). */
const SNAPSHOT_ON: ReadonlySet<StopReason> = new Set<StopReason>(["sleep", "requested", "hard-timeout"]);

/** The part of workerd's `ctx.container` used here (`snapshotDirectory` exists only with `experimental`). */
export interface SnapshotContainer {
  readonly running: boolean;
  readonly images?: Record<string, string>;
  snapshotDirectory?(options: { dir: string; name?: string }): Promise<{ id: string; size: number; dir: string }>;
  snapshotContainer?(options?: { name?: string }): Promise<{ id: string; size: number; name?: string }>;
}

export interface SnapshotHost {
  kv: KvLike;
  container: SnapshotContainer;
  definition: ContainerDefinition;
  who(): string;
  log(event: LifecycleEvent, extra?: Record<string, unknown>): void;
}

/** A start, prepared: the platform's start options to merge, and what it restores. */
export interface PreparedStart {
  startup: Partial<ContainerStartupOptions>;
  plan?: StartPlan;
}

export class Snapshots {
  readonly policy: SnapshotPolicy;
  /** One persist snapshot per generation, whoever asks for the stop first. */
  #persisting: { generation: number; done: Promise<void> } | undefined;

  constructor(private readonly host: SnapshotHost) {
    this.policy = policyOf(host.definition);
  }

  read(): SnapshotRecord {
    return this.host.kv.get<SnapshotRecord>(KEY) ?? { snapshots: [] };
  }

  #write(record: SnapshotRecord): void {
    this.host.kv.put(KEY, record);
  }

  /** Checks `start()` options before anything runs (throws the plan's `MoorageError`). */
  check(options: SnapshotStartOptions | undefined): StartPlan | undefined {
    return planStart(this.policy, this.read(), options, this.host.who());
  }

  /**
   * A start about to be issued: the image reference, size and restores to pass to `ctx.container.start()`.
   * Throws (nothing started) when the plan refuses or the runtime lacks what the declaration needs.
   */
  prepareStart(options: SnapshotStartOptions | undefined): PreparedStart {
    const plan = this.check(options);
    if (!plan) return { startup: {} };
    const { container } = this.host;
    if (this.policy.persist.length > 0 && typeof container.snapshotDirectory !== "function") {
      throw new MoorageError(
        "snapshot-unsupported",
        `${this.host.who()} declares persist ${JSON.stringify(this.policy.persist)}, but this runtime has no ctx.container.snapshotDirectory(): locally, workerd exposes it only with the "experimental" compatibility flag. Run \`moorage dev\`, which adds it for local dev, or pass wrangler dev \`--compatibility-flags <your flags> experimental\` (keep it out of wrangler.jsonc: Cloudflare refuses to deploy it, and production needs none), or remove "persist"; nothing was started, so no files were lost`,
      );
    }
    const startup: Partial<ContainerStartupOptions> = {
      instance: plan.instanceType,
    } as Partial<ContainerStartupOptions>;
    if (plan.fromSnapshot) {
      (startup as { containerSnapshot?: { id: string } }).containerSnapshot = { id: plan.fromSnapshot.id };
    } else {
      const reference = container.images?.[plan.image];
      if (reference === undefined) {
        const known = Object.keys(container.images ?? {});
        throw new MoorageError(
          "config",
          `${this.host.who()} runs image "${plan.image}", but the runtime knows ${known.length === 0 ? "no images" : `only ${known.map((k) => `"${k}"`).join(", ")}`} (ctx.container.images). Run \`moorage sync\` and restart wrangler so the containers[] entry names every declared image`,
        );
      }
      (startup as { image?: string }).image = reference;
    }
    if (plan.restore.length > 0) {
      (startup as { directorySnapshots?: unknown[] }).directorySnapshots = plan.restore.map((d) => ({
        snapshot: { id: d.id, size: d.size, dir: d.dir },
      }));
    }
    return { startup, plan };
  }

  /** The start was issued: keep the choice (a bare start later runs the same image and size). */
  issued(prepared: PreparedStart): void {
    if (prepared.plan) this.#write(recordStart(this.read(), prepared.plan));
  }

  /** The start that restored snapshots is serving: report the restore. */
  served(prepared: PreparedStart, startedAt: number | undefined): void {
    const plan = prepared.plan;
    if (!plan || (plan.restore.length === 0 && !plan.fromSnapshot)) return;
    const dirs = plan.restore.map((d) => ({ dir: d.dir, id: d.id, size: d.size }));
    const sizeBytes = dirs.reduce((sum, d) => sum + d.size, 0) + (plan.fromSnapshot?.size ?? 0);
    this.host.log("restore", {
      kind: plan.fromSnapshot ? (dirs.length > 0 ? "container+directories" : "container") : "directories",
      image: plan.image,
      ...(plan.fromSnapshot ? { fromSnapshot: { id: plan.fromSnapshot.id, size: plan.fromSnapshot.size } } : {}),
      ...(dirs.length > 0 ? { dirs } : {}),
      sizeBytes,
      // The platform restores inside start(): the restore's time is the start's, up to every port open.
      ...(startedAt === undefined ? {} : { durationMs: Date.now() - startedAt }),
    });
  }

  /** A failed start that restored snapshots says so, with the way out. */
  explain(prepared: PreparedStart | undefined, failure: ObjectError): ObjectError {
    const plan = prepared?.plan;
    if (!plan || (plan.restore.length === 0 && !plan.fromSnapshot)) return failure;
    const what = plan.fromSnapshot
      ? `snapshot "${plan.fromSnapshot.id}"`
      : `the persisted ${plan.restore.map((d) => `"${d.dir}"`).join(", ")}`;
    return new ObjectError(
      failure.code,
      `${failure.message} (this start restored ${what}; a snapshot the platform no longer has fails the start: start({ discardPersisted: true })${plan.fromSnapshot ? " or a start without fromSnapshot" : ""} starts without it)`,
      { cause: failure, status: failure.status },
    );
  }

  /** Before a stop signals the run: snapshot the `persist` directories, once per generation. Never throws. */
  beforeStop(reason: StopReason, generation: number): Promise<void> {
    if (!this.policy.durable || this.policy.persist.length === 0 || !SNAPSHOT_ON.has(reason)) return Promise.resolve();
    if (this.#persisting?.generation === generation) return this.#persisting.done;
    const done = this.#persist(reason).catch((error: unknown) => {
      this.host.log("error", { phase: "snapshot", code: "snapshot-failed", message: messageOf(error) });
    });
    this.#persisting = { generation, done };
    return done;
  }

  async #persist(reason: StopReason): Promise<void> {
    const { container } = this.host;
    if (!container.running || typeof container.snapshotDirectory !== "function") return;
    const image = this.read().choice?.image ?? this.policy.images[0] ?? "";
    const begun = Date.now();
    const dirs: PersistedDirectories["dirs"] = [];
    const missing: string[] = [];
    for (const dir of this.policy.persist) {
      try {
        const taken = await container.snapshotDirectory({ dir });
        dirs.push({ dir, id: taken.id, size: taken.size });
      } catch (error) {
        if (/not found/i.test(messageOf(error))) {
          missing.push(dir);
          continue;
        }
        // All or nothing: the record keeps the previous set, whose directories still restore together.
        throw new MoorageError(
          "snapshot-failed",
          `${this.host.who()}: snapshotting "${dir}" before the ${reason} stop failed, so the previous snapshot of the persist directories is kept: ${messageOf(error)}`,
          { cause: error },
        );
      }
    }
    const persisted: PersistedDirectories = { image, at: Date.now(), reason, dirs };
    this.#write({ ...this.read(), persisted });
    this.host.log("snapshot", {
      kind: "directories",
      reason,
      image,
      dirs,
      ...(missing.length > 0 ? { missing } : {}),
      sizeBytes: dirs.reduce((sum, d) => sum + d.size, 0),
      durationMs: Date.now() - begun,
    });
  }

  /** `snapshot()`: the whole running container, recorded with the image it ran. */
  async snapshot(options: { name?: unknown } | undefined): Promise<ContainerSnapshotInfo> {
    const who = this.host.who();
    if (!this.policy.durable) {
      throw new MoorageError(
        "snapshot-unsupported",
        `snapshot() of ${who}: whole-container snapshots need schedulingPolicy: "durable_object" in the container's declaration`,
      );
    }
    const name = options?.name;
    if (name !== undefined && (typeof name !== "string" || name.length === 0 || name.length > 128)) {
      throw new MoorageError(
        "invalid-option",
        `snapshot() of ${who}: "name" must be a string of 1-128 characters (got ${JSON.stringify(name)})`,
      );
    }
    const { container } = this.host;
    if (typeof container.snapshotContainer !== "function") {
      throw new MoorageError("snapshot-unsupported", `snapshot() of ${who}: this runtime has no snapshotContainer()`);
    }
    if (!container.running) {
      throw new MoorageError(
        "snapshot-failed",
        `snapshot() of ${who}: the container is not running; start() it (or send it a request) first`,
      );
    }
    const image = this.read().choice?.image ?? this.policy.images[0] ?? "";
    const begun = Date.now();
    let taken: { id: string; size: number };
    try {
      taken = await container.snapshotContainer(name === undefined ? {} : { name });
    } catch (error) {
      throw new MoorageError("snapshot-failed", `snapshot() of ${who} failed: ${messageOf(error)}`, { cause: error });
    }
    const info: ContainerSnapshotInfo = { id: taken.id, size: taken.size, image, createdAt: Date.now() };
    if (name !== undefined) info.name = name;
    this.#write(recordSnapshot(this.read(), info));
    this.host.log("snapshot", {
      kind: "container",
      reason: "requested",
      image,
      id: info.id,
      ...(info.name === undefined ? {} : { name: info.name }),
      sizeBytes: info.size,
      durationMs: Date.now() - begun,
    });
    return info;
  }

  listing(): SnapshotListing {
    return listing(this.policy, this.read());
  }
}
