/**
 * What a start under `schedulingPolicy: "durable_object"` runs and restores, decided from the declaration, the
 * instance's stored record and the caller's options: the image (a declared name), the size, a whole-container
 * snapshot to start from, and the `persist` directories to restore. Also the record itself (what is kept in the
 * object's storage) and how a code survives the trip over Durable Object RPC.
 *
 * Why a module of its own, free of `cloudflare:workers`: the Durable Object (`snapshot.ts`) and the Docker-free
 * double (`src/testing/snapshot-double.ts`) must refuse exactly the same things with exactly the same messages, so
 * both call `planStart` here.
 *
 * The rules: a snapshot belongs to the image it was taken under (a declared name; the reference behind a name
 * changes with every build), so restoring one into another image is refused as a whole, before anything starts:
 * nothing is ever half-restored. Options come over RPC, so they are untrusted: every field is checked and named.
 * Boundary: pure decisions; no platform calls, no storage access.
 */
import type {
  ContainerSnapshotInfo,
  PersistedDirectories,
  SnapshotListing,
  StartInstanceType,
} from "../client/types.js";
import { customInstanceProblems } from "../definition/instance-types.js";
import { START_INSTANCE_TYPES } from "../definition/scheduling.js";
import type { ContainerDefinition } from "../definition/types.js";
import { type ErrorCode, isErrorCode, MoorageError } from "../errors.js";

/** Whole-container snapshots kept in an instance's record (oldest dropped first). */
export const MAX_RECORDED_SNAPSHOTS = 20;

/** What a plan needs from a declaration. */
export interface SnapshotPolicy {
  /** `schedulingPolicy: "durable_object"`. */
  durable: boolean;
  /** Declared image names, the default first. */
  images: readonly string[];
  /** Directories snapshotted at a stop and restored at the next start. */
  persist: readonly string[];
  /** The declared size, used until a start chooses another. */
  instanceType: StartInstanceType;
}

export function policyOf(definition: ContainerDefinition): SnapshotPolicy {
  const names = Object.keys(definition.images ?? {});
  const first = definition.defaultImage;
  return {
    durable: definition.schedulingPolicy === "durable_object",
    images: first === undefined ? names : [first, ...names.filter((n) => n !== first)],
    persist: definition.persist ?? [],
    instanceType: definition.instanceType,
  };
}

/** What is kept in the object's storage. */
export interface SnapshotRecord {
  /** The image name and size the last start chose (a bare start keeps them). */
  choice?: { image: string; instanceType?: StartInstanceType };
  persisted?: PersistedDirectories;
  snapshots: ContainerSnapshotInfo[];
}

/** The options of `start()` this module reads (the rest are the lifecycle's). */
export interface SnapshotStartOptions {
  image?: unknown;
  instanceType?: unknown;
  fromSnapshot?: unknown;
  discardPersisted?: unknown;
}

/** What a start runs. */
export interface StartPlan {
  image: string;
  instanceType: StartInstanceType;
  /** Start from this whole-container snapshot (of `image`). */
  fromSnapshot?: ContainerSnapshotInfo;
  /** Restore these `persist` directories, all of them or (when the start fails) none. */
  restore: PersistedDirectories["dirs"];
  /** The caller dropped the persisted directories. */
  discarded: boolean;
}

const list = (names: readonly string[]) => names.map((n) => JSON.stringify(n)).join(", ");

/** Checks a size chosen at run time like `defineContainer` checks the declared one. */
export function checkInstanceType(value: unknown, where: string): StartInstanceType {
  if (typeof value === "string") {
    if ((START_INSTANCE_TYPES as readonly string[]).includes(value)) return value as StartInstanceType;
  } else if (typeof value === "object" && value !== null && !Array.isArray(value)) {
    const t = value as Record<string, unknown>;
    const keys = Object.keys(t).sort().join(",");
    const numbers = ["vcpu", "memoryMib", "diskMb"].every(
      (k) => typeof t[k] === "number" && Number.isFinite(t[k]) && (t[k] as number) > 0,
    );
    if (keys === "diskMb,memoryMib,vcpu" && numbers) {
      const custom = { vcpu: t.vcpu as number, memoryMib: t.memoryMib as number, diskMb: t.diskMb as number };
      const problems = customInstanceProblems(custom);
      if (problems.length === 0) return custom;
      throw new MoorageError("invalid-option", `${where}: "instanceType" ${problems.join("; ")}`);
    }
  }
  throw new MoorageError(
    "invalid-option",
    `${where}: "instanceType" must be one of ${list(START_INSTANCE_TYPES)} (the sizes the platform's start() takes) or { vcpu, memoryMib, diskMb } with positive numbers (got ${JSON.stringify(value)})`,
  );
}

/**
 * Decides what a start runs. `who` names the container and instance in messages (`container "notes" (instance
 * "n-1")`). Throws a `MoorageError` (`invalid-option`, `snapshot-not-found`, `snapshot-image-mismatch`,
 * `snapshot-unsupported`) and then nothing has started.
 */
export function planStart(
  policy: SnapshotPolicy,
  record: SnapshotRecord,
  options: SnapshotStartOptions | undefined,
  who: string,
): StartPlan | undefined {
  const o = options ?? {};
  const where = `start() of ${who}`;
  if (!policy.durable) {
    for (const field of ["image", "instanceType", "fromSnapshot"] as const) {
      if (o[field] !== undefined) {
        throw new MoorageError(
          "snapshot-unsupported",
          `${where}: "${field}" needs schedulingPolicy: "durable_object" in the container's declaration (the Durable Object chooses image, size and snapshots only under that policy)`,
        );
      }
    }
    return undefined;
  }
  if (o.discardPersisted !== undefined && typeof o.discardPersisted !== "boolean") {
    throw new MoorageError(
      "invalid-option",
      `${where}: "discardPersisted" must be true or false (got ${JSON.stringify(o.discardPersisted)})`,
    );
  }
  if (o.image !== undefined && (typeof o.image !== "string" || !policy.images.includes(o.image))) {
    throw new MoorageError(
      "invalid-option",
      `${where}: "image" must be one of the declared images ${list(policy.images)} (got ${JSON.stringify(o.image)})`,
    );
  }
  const instanceType =
    o.instanceType === undefined
      ? (record.choice?.instanceType ?? policy.instanceType)
      : checkInstanceType(o.instanceType, where);

  let fromSnapshot: ContainerSnapshotInfo | undefined;
  if (o.fromSnapshot !== undefined) {
    const raw = o.fromSnapshot;
    const id =
      typeof raw === "string" ? raw : typeof raw === "object" && raw !== null ? (raw as { id?: unknown }).id : raw;
    if (typeof id !== "string" || id.length === 0 || id.length > 200) {
      throw new MoorageError(
        "invalid-option",
        `${where}: "fromSnapshot" must be a snapshot id or { id } from snapshot() (got ${JSON.stringify(raw)})`,
      );
    }
    fromSnapshot = record.snapshots.find((s) => s.id === id);
    if (!fromSnapshot) {
      const known = record.snapshots.map((s) => s.id);
      throw new MoorageError(
        "snapshot-not-found",
        `${where}: "fromSnapshot" ${JSON.stringify(id)} is not a snapshot of this instance (${known.length === 0 ? "it has none; snapshot() takes one" : `its snapshots: ${list(known.slice(-5))}`})`,
      );
    }
    if (o.image !== undefined && o.image !== fromSnapshot.image) {
      throw new MoorageError(
        "snapshot-image-mismatch",
        `${where}: snapshot ${JSON.stringify(id)} was taken under image ${JSON.stringify(fromSnapshot.image)}, so it cannot start image ${JSON.stringify(o.image)}; drop "image" (the snapshot brings its own) or start without "fromSnapshot"`,
      );
    }
    if (!policy.images.includes(fromSnapshot.image)) {
      throw new MoorageError(
        "snapshot-image-mismatch",
        `${where}: snapshot ${JSON.stringify(id)} was taken under image ${JSON.stringify(fromSnapshot.image)}, which is no longer declared (images: ${list(policy.images)}); a snapshot restores only into its own image`,
      );
    }
  }

  const fallback = policy.images[0];
  const remembered = record.choice?.image;
  const image =
    (o.image as string | undefined) ??
    fromSnapshot?.image ??
    (remembered !== undefined && policy.images.includes(remembered) ? remembered : fallback);
  if (image === undefined) {
    throw new MoorageError(
      "snapshot-unsupported",
      `${where}: the declaration names no images; run \`moorage generate\``,
    );
  }

  const discarded = o.discardPersisted === true;
  let restore: PersistedDirectories["dirs"] = [];
  const persisted = record.persisted;
  if (persisted && !discarded && policy.persist.length > 0) {
    if (persisted.image !== image) {
      const dirs = persisted.dirs.map((d) => d.dir);
      throw new MoorageError(
        "snapshot-image-mismatch",
        `${where}: ${list(dirs)} were persisted under image ${JSON.stringify(persisted.image)}; restoring them into image ${JSON.stringify(image)} is refused (a snapshot restores only into its own image) and nothing was started. Start with image: ${JSON.stringify(persisted.image)}, or pass discardPersisted: true to start ${JSON.stringify(image)} without them (they are dropped)`,
      );
    }
    restore = persisted.dirs.filter((d) => policy.persist.includes(d.dir));
  }
  const plan: StartPlan = { image, instanceType, restore, discarded };
  if (fromSnapshot) plan.fromSnapshot = fromSnapshot;
  return plan;
}

/** The record after a start of `plan` was issued: the choice kept, dropped directories forgotten. */
export function recordStart(record: SnapshotRecord, plan: StartPlan): SnapshotRecord {
  const next: SnapshotRecord = { ...record, choice: { image: plan.image, instanceType: plan.instanceType } };
  if (plan.discarded) delete next.persisted;
  return next;
}

/** The record with one more whole-container snapshot (the oldest beyond `MAX_RECORDED_SNAPSHOTS` dropped). */
export function recordSnapshot(record: SnapshotRecord, snapshot: ContainerSnapshotInfo): SnapshotRecord {
  return { ...record, snapshots: [...record.snapshots, snapshot].slice(-MAX_RECORDED_SNAPSHOTS) };
}

/** `snapshots()`: what the record says, with the declared defaults where nothing was chosen yet. */
export function listing(policy: SnapshotPolicy, record: SnapshotRecord): SnapshotListing {
  const out: SnapshotListing = { snapshots: record.snapshots.map((s) => ({ ...s })) };
  if (!policy.durable) return out;
  const image = record.choice?.image ?? policy.images[0];
  if (image !== undefined) out.image = image;
  out.instanceType = record.choice?.instanceType ?? policy.instanceType;
  if (record.persisted) out.persisted = { ...record.persisted, dirs: record.persisted.dirs.map((d) => ({ ...d })) };
  return out;
}

// ===================== codes over RPC =====================

/**
 * Durable Object RPC carries an error's message, not its fields, so the object appends the code as
 * ` [moorage-error: <code>]` and the client turns it back into a `MoorageError` with that code.
 */
const CODE_TAG = / \[moorage-error: ([a-z0-9-]+)\]$/;

/** The error to throw across RPC: same message, the code appended. */
export function toRpcError(error: unknown): Error {
  if (error instanceof MoorageError && isErrorCode(error.code) && !CODE_TAG.test(error.message)) {
    return new Error(`${error.message} [moorage-error: ${error.code}]`);
  }
  return error instanceof Error ? error : new Error(String(error));
}

/** A `MoorageError` again when `error` carries a code tag (untrusted text: only registered codes count). */
export function fromRpcError(error: unknown): unknown {
  if (!(error instanceof Error)) return error;
  const match = CODE_TAG.exec(error.message);
  const code = match?.[1];
  if (!match || !isErrorCode(code)) return error;
  return new MoorageError(code as ErrorCode, error.message.slice(0, match.index), { cause: error });
}
