/**
 * Plans the Durable Object lifecycle entries for container classes, and reports classes that disappeared.
 *
 * Wrangler 4.164 declares a Durable Object class's lifecycle in one of two mutually exclusive ways: the classic
 * `migrations[]` list, or the newer declarative `exports` map. A project already using `exports` for Durable
 * Objects (and no migrations) gets `exports` entries; every other project gets migrations, the format every
 * wrangler 4 understands.
 *
 * Migrations are history the platform has already applied: an existing tag is never edited; new classes go in a
 * new migration with the lowest free `vN` tag. Deleting a class deletes its Durable Objects' storage, so a class
 * that disappeared from the declarations is only reported, with the exact entry to add; its `containers[]`
 * entry and binding are kept (deploys fail until the user decides, which is the point: no silent data loss).
 */
import { bindingName, CLASS_SUFFIX, className, imageName } from "../../definition/naming.js";
import { MoorageConfigError } from "./errors.js";
import type { EditOp } from "./jsonc-text.js";
import { arrayField, emptyPlan, objectField, type Plan, type PlanInput } from "./plan.js";
import { isRecord } from "./wrangler-fields.js";

type Storage = "sqlite" | "kv" | "unknown";

interface MigrationHistory {
  tags: Set<string>;
  /** Classes alive after replaying every migration, with the storage they were created with. */
  live: Map<string, Storage>;
}

export function planLifecycle(input: PlanInput): Plan {
  const { file, root, where: w } = input;
  const migrations = arrayField(file, root, "migrations", `${w}migrations`);
  const exportsMap = objectField(file, root, "exports", `${w}exports`);
  const usesExports =
    migrations.length === 0 &&
    exportsMap !== undefined &&
    Object.values(exportsMap).some((e) => isRecord(e) && e.type === "durable-object");
  return usesExports ? planExports(input, exportsMap) : planMigrations(input, migrations);
}

/** The lowest `vN` (N >= 1) not already a tag. */
export function lowestFreeTag(tags: ReadonlySet<string>): string {
  let n = 1;
  while (tags.has(`v${n}`)) n++;
  return `v${n}`;
}

function replay(file: string, migrations: unknown[], w: string): MigrationHistory {
  const tags = new Set<string>();
  const live = new Map<string, Storage>();
  const strings = (m: Record<string, unknown>, key: string): string[] =>
    Array.isArray(m[key]) ? (m[key] as unknown[]).filter((x): x is string => typeof x === "string") : [];
  const moves = (m: Record<string, unknown>, key: string): Array<{ from: unknown; to: unknown }> =>
    Array.isArray(m[key]) ? (m[key] as unknown[]).filter(isRecord).map((r) => ({ from: r.from, to: r.to })) : [];
  migrations.forEach((m, i) => {
    if (!isRecord(m) || typeof m.tag !== "string") {
      throw new MoorageConfigError(
        file,
        `${file}: ${w}migrations[${i}] has no string "tag"; every migration needs one ({ "tag": "v1", ... }). Fix it by hand, then run moorage sync again`,
        `${w}migrations[${i}].tag`,
      );
    }
    tags.add(m.tag);
    for (const cls of strings(m, "new_sqlite_classes")) live.set(cls, "sqlite");
    for (const cls of strings(m, "new_classes")) live.set(cls, "kv");
    for (const { from, to } of moves(m, "renamed_classes")) {
      const storage = typeof from === "string" ? (live.get(from) ?? "unknown") : "unknown";
      if (typeof from === "string") live.delete(from);
      if (typeof to === "string") live.set(to, storage);
    }
    for (const { to } of moves(m, "transferred_classes")) if (typeof to === "string") live.set(to, "unknown");
    for (const cls of strings(m, "deleted_classes")) live.delete(cls);
  });
  return { tags, live };
}

function planMigrations(input: PlanInput, migrations: unknown[]): Plan {
  const { file, root } = input;
  const plan = emptyPlan();
  const history = replay(file, migrations, input.where);
  const toCreate: string[] = [];
  for (const c of input.containers) {
    const cls = c.names.className;
    const storage = history.live.get(cls);
    if (storage === undefined) toCreate.push(cls);
    else if (storage === "kv") {
      plan.warnings.push(
        `${file}: ${cls} was created with "new_classes" (key-value storage), but containers need SQLite-backed Durable Objects; a class cannot change storage in place, so rename the export "${c.exportName}" (a new class then gets a "new_sqlite_classes" migration) and delete the old class with a "deleted_classes" migration`,
      );
    }
  }
  const tags = new Set(history.tags);
  if (toCreate.length > 0) {
    const tag = lowestFreeTag(tags);
    tags.add(tag);
    const migration = { tag, new_sqlite_classes: [...toCreate].sort() };
    const op: EditOp =
      root.migrations === undefined
        ? { path: ["migrations"], value: [migration] }
        : { path: ["migrations"], value: migration, append: true };
    plan.ops.push(op);
    plan.actions.push(`migrations: added ${JSON.stringify(migration)}`);
  }

  const gone = disappearedClasses(input);
  const alive = gone.filter((cls) => history.live.has(cls));
  if (alive.length > 0) {
    const migration = JSON.stringify({ tag: lowestFreeTag(tags), deleted_classes: alive });
    plan.warnings.push(
      `${file}: ${listOf(alive)} ${alive.length === 1 ? "is" : "are"} no longer declared as a container but ${alive.length === 1 ? "its" : "their"} Durable Objects still exist. ` +
        `If you removed ${alive.length === 1 ? "it" : "them"} on purpose, append this migration to "${input.where}migrations" (it deletes ${alive.length === 1 ? "its" : "their"} stored data): ${migration} ` +
        `and remove ${alive.length === 1 ? "its" : "their"} "containers" entry and "durable_objects.bindings" entry; if you renamed the export, use "renamed_classes" instead. ` +
        `Moorage left these entries untouched; wrangler deploy fails until you choose.`,
    );
  }
  warnStale(
    input,
    gone.filter((cls) => !history.live.has(cls)),
    plan,
  );
  return plan;
}

function planExports(input: PlanInput, exportsMap: Record<string, unknown>): Plan {
  const { file } = input;
  const plan = emptyPlan();
  for (const c of input.containers) {
    const cls = c.names.className;
    const entry = exportsMap[cls];
    if (entry === undefined) {
      const value = { type: "durable-object", storage: "sqlite" };
      plan.ops.push({ path: ["exports", cls], value });
      plan.actions.push(`exports: added "${cls}": ${JSON.stringify(value)}`);
      continue;
    }
    const field = `${input.where}exports.${cls}`;
    if (!isRecord(entry) || entry.type !== "durable-object") {
      throw new MoorageConfigError(
        file,
        `${file}: "${field}" exists but is not a Durable Object export; Moorage needs { "type": "durable-object", "storage": "sqlite" } there for the container "${c.exportName}". Rename the export "${c.exportName}" or the other export`,
        field,
      );
    }
    const state = entry.state ?? "created";
    if (state !== "created" && state !== "expecting-transfer") {
      throw new MoorageConfigError(
        file,
        `${file}: "${field}" is a "${String(state)}" tombstone, so ${cls} cannot be used again under that name; rename the export "${c.exportName}" so it gets a new class`,
        `${field}.state`,
      );
    }
    if (entry.storage !== "sqlite") {
      throw new MoorageConfigError(
        file,
        `${file}: "${field}.storage" is ${JSON.stringify(entry.storage)}, but containers need "sqlite"; a class cannot change storage in place, so rename the export "${c.exportName}" and mark the old class deleted`,
        `${field}.storage`,
      );
    }
  }
  const gone = disappearedClasses(input);
  const alive = gone.filter((cls) => {
    const e = exportsMap[cls];
    return isRecord(e) && e.type === "durable-object" && (e.state ?? "created") === "created";
  });
  for (const cls of alive) {
    plan.warnings.push(
      `${file}: ${cls} is no longer declared as a container but "${input.where}exports.${cls}" is still live. If you removed it on purpose, replace that entry with ${JSON.stringify({ [cls]: { type: "durable-object", state: "deleted" } })} (this deletes its stored data) and remove its "containers" entry and "durable_objects.bindings" entry; if you renamed the export, use "state": "renamed" with "renamed_to". Moorage left these entries untouched.`,
    );
  }
  warnStale(
    input,
    gone.filter((cls) => !alive.includes(cls)),
    plan,
  );
  return plan;
}

function warnStale(input: PlanInput, classes: string[], plan: Plan): void {
  for (const cls of classes) {
    plan.warnings.push(
      `${input.file}: ${cls} is no longer declared as a container and has no live Durable Objects; remove its "containers" entry and "durable_objects.bindings" entry by hand (Moorage left them untouched)`,
    );
  }
}

/**
 * Container classes the config still wires up but the declarations no longer have. "Moorage's" means the
 * names match what the naming module would derive from one export name: a binding `CONTAINER_X -> XContainer`,
 * or a `containers[]` entry `XContainer` named `<worker>-x`. A hand-written container class with other names
 * is the user's and never reported.
 */
function disappearedClasses(input: PlanInput): string[] {
  const { root } = input;
  const declared = new Set(input.containers.map((c) => c.names.className));
  const workerName = input.workerName;
  const stemOf = (cls: unknown): string | undefined => {
    if (typeof cls !== "string" || !cls.endsWith(CLASS_SUFFIX)) return undefined;
    const stem = cls.slice(0, -CLASS_SUFFIX.length);
    return stem !== "" && className(stem) === cls ? stem : undefined;
  };
  const found = new Set<string>();
  const durableObjects = isRecord(root.durable_objects) ? root.durable_objects : {};
  for (const b of Array.isArray(durableObjects.bindings) ? durableObjects.bindings : []) {
    if (!isRecord(b) || b.script_name !== undefined) continue;
    const stem = stemOf(b.class_name);
    if (stem !== undefined && b.name === bindingName(stem)) found.add(b.class_name as string);
  }
  for (const e of Array.isArray(root.containers) ? root.containers : []) {
    if (!isRecord(e)) continue;
    const stem = stemOf(e.class_name);
    if (stem !== undefined && e.name === imageName(stem, workerName)) found.add(e.class_name as string);
  }
  return [...found].filter((cls) => !declared.has(cls)).sort();
}

function listOf(items: string[]): string {
  return items.length === 1 ? (items[0] ?? "") : `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}`;
}
