/**
 * Snapshots and run-time images with real containers (workerd's `snapshotDirectory`, `snapshotContainer` and their
 * restores over Docker volumes and commits): a file in the persisted `/data` survives a stop and a restart of the
 * whole dev session (a new object on the same storage), while a file elsewhere does not; a restore into another
 * image is refused before anything starts; a whole-container snapshot brings every file back; the image and size
 * chosen at start are kept after the object restarts. The fixture is `test/fixtures/snapshots/` (its wrangler
 * config has the `experimental` flag that `snapshotDirectory` needs locally).
 */
import { execFile } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { REPO_ROOT, requireEngine, shouldSkip, startWranglerDev, type WranglerDev } from "./harness.js";

const run = promisify(execFile);
const FIXTURE = resolve(fileURLToPath(new URL("../fixtures/snapshots", import.meta.url)));
const CLI = join(REPO_ROOT, "dist", "cli", "main.js");
const DECLARATIONS = `import { defineContainer } from "moorage";

export const notes = defineContainer({
  schedulingPolicy: "durable_object",
  images: { base: "./containers/notes", alt: "./containers/notes-alt" },
  persist: ["/data"],
  instanceType: "lite",
  sleepAfter: "5m",
});
`;

const skipped = await shouldSkip();

describe.skipIf(skipped)("snapshots and run-time images (real containers)", () => {
  let dir: string | undefined;
  let state: string | undefined;
  let dev: WranglerDev | undefined;
  const snapshotIds: { volumes: string[]; images: string[] } = { volumes: [], images: [] };

  const startDev = async () => {
    dev = await startWranglerDev({ cwd: dir as string, persistTo: state as string });
  };
  const call = async (path: string) => {
    if (!dev) throw new Error("wrangler dev is not running (see beforeAll)");
    const res = await fetch(new URL(path, dev.url));
    const text = await res.text();
    return { status: res.status, text, json: () => JSON.parse(text) as Record<string, unknown> };
  };

  beforeAll(async () => {
    await requireEngine();
    dir = mkdtempSync(join(tmpdir(), "moorage-snapshots-"));
    state = mkdtempSync(join(tmpdir(), "moorage-snapshots-state-"));
    cpSync(FIXTURE, dir, { recursive: true, filter: (s) => !/(_generated|node_modules|\.wrangler)$/.test(s) });
    mkdirSync(join(dir, "node_modules", ".bin"), { recursive: true });
    symlinkSync(REPO_ROOT, join(dir, "node_modules", "moorage"), "dir");
    for (const dep of ["wrangler", "@cloudflare"]) {
      symlinkSync(join(REPO_ROOT, "node_modules", dep), join(dir, "node_modules", dep), "dir");
    }
    symlinkSync(join(REPO_ROOT, "node_modules", ".bin", "wrangler"), join(dir, "node_modules", ".bin", "wrangler"));
    mkdirSync(join(dir, "moorage"), { recursive: true });
    writeFileSync(join(dir, "moorage", "containers.ts"), DECLARATIONS);
    const env = { ...process.env, NO_COLOR: "1" };
    await run(process.execPath, [CLI, "generate"], { cwd: dir, env });
    await run(process.execPath, [CLI, "sync"], { cwd: dir, env });
    await startDev();
  }, 300_000);

  afterAll(async () => {
    try {
      await dev?.stop();
    } finally {
      // The snapshots this file took (named by their ids), and nothing else on the shared engine.
      const docker = (args: string[]) => run("docker", args, { env: process.env }).catch(() => undefined);
      if (snapshotIds.volumes.length > 0) await docker(["volume", "rm", ...snapshotIds.volumes]);
      if (snapshotIds.images.length > 0) await docker(["rmi", ...snapshotIds.images]);
      if (dir) rmSync(dir, { recursive: true, force: true });
      if (state) rmSync(state, { recursive: true, force: true });
    }
  }, 60_000);

  test("a file in /data survives a stop and a restart of the object; one elsewhere does not", async () => {
    expect((await call("/c/n-1/write?path=/data/notes.txt&text=remember%20me")).text).toBe("written");
    expect((await call("/c/n-1/write?path=/tmp/scratch&text=lost")).text).toBe("written");
    expect((await call("/stop/n-1")).json()).toMatchObject({ status: "stopped" });

    const listed = (await call("/state/n-1")).json().snapshots as {
      persisted?: { image: string; reason: string; dirs: { dir: string; id: string; size: number }[] };
    };
    expect(listed.persisted).toMatchObject({ image: "base", reason: "requested" });
    const dirs = listed.persisted?.dirs ?? [];
    expect(dirs.map((d) => d.dir)).toEqual(["/data"]);
    expect(dirs[0]?.size).toBeGreaterThan(0);
    snapshotIds.volumes.push(...dirs.map((d) => `workerd-snap-${d.id}`));
    const logs = dev?.logs() ?? "";
    expect(logs).toMatch(/"kind":"directories"[^\n]*"event":"snapshot"/);

    expect((await call("/c/n-1/read?path=/data/notes.txt")).text).toBe("remember me");
    expect((await call("/c/n-1/read?path=/tmp/scratch")).status).toBe(404);
    expect(dev?.logs() ?? "").toMatch(/"kind":"directories"[^\n]*"event":"restore"/);

    // The object restarts (a new dev session on the same storage): the next start still restores /data.
    await call("/c/n-1/write?path=/data/notes.txt&text=second%20run");
    await call("/stop/n-1");
    const again = ((await call("/state/n-1")).json().snapshots as { persisted: { dirs: { id: string }[] } }).persisted;
    snapshotIds.volumes.push(...again.dirs.map((d) => `workerd-snap-${d.id}`));
    await dev?.stop();
    await startDev();
    expect((await call("/c/n-1/read?path=/data/notes.txt")).text).toBe("second run");
  }, 240_000);

  test("restoring /data into another image is refused before anything starts; discardPersisted starts it bare", async () => {
    await call("/c/n-2/write?path=/data/keep.txt&text=base%20data");
    await call("/stop/n-2");
    const kept = ((await call("/state/n-2")).json().snapshots as { persisted: { dirs: { id: string }[] } }).persisted;
    snapshotIds.volumes.push(...kept.dirs.map((d) => `workerd-snap-${d.id}`));
    const refused = await call("/start/n-2?image=alt");
    expect(refused.status).toBe(500);
    expect(refused.json()).toMatchObject({ error: "snapshot-image-mismatch" });
    expect(String(refused.json().message)).toContain('persisted under image "base"; restoring them into image "alt"');
    expect(((await call("/state/n-2")).json().state as { status: string }).status).toBe("stopped");

    expect((await call("/start/n-2?image=alt&discard=1")).json()).toMatchObject({ status: "healthy", image: "alt" });
    expect((await call("/c/n-2/image")).text).toBe("alt");
    expect((await call("/c/n-2/read?path=/data/keep.txt")).status).toBe(404);
  }, 120_000);

  test("snapshot() then start({ fromSnapshot }) brings the whole filesystem back, in its own image only", async () => {
    await call("/start/n-3");
    await call("/c/n-3/write?path=/etc/tuned.conf&text=tuned");
    const taken = (await call("/snapshot/n-3?name=tuned")).json() as { id: string; size: number; image: string };
    expect(taken).toMatchObject({ image: "base", name: "tuned" });
    expect(taken.size).toBeGreaterThan(0);
    snapshotIds.images.push(`workerd-container-snap-${taken.id}`);
    await call("/stop/n-3");

    const wrong = await call(`/start/n-3?from=${taken.id}&image=alt`);
    expect(wrong.json()).toMatchObject({ error: "snapshot-image-mismatch" });
    expect((await call("/start/n-3?from=not-a-snapshot-of-this-instance")).json()).toMatchObject({
      error: "snapshot-not-found",
    });

    expect((await call(`/start/n-3?from=${taken.id}`)).json()).toMatchObject({ status: "healthy", image: "base" });
    expect((await call("/c/n-3/read?path=/etc/tuned.conf")).text).toBe("tuned");
    expect(dev?.logs() ?? "").toMatch(/"kind":"container"[^\n]*"event":"restore"/);
  }, 120_000);

  test("image and size chosen at start are kept after the object restarts", async () => {
    const started = (await call('/start/n-4?image=alt&size={"vcpu":1,"memoryMib":4096,"diskMb":4000}')).json();
    expect(started).toMatchObject({ status: "healthy", image: "alt", instanceType: { vcpu: 1, memoryMib: 4096 } });
    expect((await call("/c/n-4/image")).text).toBe("alt");
    await call("/stop/n-4");
    await dev?.stop();
    await startDev();
    expect((await call("/c/n-4/image")).text).toBe("alt"); // a bare start after the restart: the same image
    expect(((await call("/state/n-4")).json().state as Record<string, unknown>).instanceType).toEqual({
      vcpu: 1,
      memoryMib: 4096,
      diskMb: 4000,
    });
    const unknown = await call("/start/n-5?image=gpu");
    expect(unknown.json()).toMatchObject({ error: "invalid-option" });
    expect(String(unknown.json().message)).toContain('"image" must be one of the declared images "base", "alt"');
  }, 240_000);
});
