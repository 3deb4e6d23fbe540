/**
 * The double's version of run-time images, sizes and snapshots (`schedulingPolicy: "durable_object"`): one per
 * instance, kept across stubs like the object's storage. It decides with the object's own rules
 * (`src/do/snapshot-plan.ts`), so a start into the wrong image, an unknown image or size, or a `fromSnapshot` the
 * instance never took is refused with the same code and message as with real containers; a stop snapshots the
 * `persist` directories and the next start restores them.
 *
 * What it does not have: a filesystem. Snapshot ids are `test-snapshot-<n>` and sizes are 0; whether files come
 * back is for the real-container suite to show. Boundary: state and decisions; recording calls is the stub's.
 */
import type { ContainerSnapshotInfo, SnapshotListing } from "../client/types.js";
import {
  listing,
  planStart,
  recordSnapshot,
  recordStart,
  type SnapshotPolicy,
  type SnapshotRecord,
  type SnapshotStartOptions,
  type StartPlan,
} from "../do/snapshot-plan.js";
import { MoorageError } from "../errors.js";

export interface SnapshotDouble {
  /** A start from stopped: checks, keeps the choice, and says what was restored. */
  start(options: SnapshotStartOptions | undefined, running: boolean): StartPlan | undefined;
  /** A stop of a running instance (not SIGKILL): snapshots the `persist` directories. */
  stopped(reason: "requested" | "sleep" | "hard-timeout"): void;
  snapshot(options: { name?: unknown } | undefined, running: boolean): ContainerSnapshotInfo;
  listing(): SnapshotListing;
  /** How many starts restored persisted directories or a whole snapshot. */
  readonly restores: number;
}

export function snapshotDouble(policy: SnapshotPolicy, who: string, now: () => number): SnapshotDouble {
  let record: SnapshotRecord = { snapshots: [] };
  let next = 1;
  let restores = 0;
  const image = () => record.choice?.image ?? policy.images[0] ?? "";
  return {
    start(options, running) {
      const plan = planStart(policy, record, options, who);
      if (!plan) return undefined;
      if (running) {
        if ((options?.image !== undefined || options?.fromSnapshot !== undefined) && plan.image !== image()) {
          throw new MoorageError(
            "invalid-option",
            `start() of ${who}: it is running image "${image()}"; stop() it first to start image "${plan.image}"`,
          );
        }
        return undefined;
      }
      record = recordStart(record, plan);
      if (plan.restore.length > 0 || plan.fromSnapshot) restores++;
      return plan;
    },
    stopped(reason) {
      if (!policy.durable || policy.persist.length === 0) return;
      const dirs = policy.persist.map((dir) => ({ dir, id: `test-snapshot-${next++}`, size: 0 }));
      record = { ...record, persisted: { image: image(), at: now(), reason, dirs } };
    },
    snapshot(options, running) {
      if (!policy.durable) {
        throw new MoorageError(
          "snapshot-unsupported",
          `snapshot() of ${who}: whole-container snapshots need schedulingPolicy: "durable_object" in the container's declaration`,
        );
      }
      if (!running) {
        throw new MoorageError(
          "snapshot-failed",
          `snapshot() of ${who}: the container is not running; start() it (or send it a request) first`,
        );
      }
      const name = options?.name;
      if (name !== undefined && (typeof name !== "string" || name.length === 0 || name.length > 128)) {
        throw new MoorageError(
          "invalid-option",
          `snapshot() of ${who}: "name" must be a string of 1-128 characters (got ${JSON.stringify(name)})`,
        );
      }
      const info: ContainerSnapshotInfo = { id: `test-snapshot-${next++}`, size: 0, image: image(), createdAt: now() };
      if (typeof name === "string") info.name = name;
      record = recordSnapshot(record, info);
      return { ...info };
    },
    listing: () => listing(policy, record),
    get restores() {
      return restores;
    },
  };
}
