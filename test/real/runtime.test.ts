/**
 * Issue 9: Moorage's own Durable Object runtime on `ctx.container`, observed from outside with real workerd and
 * real containers (fixture: test/fixtures/do-runtime, copied to a temp folder and generated there).
 *
 * - The platform library's example-suite expectations: start, stop, start again, hooks once per run, port routing
 *   over two ports, WebSocket echo.
 * - A body-less `readyOn` answer (204 on the admin port) followed at once by a request to that port.
 * - An object reset while its container runs: no second start, no second onStart, requests keep working.
 * - An app that ignores SIGTERM under `hardTimeout`: killed after `stopTimeout`, and the stop says why.
 * - A container with no egress lists and no handlers: its outbound request reaches the network without passing
 *   through the Worker, while its bridge call does.
 */
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { networkInterfaces, tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  jsonLines,
  listContainers,
  probeEngine,
  REPO_ROOT,
  requireEngine,
  shouldSkip,
  startWranglerDev,
  until,
  type WranglerDev,
} from "./harness.js";

await probeEngine();
const skipped = await shouldSkip();

const WORKER = "moorage-do-runtime";
let dev: WranglerDev | undefined;
let dir: string | undefined;

function prepare(baseImage: string): string {
  const target = mkdtempSync(join(tmpdir(), "moorage-do-runtime-"));
  cpSync(join(REPO_ROOT, "test", "fixtures", "do-runtime"), target, { recursive: true });
  mkdirSync(join(target, "node_modules"), { recursive: true });
  symlinkSync(REPO_ROOT, join(target, "node_modules", "moorage"));
  const container = (className: string) => ({
    class_name: className,
    image: "./container/Dockerfile",
    image_vars: { BASE: baseImage },
    max_instances: 10,
  });
  writeFileSync(
    join(target, "wrangler.jsonc"),
    JSON.stringify(
      {
        name: WORKER,
        main: "src/index.ts",
        compatibility_date: "2026-11-01",
        compatibility_flags: ["nodejs_compat", "enable_request_signal"],
        containers: [container("ProbeContainer"), container("StubbornContainer")],
        durable_objects: {
          bindings: [
            { name: "CONTAINER_PROBE", class_name: "ProbeContainer" },
            { name: "CONTAINER_STUBBORN", class_name: "StubbornContainer" },
          ],
        },
        migrations: [{ tag: "v1", new_sqlite_classes: ["ProbeContainer", "StubbornContainer"] }],
      },
      null,
      2,
    ),
  );
  execFileSync(process.execPath, [join(REPO_ROOT, "dist", "cli", "main.js"), "generate"], {
    cwd: target,
    env: { ...process.env, MOORAGE_FIXTURE_BASE: baseImage, NO_COLOR: "1" },
  });
  return target;
}

const url = (path: string) => `${dev?.url}${path}`;
async function json<T = Record<string, unknown>>(path: string, init?: RequestInit) {
  const response = await fetch(url(path), { ...init, signal: AbortSignal.timeout(60_000) });
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = { text };
  }
  return { status: response.status, headers: response.headers, body: body as T };
}
const op = (name: string, id: string, what: string) =>
  json<{ state: { status: string }; error?: string }>(`/op/${name}/${id}/${what}`, { method: "POST" });
const info = (id: string) => json<{ bootId: string; instance: string }>(`/c/probe/${id}/info`);

/** JSON lines in wrangler's output (lifecycle records and the fixture's hook lines). */
function lines(): Array<Record<string, unknown>> {
  return jsonLines(dev?.logs() ?? "");
}
const hooks = (instance: string, hook: string) =>
  lines().filter((l) => l.fixture === "hook" && l.instance === instance && l.hook === hook);
const events = (instance: string, event: string) =>
  lines().filter((l) => l.source === "moorage" && l.instance === instance && l.event === event);

/** This machine's first IPv4 address that is neither loopback nor a Docker bridge. */
function hostAddress(): string | undefined {
  for (const [name, addresses] of Object.entries(networkInterfaces())) {
    if (name === "lo" || name.startsWith("docker") || name.startsWith("br-") || name.startsWith("veth")) continue;
    const v4 = addresses?.find((a) => a.family === "IPv4" && !a.internal);
    if (v4) return v4.address;
  }
  return undefined;
}

/** Running app containers of this Worker for one instance id (sidecars not counted). */
async function appContainers(className: string): Promise<number> {
  return (await listContainers()).filter(
    (c) => c.state === "running" && c.name.includes(`-${WORKER}-${className}-`) && !c.name.endsWith("-proxy"),
  ).length;
}

describe.skipIf(skipped)("Moorage's Durable Object runtime on ctx.container", () => {
  beforeAll(async () => {
    const engine = await requireEngine();
    dir = prepare(engine.baseImage);
    dev = await startWranglerDev({ cwd: dir, workerName: WORKER });
  });

  afterAll(async () => {
    try {
      await dev?.stop();
    } finally {
      if (dir) rmSync(dir, { recursive: true, force: true });
    }
  });

  test("start, stop, start again: one onStart and one onStop per run, port routing, WebSocket echo", async () => {
    const id = "suite-1";
    expect((await op("probe", id, "state")).body.state.status).toBe("stopped");
    expect((await op("probe", id, "start")).body.state.status).toBe("healthy");
    const run1 = (await info(id)).body;
    expect(run1.instance).toBe(id);
    const admin = await json<{ admin: boolean; bootId: string }>(`/c/probe/${id}/admin?port=9090`);
    expect(admin.body).toMatchObject({ admin: true, bootId: run1.bootId });

    const socket = new WebSocket(url(`/c/probe/${id}/ws`).replace(/^http/, "ws"));
    const echoed = await new Promise<string>((resolve, reject) => {
      socket.addEventListener("open", () => socket.send("hello over moorage"));
      socket.addEventListener("message", (event) => resolve(String(event.data)));
      socket.addEventListener("error", () => reject(new Error("websocket error")));
      setTimeout(() => reject(new Error("no echo within 20 s")), 20_000);
    });
    expect(echoed).toBe("hello over moorage");
    socket.close();

    // Binary frames too (workerd hands an accepted socket's binary messages over as Blob by default).
    const binary = new WebSocket(url(`/c/probe/${id}/ws`).replace(/^http/, "ws"));
    binary.binaryType = "arraybuffer";
    const bytes = await new Promise<number[]>((resolve, reject) => {
      binary.addEventListener("open", () => binary.send(new Uint8Array([0, 1, 2, 250, 255])));
      binary.addEventListener("message", (event) => resolve([...new Uint8Array(event.data as ArrayBuffer)]));
      binary.addEventListener("close", (event) => reject(new Error(`closed ${event.code} ${event.reason}`)));
      binary.addEventListener("error", () => reject(new Error("websocket error")));
      setTimeout(() => reject(new Error("no binary echo within 20 s")), 20_000);
    });
    expect(bytes).toEqual([0, 1, 2, 250, 255]);
    binary.close();

    await op("probe", id, "stop");
    await until("the stop", async () => (await op("probe", id, "state")).body.state.status === "stopped", 20_000);
    expect((await op("probe", id, "start")).body.state.status).toBe("healthy");
    const run2 = (await info(id)).body;
    expect(run2.bootId).not.toBe(run1.bootId);

    await until("both runs' hooks", async () => hooks(id, "onStop").length === 1 && hooks(id, "onStart").length === 2);
    expect(hooks(id, "onStart").map((h) => h.generation)).toEqual([1, 2]);
    expect(hooks(id, "onStop")).toMatchObject([{ generation: 1, reason: "requested" }]);
  });

  test("a 204 readyOn probe on the admin port, then at once a request to that port, succeeds", async () => {
    for (const id of ["probe-204-a", "probe-204-b", "probe-204-c"]) {
      const admin = await json<{ admin: boolean }>(`/c/probe/${id}/admin?port=9090`);
      expect(admin.status, JSON.stringify(admin.body)).toBe(200);
      expect(admin.body.admin).toBe(true);
      expect(admin.headers.get("moorage-cold-start-ms")).toMatch(/^\d+$/);
    }
  });

  test("an object reset while its container runs: no second start, no second onStart, requests keep working", async () => {
    const id = "reset-1";
    const before = (await info(id)).body.bootId;
    const containersBefore = await appContainers("ProbeContainer");
    const reset = await op("probe", id, "reset");
    expect(reset.body.error, "the reset must abort the object").toMatch(/reset by the test/);

    const after = await info(id);
    expect(after.status).toBe(200);
    expect(after.body.bootId).toBe(before);
    expect(after.headers.get("moorage-cold-start-ms")).toBeNull();
    expect(await appContainers("ProbeContainer")).toBe(containersBefore);
    expect(hooks(id, "onStart")).toHaveLength(1);
    expect(events(id, "start")).toHaveLength(1);
    expect(hooks(id, "onStop")).toHaveLength(0);
    expect((await op("probe", id, "state")).body.state.status).toBe("healthy");
  });

  test("an app that ignores SIGTERM under hardTimeout is killed after stopTimeout; the stop says why", async () => {
    const id = "stubborn-1";
    const started = Date.now();
    expect((await op("stubborn", id, "start")).body.state.status).toBe("healthy");
    await until(
      "the hard timeout, the ignored SIGTERM and the SIGKILL",
      async () => (await op("stubborn", id, "state")).body.state.status.startsWith("stopped"),
      30_000,
    );
    // hardTimeout 4 s, then 2 s of grace before SIGKILL: never before 6 s after the start.
    expect(Date.now() - started).toBeGreaterThanOrEqual(6_000);
    await until("the stop event", async () => events(id, "stop").length === 1);
    expect(events(id, "stop")[0]).toMatchObject({ reason: "hard-timeout", killed: true, signal: "SIGKILL" });
    expect(hooks(id, "onStop")[0]).toMatchObject({ reason: "hard-timeout", killed: true });
  });

  describe("egress", () => {
    let server: Server | undefined;
    const seen: string[] = [];
    afterAll(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

    test("without lists or handlers, outbound traffic bypasses the Worker; only moorage.internal is intercepted", async () => {
      // A server on this machine's own (non-loopback, non-Docker) address: a pass-through connection reaches it
      // without leaving the machine. (Moorage's sidecar refuses pass-through into the Docker network itself.)
      const gateway = hostAddress();
      if (!gateway) {
        console.warn(
          "[runtime.test] skipping the pass-through check: this machine has no non-loopback, non-Docker IPv4",
        );
        return;
      }
      server = createServer((req, res) => {
        seen.push(req.url ?? "");
        res.end("direct");
      });
      await new Promise<void>((resolve) => server?.listen(0, gateway, resolve));
      const port = (server.address() as AddressInfo).port;
      const id = "egress-1";
      const direct = await json<{ reached: boolean; body?: string; error?: string }>(
        `/c/probe/${id}/fetch?url=${encodeURIComponent(`http://${gateway}:${port}/direct`)}`,
      );
      expect(direct.body, JSON.stringify(direct.body)).toMatchObject({ reached: true, body: "direct" });
      expect(seen).toEqual(["/direct"]);

      const bridged = await json<{ reached: boolean; body?: string }>(
        `/c/probe/${id}/fetch?url=${encodeURIComponent("http://moorage.internal/hello")}`,
      );
      expect(bridged.body.reached).toBe(true);
      expect(JSON.parse(bridged.body.body ?? "{}")).toMatchObject({ bridged: true, path: "/hello" });

      await until("the bridge call's egress record", async () => events(id, "egress").length > 0);
      const egress = events(id, "egress");
      expect(egress.map((e) => e.host)).toEqual(["moorage.internal"]);
      expect(egress[0]).toMatchObject({ decision: "bridge" });
    });
  });
});
