import { describe, expect, it } from "vitest";
import { LIMITS } from "./model.js";
import { type EngineContainer, InspectorState } from "./state.js";
import type { TappedRecord } from "./tap.js";

const declared = [
  { name: "renderer", className: "RendererContainer" },
  { name: "thumbnailer", className: "ThumbnailerContainer" },
];

function rec(event: string, timestamp: number, extra: Record<string, unknown> = {}): TappedRecord {
  return { source: "moorage", event, container: "renderer", instance: "doc-1", timestamp, generation: 1, ...extra };
}

function engineContainer(extra: Partial<EngineContainer> = {}): EngineContainer {
  return {
    id: "c1",
    name: "workerd-x-media-app-RendererContainer-abc",
    container: "renderer",
    instance: "doc-1",
    status: "Up 1 second",
    running: true,
    startedAt: 1_400,
    finishedAt: undefined,
    exitCode: undefined,
    createdAt: 1_300,
    logs: [{ stream: "stdout", time: 1_500, text: "listening" }],
    ...extra,
  };
}

const instance = (state: InspectorState, container = "renderer") =>
  state.snapshot().containers.find((c) => c.name === container)?.instances[0];

describe("the inspector's model", () => {
  it("lists every declared container, with no instance before any is used", () => {
    const state = new InspectorState({ worker: "media-app", containers: declared, now: () => 0 });
    const snapshot = state.snapshot();
    expect(snapshot.worker).toBe("media-app");
    expect(snapshot.containers.map((c) => [c.name, c.instances.length])).toEqual([
      ["renderer", 0],
      ["thumbnailer", 0],
    ]);
  });

  it("shows an instance starting as soon as the engine runs it, then running, then healthy with its cold start", () => {
    let now = 1_000;
    const state = new InspectorState({ containers: declared, now: () => now });
    now = 1_500;
    state.setEngineContainers([engineContainer()]);
    expect(instance(state)?.state).toBe("starting");

    state.apply(rec("start", 2_000, { startedAt: 1_000, portsOpenMs: 1_000, ports: [8080, 9090] }));
    expect(instance(state)).toMatchObject({ state: "running", generation: 1 });
    state.apply(rec("ready", 2_500, { probeMs: 500, sinceStartMs: 1_500 }));
    state.setEngineContainers([engineContainer()]);
    expect(instance(state)).toMatchObject({
      state: "healthy",
      // Instance wait from the engine's process start (1400) minus the start (1000); ports the rest of 1000 ms.
      coldStart: {
        generation: 1,
        instanceWaitMs: 400,
        portsMs: 600,
        readyOnMs: 500,
        totalMs: 1_500,
        ports: [8080, 9090],
      },
      docker: { id: "c1", running: true },
      logs: [{ stream: "stdout", text: "listening" }],
    });
    expect(state.snapshot().events.map((e) => [e.event, e.detail])).toEqual([
      ["start", "ports 8080, 9090 open after 1000 ms"],
      ["ready", "readyOn passed in 500 ms, 1500 ms since start"],
    ]);
  });

  it("keeps the phases a record reports itself over the engine's estimate", () => {
    const state = new InspectorState({ containers: declared, now: () => 0 });
    state.apply(rec("start", 2_000, { startedAt: 1_000, portsOpenMs: 1_000, instanceWaitMs: 700, portsMs: 300 }));
    state.setEngineContainers([engineContainer()]);
    expect(instance(state)?.coldStart).toMatchObject({ instanceWaitMs: 700, portsMs: 300 });
  });

  it("shows a failed start with its message, stops with the exit code, and a new run's generation", () => {
    const state = new InspectorState({ containers: declared, now: () => 0 });
    state.apply(rec("error", 10, { phase: "start", message: "missing secret ARCHIVE_TOKEN" }));
    expect(instance(state)).toMatchObject({ state: "failed", error: "missing secret ARCHIVE_TOKEN" });
    state.apply(rec("start", 20, { generation: 2 }));
    state.apply(rec("ready", 30, { generation: 2 }));
    state.apply(rec("sleep", 40, { generation: 2, sleepAfterSeconds: 4 }));
    expect(instance(state)?.state).toBe("stopping");
    state.apply(rec("stop", 50, { generation: 2, exitCode: 0, reason: "sleep", runMs: 30 }));
    expect(instance(state)).toMatchObject({ state: "stopped", generation: 2, exitCode: 0 });
    expect(state.snapshot().events.at(-1)?.detail).toBe("exit 0, sleep, ran 30 ms");
  });

  it("shows a container that died without a stop record as stopped once the engine says so", () => {
    let now = 0;
    const state = new InspectorState({ containers: declared, now: () => now });
    state.apply(rec("start", 10));
    now = 10_000;
    state.setEngineContainers([
      engineContainer({ running: false, finishedAt: 5_000, exitCode: 137, status: "Exited (137)" }),
    ]);
    expect(instance(state)).toMatchObject({ state: "stopped", exitCode: 137 });
  });

  it("records requests, egress decisions and bridge calls, and skips malformed ones", () => {
    const state = new InspectorState({ containers: declared, now: () => 0 });
    state.apply(
      rec("request", 1, {
        method: "POST",
        path: "/transcode",
        attempts: 3,
        waitMs: 250,
        totalMs: 900,
        status: 200,
        coldStartMs: 600,
      }),
    );
    state.apply(rec("request", 2, { attempts: "many", status: "ok", error: "cold-start-exhausted" }));
    state.apply(
      rec("egress", 3, { host: "evil.cdn.media.test", decision: "denied", pattern: "*.cdn.media.test", method: "GET" }),
    );
    state.apply(rec("egress", 3, { host: "partner.media.test", decision: "handler", method: "GET" }));
    state.apply(rec("egress", 3, { host: "moorage.internal", decision: "bridge", method: "POST" }));
    state.apply(rec("egress", 4, { host: 42, decision: "denied" }));
    state.apply(
      rec("bridge", 5, { mode: "zero-config", method: "POST", path: "/_moorage/rpc", status: 200, durationMs: 3 }),
    );
    state.apply(
      rec("bridge", 6, {
        mode: "token",
        method: "POST",
        path: "/_moorage/rpc",
        functionPath: "jobs:whoami",
        identity: "token MOORAGE_CONTAINER_TOKEN",
        via: "app.internal",
        status: 200,
        durationMs: 4,
      }),
    );
    state.apply({ ...rec("bridge", 7, { mode: "token", identity: 7, status: 401 }), container: "", instance: "" });
    const s = state.snapshot();
    expect(s.requests).toEqual([
      {
        time: 1,
        container: "renderer",
        instance: "doc-1",
        method: "POST",
        path: "/transcode",
        attempts: 3,
        waitMs: 250,
        totalMs: 900,
        status: 200,
        coldStartMs: 600,
      },
      {
        time: 2,
        container: "renderer",
        instance: "doc-1",
        method: "?",
        path: "?",
        attempts: 1,
        waitMs: 0,
        totalMs: 0,
        error: "cold-start-exhausted",
      },
    ]);
    expect(s.egress).toEqual([
      {
        time: 3,
        container: "renderer",
        instance: "doc-1",
        host: "evil.cdn.media.test",
        allowed: false,
        rule: "denied",
        pattern: "*.cdn.media.test",
      },
      { time: 3, container: "renderer", instance: "doc-1", host: "partner.media.test", allowed: true, rule: "handler" },
    ]);
    expect(s.bridge[0]).toMatchObject({ container: "renderer", instance: "doc-1", mode: "zero-config", status: 200 });
    expect(s.bridge[1]).toMatchObject({
      mode: "token",
      functionPath: "jobs:whoami",
      identity: "token MOORAGE_CONTAINER_TOKEN",
      via: "app.internal",
    });
    // A token-mode call from outside any container; a non-string identity is not shown.
    expect(s.bridge[2]).toMatchObject({ container: "", instance: "", mode: "token", status: 401 });
    expect(s.bridge[2]).not.toHaveProperty("identity");
    // None of these is on the lifecycle timeline.
    expect(s.events).toEqual([]);
  });

  it("keeps every list bounded", () => {
    const state = new InspectorState({ containers: declared, now: () => 0 });
    for (let i = 0; i < LIMITS.events + 50; i++) state.apply(rec("sleep", i));
    for (let i = 0; i < LIMITS.requests + 50; i++) state.apply(rec("request", i, { attempts: 1 }));
    const s = state.snapshot();
    expect(s.events.length).toBe(LIMITS.events);
    expect(s.events[0]?.time).toBe(50);
    expect(s.requests.length).toBe(LIMITS.requests);
  });

  it("tells listeners about every change", () => {
    const state = new InspectorState({ containers: declared, now: () => 0 });
    let changes = 0;
    const off = state.onChange(() => changes++);
    state.apply(rec("start", 1));
    state.setEngine(false, "down");
    off();
    state.apply(rec("ready", 2));
    expect(changes).toBe(2);
  });
});

describe("cold starts the engine cannot split", () => {
  it("count ports from the start and say so", () => {
    const state = new InspectorState({ containers: declared, now: () => 0 });
    state.apply(rec("start", 2_000, { startedAt: 1_000, portsOpenMs: 1_000, ports: [8080] }));
    state.apply(rec("ready", 2_000, { probeMs: 0, sinceStartMs: 1_000, probes: [] }));
    expect(instance(state)?.coldStart).toMatchObject({ portsMs: 1_000, portsIncludeWait: true, readyOnMs: 0 });
    expect(state.snapshot().events.at(-1)?.detail).toBe("serving (no readyOn probes), 1000 ms since start");
  });
});

describe("engine containers", () => {
  it("of one instance: the newest wins; an instance the records named is known", () => {
    const state = new InspectorState({ containers: declared, now: () => 10_000 });
    expect(state.hasRecordsFor("renderer", "doc-1")).toBe(false);
    state.apply(rec("start", 5_000));
    expect(state.hasRecordsFor("renderer", "doc-1")).toBe(true);
    state.setEngineContainers([
      engineContainer({ id: "new", createdAt: 4_000, running: true }),
      engineContainer({ id: "old", createdAt: 1_000, running: false, finishedAt: 2_000, exitCode: 0 }),
    ]);
    expect(instance(state)?.docker?.id).toBe("new");
  });
});
