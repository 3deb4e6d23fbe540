/**
 * Runs on a fake `ctx.container`: hooks fire exactly once per real event, an object that wakes up to a running
 * container re-attaches without starting or reporting anything, exits are reported with their code and reason,
 * `stop()` escalates to SIGKILL after the grace period, the hard timeout belongs to one generation, and only
 * Moorage's surface is reachable over RPC.
 */
import { DurableObject } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { ContainerDefinition } from "../definition/types.js";
import { HEADERS } from "../protocol.js";
import { MoorageContainer } from "./container.js";
import { setContainerHooks } from "./hooks.js";
import type { LifecycleRecord } from "./lifecycle-log.js";
import { createFakeContext, FakeContainer, FakeStorage, testDefinition } from "./testing/fake-context.js";

class JobContainer extends MoorageContainer {}

const tick = (ms = 0) => new Promise((resolve) => setTimeout(resolve, ms));
const get = (path = "/") => new Request(`http://container${path}`, { headers: { [HEADERS.instanceName]: "job-1" } });

function build(
  overrides: Partial<ContainerDefinition> = {},
  shared: { container?: FakeContainer; storage?: FakeStorage; logs?: LifecycleRecord[] } = {},
) {
  const fake = createFakeContext({ container: shared.container, storage: shared.storage });
  const object = new JobContainer(fake.ctx, {}, testDefinition(overrides), "job");
  const logs = shared.logs ?? [];
  object.lifecycleSink = (record) => logs.push(record);
  return { object, logs, container: fake.container, storage: fake.storage };
}

/** Moves the clock forward for `Date.now()` only (timers keep running). */
function advance(ms: number) {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(Date.now() + ms);
}

afterEach(() => {
  setContainerHooks(JobContainer, undefined);
  vi.useRealTimers();
});

describe("hooks", () => {
  it("fire exactly once per real event, with the run's identity", async () => {
    const seen: string[] = [];
    setContainerHooks(JobContainer, {
      onStart: (run) => void seen.push(`start:${run.instance}:${run.generation}`),
      onStop: (run, details) => void seen.push(`stop:${run.generation}:${details.reason}:${details.exitCode}`),
    });
    const { object, container } = build();
    await Promise.all([object.fetch(get()), object.fetch(get()), object.start()]);
    await object.fetch(get());
    await object.stop();
    await tick();
    await object.stop(); // already stopped: nothing more
    await object.fetch(get());
    container.exit({ code: 3 });
    await tick();
    expect(seen).toEqual(["start:job-1:1", "stop:1:requested:0", "start:job-1:2", "stop:2:crash:3"]);
  });

  it("an object that wakes up to its running container re-attaches: no second start, no hook, requests work", async () => {
    const onStart = vi.fn();
    setContainerHooks(JobContainer, { onStart });
    const container = new FakeContainer();
    const storage = new FakeStorage();
    const logs: LifecycleRecord[] = [];
    const first = build({ readyOn: [{ path: "/ready", port: 8080, status: 200 }] }, { container, storage, logs });
    expect((await first.object.fetch(get())).status).toBe(200);

    // The object is reset; the container keeps running and a fresh object is built on the same storage.
    const second = build({ readyOn: [{ path: "/ready", port: 8080, status: 200 }] }, { container, storage, logs });
    const response = await second.object.fetch(get("/after"));
    expect(response.status).toBe(200);
    expect(response.headers.get(HEADERS.coldStartMs)).toBeNull(); // straight through, no start wait
    expect(container.startCalls).toHaveLength(1);
    expect(onStart).toHaveBeenCalledTimes(1);
    expect(logs.filter((l) => l.event === "start")).toHaveLength(1);
    expect((await second.object.getState()).status).toBe("healthy");

    // Its exit is still observed (monitor re-attached) and reported once.
    container.exit({ code: 0 });
    await tick();
    expect(logs.filter((l) => l.event === "stop").map((l) => l.generation)).toEqual([1]);
  });

  it("a stop that happened while no object was alive is reported by the next one, once", async () => {
    const onStop = vi.fn();
    setContainerHooks(JobContainer, { onStop });
    const container = new FakeContainer();
    const storage = new FakeStorage();
    const first = build({}, { container, storage });
    await first.object.fetch(get());
    // Simulate an object that is gone before the exit arrives: the next object finds the container stopped.
    const orphan = new FakeContainer();
    const later = build({}, { container: orphan, storage });
    await tick();
    expect(onStop).toHaveBeenCalledTimes(1);
    expect(onStop.mock.calls[0]?.[1]).toMatchObject({ reason: "exit" });
    expect((await later.object.getState()).status).toBe("stopped");
    build({}, { container: orphan, storage });
    await tick();
    expect(onStop).toHaveBeenCalledTimes(1);
  });

  it("a throwing hook is logged and never breaks the object", async () => {
    setContainerHooks(JobContainer, {
      onStart: () => {
        throw new Error("hook boom");
      },
    });
    const { object, logs } = build();
    expect((await object.fetch(get())).status).toBe(200);
    expect(logs.find((l) => l.event === "error")).toMatchObject({ phase: "hook:onStart", message: "hook boom" });
  });
});

describe("exits", () => {
  it("report exit codes and reasons from monitor(): crash, rollout, runtime signal", async () => {
    const { object, container, logs } = build();
    await object.fetch(get());
    container.exit({ code: 2 });
    await tick();
    await object.fetch(get());
    container.exit({ message: "Runtime signalled the container to exit due to a new version rollout: 0" });
    await tick();
    await object.fetch(get());
    container.exit({ message: "Runtime signalled the container to exit: 143" });
    await tick();
    const stops = logs.filter((l) => l.event === "stop").map((l) => [l.generation, l.reason, l.exitCode]);
    expect(stops).toEqual([
      [1, "crash", 2],
      [2, "rollout", 0],
      [3, "runtime-signal", 143],
    ]);
    expect(await object.getState()).toMatchObject({ status: "stopped_with_code", exitCode: 143 });
  });

  it("getState reports stopped_with_code after a non-zero exit", async () => {
    const { object, container } = build();
    await object.fetch(get());
    container.exit({ code: 7 });
    await tick();
    expect(await object.getState()).toMatchObject({ status: "stopped_with_code", exitCode: 7 });
  });
});

describe("stopping", () => {
  it("reports stopping between stop() and the exit, refuses requests with 503 stopping, then starts afresh", async () => {
    const { object, container } = build({}, { container: new FakeContainer({ exitOnSignal: false }) });
    await object.fetch(get());
    await object.stop();
    expect((await object.getState()).status).toBe("stopping");
    const refused = await object.fetch(get());
    expect(refused.status).toBe(503);
    expect(refused.headers.get(HEADERS.error)).toBe("stopping");
    expect(container.startCalls).toHaveLength(1);
    container.exit({ code: 0 });
    await tick();
    expect((await object.fetch(get())).status).toBe(200);
    expect(container.startCalls).toHaveLength(2);
  });

  it("escalates an ignored SIGTERM to SIGKILL after the grace period; the stop event says why", async () => {
    const { object, container, logs, storage } = build(
      { hardTimeoutSeconds: 60 },
      { container: new FakeContainer({ exitOnSignal: false }) },
    );
    object.stopGraceMs = 5_000;
    await object.fetch(get());
    advance(61_000);
    await object.alarm(); // hard timeout: SIGTERM, ignored
    expect(container.signals).toEqual([15]);
    expect(container.running).toBe(true);
    expect(storage.alarm).toBeGreaterThan(Date.now());
    advance(5_001);
    await object.alarm(); // grace over: SIGKILL
    await tick();
    expect(container.signals).toEqual([15, 9]);
    expect(container.running).toBe(false);
    expect(logs.find((l) => l.event === "stop")).toMatchObject({
      reason: "hard-timeout",
      killed: true,
      signal: "SIGKILL",
      exitCode: 137,
    });
  });

  it("rejects a bad signal with a directed TypeError and changes nothing", async () => {
    const { object, container } = build();
    await object.fetch(get());
    await expect(object.stop("SIGHUP" as never)).rejects.toThrow(/"SIGTERM", "SIGINT", "SIGKILL" or 1-64/);
    expect(container.signals).toEqual([]);
    expect((await object.getState()).status).toBe("healthy");
  });
});

describe("timers", () => {
  it("the hard timeout belongs to its generation: a new run gets its own, the old one never fires", async () => {
    const { object, container, logs } = build({ hardTimeoutSeconds: 60 });
    await object.fetch(get());
    container.exit({ code: 0 });
    await tick();
    advance(30_000);
    await object.fetch(get()); // generation 2 starts 30 s later
    advance(31_000); // generation 1's limit passed, generation 2's not
    await object.alarm();
    expect(container.signals).toEqual([]);
    advance(30_000);
    await object.alarm();
    expect(container.signals).toEqual([15]);
    await tick();
    expect(logs.filter((l) => l.event === "hard-timeout").map((l) => l.generation)).toEqual([2]);
    expect(logs.filter((l) => l.event === "stop").map((l) => [l.generation, l.reason])).toEqual([
      [1, "exit"],
      [2, "hard-timeout"],
    ]);
  });

  it("onHardTimeoutExpired and onActivityExpired replace the default stop", async () => {
    const hard = vi.fn();
    const idle = vi.fn();
    setContainerHooks(JobContainer, { onHardTimeoutExpired: hard, onActivityExpired: idle });
    const { object, container } = build({ hardTimeoutSeconds: 60, sleepAfterSeconds: 30 });
    await (await object.fetch(get())).text();
    advance(31_000);
    await object.alarm();
    expect(idle).toHaveBeenCalledTimes(1);
    advance(30_000);
    await object.alarm();
    expect(hard).toHaveBeenCalledTimes(1);
    expect(container.signals).toEqual([]);
  });

  it("keeps the container alive past an evicted object (setInactivityTimeout) and sets one alarm, no writes per request", async () => {
    const { object, container, storage } = build({ sleepAfterSeconds: 60 });
    await object.fetch(get());
    const writes = storage.alarmWrites;
    for (let i = 0; i < 20; i++) await object.fetch(get());
    expect(storage.alarmWrites).toBe(writes);
    expect(container.inactivityTimeouts.length).toBeGreaterThan(0);
    expect(Math.min(...container.inactivityTimeouts)).toBeGreaterThan(60_000);
    expect(storage.alarm).toBeGreaterThan(Date.now());
  });
});

describe("RPC surface", () => {
  it("exposes exactly fetch, alarm and Moorage's methods; nothing that could start without the definition", () => {
    const names = new Set<string>();
    for (let p = MoorageContainer.prototype; p && p !== DurableObject.prototype; p = Object.getPrototypeOf(p)) {
      for (const name of Object.getOwnPropertyNames(p)) if (name !== "constructor") names.add(name);
    }
    expect([...names].sort()).toEqual(
      [
        "alarm",
        "allowHost",
        "denyHost",
        "destroy",
        "exec",
        "execSignal",
        "fetch",
        "getState",
        "mooragePoolReport",
        "mooragePoolState",
        "removeAllowedHost",
        "removeDeniedHost",
        "renewActivityTimeout",
        "setAllowedHosts",
        "setDeniedHosts",
        "snapshot",
        "snapshots",
        "start",
        "stop",
        "terminalTicket",
      ].sort(),
    );
  });

  it("constructs with the exact signature codegen emits", async () => {
    const definitions = { imageResizer: testDefinition({ labels: { team: "media" } }) };
    class ImageResizerContainer extends MoorageContainer {
      constructor(ctx: DurableObjectState, env: unknown) {
        super(ctx, env, definitions.imageResizer, "imageResizer");
      }
    }
    const fake = createFakeContext();
    const object = new ImageResizerContainer(fake.ctx, {});
    object.lifecycleSink = () => {};
    expect(object.exportName).toBe("imageResizer");
    expect((await object.fetch(get())).status).toBe(200);
  });

  it("a class without a container fails with a directed error", () => {
    const fake = createFakeContext();
    (fake.ctx as { container?: unknown }).container = undefined;
    expect(() => new JobContainer(fake.ctx, {}, testDefinition(), "job")).toThrow(/moorage sync/);
  });
});
