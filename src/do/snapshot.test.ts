/**
 * Snapshots and run-time images on a fake `ctx.container` that keeps a filesystem per run and implements
 * `snapshotDirectory`, `snapshotContainer` and their restores the way local workerd does (a directory snapshot
 * restores into any image; a whole-container snapshot carries every file): files in `persist` directories survive
 * a stop, sleep and hard timeout; a snapshot is never restored into another image (refused before anything starts);
 * image and size chosen at start are passed to the platform and kept across object restarts; every snapshot and
 * restore is a lifecycle event with its size and duration.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import type { ContainerDefinition, ImageSource } from "../definition/types.js";
import { isMoorageError } from "../errors.js";
import { HEADERS } from "../protocol.js";
import { MoorageContainer } from "./container.js";
import type { LifecycleRecord } from "./lifecycle-log.js";
import { fromRpcError } from "./snapshot-plan.js";
import { createFakeContext, FakeContainer, FakeStorage, testDefinition } from "./testing/fake-context.js";

class NotesContainer extends MoorageContainer {}

const dockerfile = (dir: string): ImageSource => ({
  kind: "dockerfile",
  dockerfile: `${dir}/Dockerfile`,
  context: dir,
});
const DURABLE: Partial<ContainerDefinition> = {
  schedulingPolicy: "durable_object",
  images: { base: dockerfile("./containers/base"), gpu: dockerfile("./containers/gpu") },
  defaultImage: "base",
  image: dockerfile("./containers/base"),
  persist: ["/data"],
  instanceType: "standard-1",
};

type Files = Map<string, string>;

/** A container with files: `/data/...` paths belong to the persisted directory. */
class SnapshottingContainer extends FakeContainer {
  files: Files = new Map();
  readonly volumes = new Map<string, Files>();
  readonly images_ = { base: "cloudflare-dev/notes-base:1", gpu: "cloudflare-dev/notes-gpu:1" };
  readonly commits = new Map<string, Files>();
  hasSnapshotDirectory = true;
  #next = 1;

  override get images(): Record<string, string> {
    return this.images_;
  }

  override start(options?: Record<string, unknown>): void {
    super.start(options as never);
    const restore = options?.directorySnapshots as { snapshot: { id: string; dir: string } }[] | undefined;
    const snapshot = options?.containerSnapshot as { id: string } | undefined;
    this.files = snapshot ? new Map(this.commits.get(snapshot.id)) : new Map();
    for (const r of restore ?? []) {
      for (const [path, text] of this.volumes.get(r.snapshot.id) ?? [])
        this.files.set(`${r.snapshot.dir}/${path}`, text);
    }
  }

  get snapshotDirectory() {
    if (!this.hasSnapshotDirectory) return undefined;
    return async ({ dir }: { dir: string }) => {
      if (!this.running) throw new Error("snapshotDirectory() requires a running container.");
      const inside = [...this.files].filter(([p]) => p.startsWith(`${dir}/`));
      if (inside.length === 0) throw new Error(`snapshotDirectory(): directory not found in container: ${dir}`);
      const id = `dir-${this.#next++}`;
      this.volumes.set(id, new Map(inside.map(([p, t]) => [p.slice(dir.length + 1), t])));
      return { id, size: 512 * inside.length, dir };
    };
  }

  async snapshotContainer(): Promise<{ id: string; size: number }> {
    if (!this.running) throw new Error("snapshotContainer() requires a running container.");
    const id = `ctr-${this.#next++}`;
    this.commits.set(id, new Map(this.files));
    return { id, size: 1000 };
  }
}

const get = (path = "/") => new Request(`http://container${path}`, { headers: { [HEADERS.instanceName]: "n-1" } });
const tick = (ms = 0) => new Promise((resolve) => setTimeout(resolve, ms));

function build(
  overrides: Partial<ContainerDefinition> = DURABLE,
  shared: { container?: SnapshottingContainer; storage?: FakeStorage; logs?: LifecycleRecord[] } = {},
) {
  const container = shared.container ?? new SnapshottingContainer();
  const fake = createFakeContext({ container, storage: shared.storage });
  const object = new NotesContainer(fake.ctx, {}, testDefinition(overrides), "notes");
  const logs = shared.logs ?? [];
  object.lifecycleSink = (record) => logs.push(record);
  return { object, logs, container, storage: fake.storage };
}

/** What the client sees of an object's refusal: the code survives the RPC's message-only errors. */
async function refusal(promise: Promise<unknown>) {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => fromRpcError(new Error((e as Error).message)),
  );
  if (!isMoorageError(error)) throw new Error(`expected a MoorageError, got ${String(error)}`);
  return error;
}

const startCall = (c: FakeContainer, i: number) => c.startCalls[i] as Record<string, unknown> | undefined;

afterEach(() => vi.useRealTimers());

describe("persist: directories outlive their container", () => {
  it("a stop snapshots /data; the next start restores it, with snapshot and restore events", async () => {
    const { object, container, logs } = build();
    expect((await object.fetch(get())).status).toBe(200);
    container.files.set("/data/notes.txt", "remember me");
    container.files.set("/tmp/scratch", "gone after the stop");
    await object.stop();
    await tick();

    const snapshot = logs.find((l) => l.event === "snapshot");
    expect(snapshot).toMatchObject({ kind: "directories", reason: "requested", image: "base", sizeBytes: 512 });
    expect(snapshot?.dirs).toEqual([{ dir: "/data", id: "dir-1", size: 512 }]);
    expect(typeof snapshot?.durationMs).toBe("number");
    // Snapshotted before the signal: the run could still be read.
    expect(logs.findIndex((l) => l.event === "snapshot")).toBeLessThan(logs.findIndex((l) => l.event === "stop"));

    expect((await object.fetch(get())).status).toBe(200);
    expect(startCall(container, 1)?.directorySnapshots).toEqual([
      { snapshot: { id: "dir-1", size: 512, dir: "/data" } },
    ]);
    expect(container.files.get("/data/notes.txt")).toBe("remember me");
    expect(container.files.has("/tmp/scratch")).toBe(false);
    expect(logs.find((l) => l.event === "restore")).toMatchObject({
      kind: "directories",
      image: "base",
      dirs: [{ dir: "/data", id: "dir-1", size: 512 }],
      sizeBytes: 512,
      generation: 2,
    });
    expect((await object.snapshots()).persisted).toMatchObject({ image: "base", reason: "requested" });
  });

  it("sleep and the hard timeout snapshot too; a SIGKILL or destroy() cannot (the run is not read)", async () => {
    const { object, container, logs } = build({ ...DURABLE, sleepAfterSeconds: 1, hardTimeoutSeconds: 3600 });
    await (await object.fetch(get())).text(); // the body ends: no request in flight keeps it awake
    container.files.set("/data/a", "1");
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(Date.now() + 5_000);
    await object.alarm();
    await tick();
    expect(logs.filter((l) => l.event === "snapshot").map((l) => l.reason)).toEqual(["sleep"]);
    vi.useRealTimers();

    await object.fetch(get());
    container.files.set("/data/a", "2");
    await object.stop("SIGKILL");
    await tick();
    await object.fetch(get());
    await object.destroy();
    await tick();
    expect(logs.filter((l) => l.event === "snapshot")).toHaveLength(1);

    const hard = build({ ...DURABLE, sleepAfterSeconds: 600, hardTimeoutSeconds: 1 });
    await (await hard.object.fetch(get())).text();
    hard.container.files.set("/data/job", "half done");
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(Date.now() + 5_000);
    await hard.object.alarm();
    expect(hard.logs.filter((l) => l.event === "snapshot").map((l) => l.reason)).toEqual(["hard-timeout"]);
  });

  it("a directory the run never created is left out; the others are kept", async () => {
    const { object, logs } = build({ ...DURABLE, persist: ["/data", "/cache"] });
    await object.fetch(get());
    await object.stop();
    await tick();
    expect(logs.find((l) => l.event === "snapshot")).toMatchObject({ dirs: [], missing: ["/data", "/cache"] });
  });

  it("a runtime without snapshotDirectory (no experimental flag) fails the start loudly and starts nothing", async () => {
    const container = new SnapshottingContainer();
    container.hasSnapshotDirectory = false;
    const { object } = build(DURABLE, { container });
    const res = await object.fetch(get());
    expect(res.status).toBe(500);
    expect(res.headers.get(HEADERS.error)).toBe("start-failed");
    const { message } = (await res.json()) as { message: string };
    expect(message).toContain('"experimental" compatibility flag');
    // The way in for local dev, and the warning that keeps it out of the deployed config.
    expect(message).toContain("`moorage dev`, which adds it for local dev");
    expect(message).toContain("keep it out of wrangler.jsonc: Cloudflare refuses to deploy it");
    expect(container.startCalls).toHaveLength(0);
  });
});

describe("images and sizes chosen at start", () => {
  it("are passed to the platform and kept across an object restart", async () => {
    const container = new SnapshottingContainer();
    const storage = new FakeStorage();
    const first = build(DURABLE, { container, storage });
    await first.object.start({ image: "gpu", instanceType: { vcpu: 2, memoryMib: 8192, diskMb: 8000 } });
    expect(startCall(container, 0)).toMatchObject({
      image: "cloudflare-dev/notes-gpu:1",
      instance: { vcpu: 2, memoryMib: 8192, diskMb: 8000 },
    });
    expect(await first.object.getState()).toMatchObject({ status: "healthy", image: "gpu" });
    await first.object.stop();
    await tick();

    const second = build(DURABLE, { container, storage }); // the object restarted (reset, redeploy, eviction)
    await second.object.fetch(get());
    expect(startCall(container, 1)).toMatchObject({
      image: "cloudflare-dev/notes-gpu:1",
      instance: { vcpu: 2, memoryMib: 8192, diskMb: 8000 },
    });
  });

  it("a bare start runs the default image at the declared size", async () => {
    const { object, container } = build();
    await object.fetch(get());
    expect(startCall(container, 0)).toMatchObject({ image: "cloudflare-dev/notes-base:1", instance: "standard-1" });
  });

  it("refuses unknown images and sizes, and choosing them without the durable_object policy", async () => {
    const { object, container } = build();
    expect((await refusal(object.start({ image: "cpu" }))).message).toContain(
      '"image" must be one of the declared images "base", "gpu" (got "cpu")',
    );
    const size = await refusal(object.start({ instanceType: "huge" as never }));
    expect(size.code).toBe("invalid-option");
    expect(size.message).toContain('"instanceType" must be one of "lite"');
    expect(container.startCalls).toHaveLength(0);

    const plain = build({}).object;
    const unsupported = await refusal(plain.start({ image: "base" }));
    expect(unsupported.code).toBe("snapshot-unsupported");
    expect(unsupported.message).toContain('needs schedulingPolicy: "durable_object"');
  });

  it("a running instance is not silently switched to another image", async () => {
    const { object } = build();
    await object.start();
    const error = await refusal(object.start({ image: "gpu" }));
    expect(error.message).toContain('it is running image "base"; stop() it first');
  });
});

describe("a snapshot restores only into its own image", () => {
  it("persisted directories of one image are refused for another; discardPersisted drops them", async () => {
    const { object, container, logs } = build();
    await object.fetch(get());
    container.files.set("/data/notes.txt", "base's");
    await object.stop();
    await tick();

    const error = await refusal(object.start({ image: "gpu" }));
    expect(error.code).toBe("snapshot-image-mismatch");
    expect(error.message).toContain(
      '"/data" were persisted under image "base"; restoring them into image "gpu" is refused',
    );
    expect(error.message).toContain("discardPersisted: true");
    expect(container.startCalls).toHaveLength(1); // nothing started, nothing half-restored
    expect((await object.snapshots()).persisted?.image).toBe("base");

    await object.start({ image: "gpu", discardPersisted: true });
    expect(startCall(container, 1)?.directorySnapshots).toBeUndefined();
    expect(container.files.size).toBe(0);
    expect((await object.snapshots()).persisted).toBeUndefined();
    expect(logs.filter((l) => l.event === "restore")).toHaveLength(0);
  });

  it("snapshot() then start({ fromSnapshot }) brings the whole filesystem back; another image is refused", async () => {
    const { object, container, logs } = build({ ...DURABLE, persist: undefined });
    await object.start();
    container.files.set("/etc/app.conf", "tuned");
    const taken = await object.snapshot({ name: "tuned" });
    expect(taken).toMatchObject({ id: "ctr-1", size: 1000, image: "base", name: "tuned" });
    expect(logs.find((l) => l.event === "snapshot")).toMatchObject({ kind: "container", id: "ctr-1", sizeBytes: 1000 });
    await object.stop();
    await tick();

    const wrong = await refusal(object.start({ fromSnapshot: taken.id, image: "gpu" }));
    expect(wrong.code).toBe("snapshot-image-mismatch");
    const unknown = await refusal(object.start({ fromSnapshot: "not-mine" }));
    expect(unknown.code).toBe("snapshot-not-found");
    expect(unknown.message).toContain('its snapshots: "ctr-1"');
    expect(container.startCalls).toHaveLength(1);

    await object.start({ fromSnapshot: { id: taken.id } });
    expect(startCall(container, 1)).toMatchObject({ containerSnapshot: { id: "ctr-1" } });
    expect(startCall(container, 1)?.image).toBeUndefined();
    expect(container.files.get("/etc/app.conf")).toBe("tuned");
    expect(logs.find((l) => l.event === "restore")).toMatchObject({
      kind: "container",
      fromSnapshot: { id: "ctr-1", size: 1000 },
      sizeBytes: 1000,
    });
    expect((await object.snapshots()).snapshots.map((s) => s.id)).toEqual(["ctr-1"]);
  });

  it("snapshot() needs a running container and the durable_object policy", async () => {
    const { object } = build();
    expect((await refusal(object.snapshot())).message).toContain("the container is not running; start() it");
    expect((await refusal(build({}).object.snapshot())).code).toBe("snapshot-unsupported");
  });
});
