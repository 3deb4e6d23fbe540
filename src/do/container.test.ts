/**
 * `MoorageContainer` against the real `@cloudflare/containers` base class and a fake Durable Object context:
 * every rule of issue 3 §1 as the client or an operator would observe it (responses, headers, what the container
 * was started with, what was logged, what was scheduled).
 */
import { ContainerProxy } from "@cloudflare/containers";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { ContainerDefinition } from "../definition/types.js";
import { HEADERS } from "../protocol.js";
import { setBridgeHandler } from "./bridge.js";
import { MoorageContainer } from "./container.js";
import { HARD_TIMEOUT_CALLBACK } from "./hard-timeout.js";
import { LIFECYCLE_EVENTS, type LifecycleRecord } from "./lifecycle-log.js";
import {
  type AppHandler,
  createFakeContext,
  FakeContainer as Fake,
  type FakeContainer,
  FakeStorage,
  testDefinition,
} from "./testing/fake-context.js";

class ApiContainer extends MoorageContainer {}

const tick = (ms = 0) => new Promise((resolve) => setTimeout(resolve, ms));

interface Built {
  object: ApiContainer;
  container: FakeContainer;
  storage: FakeStorage;
  logs: LifecycleRecord[];
  fake: ReturnType<typeof createFakeContext>;
}

async function build(
  overrides: Partial<ContainerDefinition> = {},
  options: { env?: Record<string, unknown>; app?: AppHandler; container?: FakeContainer; storage?: FakeStorage } = {},
): Promise<Built> {
  const container = options.container ?? new Fake({ app: options.app });
  const fake = createFakeContext({ container, storage: options.storage ?? new FakeStorage() });
  const object = new ApiContainer(fake.ctx, options.env ?? {}, testDefinition(overrides), "api");
  const logs: LifecycleRecord[] = [];
  object.lifecycleSink = (record) => logs.push(record);
  object.readyPollIntervalMs = 10;
  object.portPollIntervalMs = 10;
  // Let the base constructor's blockConcurrencyWhile (alarm scheduling) settle.
  await tick();
  return { object, container, storage: fake.storage, logs, fake };
}

function get(path = "/work", init: RequestInit = {}, instance = "tenant-1"): Request {
  const headers = new Headers(init.headers);
  headers.set(HEADERS.instanceName, instance);
  return new Request(`https://container${path}`, { ...init, headers });
}

afterEach(() => {
  setBridgeHandler(undefined);
  vi.useRealTimers();
});

describe("definition fields", () => {
  it("starts with the definition's entrypoint, internet setting, labels and env, and waits for every required port", async () => {
    const { object, container } = await build({
      entrypoint: ["node", "server.js"],
      enableInternet: false,
      labels: { team: "media" },
      env: { MODE: "prod" },
      requiredPorts: [8080, 9090],
    });
    const probed: number[] = [];
    const original = container.getTcpPort.bind(container);
    container.getTcpPort = (port) => {
      probed.push(port);
      return original(port);
    };
    const response = await object.fetch(get());
    expect(response.status).toBe(200);
    expect(container.startCalls).toHaveLength(1);
    expect(container.startCalls[0]).toMatchObject({
      entrypoint: ["node", "server.js"],
      enableInternet: false,
      labels: { team: "media" },
      env: {
        MODE: "prod",
        MOORAGE_URL: "http://moorage.internal",
        MOORAGE_CONTAINER: "api",
        MOORAGE_INSTANCE: "tenant-1",
      },
    });
    expect(probed).toContain(9090);
    expect(probed).toContain(8080);
  });

  it("routes to the port named by cf-container-target-port and strips Moorage's routing headers", async () => {
    let seen: Headers | undefined;
    const { object, container } = await build(
      { requiredPorts: [8080, 9090] },
      {
        app: (request) => {
          seen = request.headers;
          return new Response("admin");
        },
      },
    );
    const response = await object.fetch(get("/admin", { headers: { [HEADERS.targetPort]: "9090", "x-app": "1" } }));
    expect(await response.text()).toBe("admin");
    expect(container.appRequests.at(-1)).toMatchObject({ port: 9090, url: "http://container/admin" });
    expect(seen?.get("x-app")).toBe("1");
    expect(seen?.has(HEADERS.instanceName)).toBe(false);
    expect(seen?.has(HEADERS.targetPort)).toBe(false);
  });

  it("rejects a malformed target port with a 400 config error", async () => {
    const { object } = await build();
    const response = await object.fetch(get("/", { headers: { [HEADERS.targetPort]: "http" } }));
    expect(response.status).toBe(400);
    expect(response.headers.get(HEADERS.error)).toBe("config");
  });
});

describe("environment", () => {
  it("fails closed on a missing secret with a directed 500 config error, without starting", async () => {
    const { object, container } = await build({ secrets: ["API_KEY"] });
    const response = await object.fetch(get());
    expect(response.status).toBe(500);
    expect(response.headers.get(HEADERS.error)).toBe("config");
    const body = (await response.json()) as { message: string };
    expect(body.message).toContain("API_KEY");
    expect(body.message).toContain(".dev.vars");
    expect(body.message).toContain("wrangler secret put API_KEY");
    expect(container.startCalls).toHaveLength(0);
    await expect(object.start()).rejects.toThrow(/wrangler secret put API_KEY/);
  });

  it("forwards secrets from the Worker env under the same name", async () => {
    const { object, container } = await build({ secrets: ["API_KEY"], env: { A: "1" } }, { env: { API_KEY: "k" } });
    expect((await object.fetch(get())).status).toBe(200);
    expect(container.startCalls[0]?.env).toMatchObject({ A: "1", API_KEY: "k" });
  });

  it("resolves Secrets Store at first start, clears the memo on failure and retries, then reuses it", async () => {
    const getSecret = vi.fn().mockRejectedValueOnce(new Error("store unavailable")).mockResolvedValue("s3cr3t");
    const { object, container } = await build(
      { secretsStore: { STRIPE_KEY: "STRIPE_SECRET" } },
      { env: { STRIPE_SECRET: { get: getSecret } } },
    );
    const failed = await object.fetch(get());
    expect(failed.status).toBe(500);
    expect(failed.headers.get(HEADERS.error)).toBe("config");
    expect(((await failed.json()) as { message: string }).message).toMatch(/STRIPE_SECRET.*store unavailable/);

    const ok = await object.fetch(get());
    expect(ok.status).toBe(200);
    expect(container.startCalls[0]?.env?.STRIPE_KEY).toBe("s3cr3t");
    expect(getSecret).toHaveBeenCalledTimes(2);

    container.exit({ code: 0 });
    await tick();
    expect((await object.fetch(get())).status).toBe(200);
    expect(container.startCalls).toHaveLength(2);
    expect(getSecret).toHaveBeenCalledTimes(2); // memoized after success
  });

  it("names the missing Secrets Store binding and where to declare it", async () => {
    const { object } = await build({ secretsStore: { STRIPE_KEY: "STRIPE_SECRET" } });
    const response = await object.fetch(get());
    const message = ((await response.json()) as { message: string }).message;
    expect(message).toContain("STRIPE_SECRET");
    expect(message).toContain("secrets_store_secrets");
  });

  it("start({ envVars }) replaces env, secrets and Secrets Store wholesale", async () => {
    const getSecret = vi.fn().mockResolvedValue("never");
    const { object, container } = await build(
      { env: { A: "1" }, secrets: ["API_KEY"], secretsStore: { STRIPE_KEY: "STRIPE_SECRET" } },
      { env: { STRIPE_SECRET: { get: getSecret } } },
    );
    await object.start({ envVars: { ONLY: "this" }, instance: "tenant-7" });
    expect(container.startCalls[0]?.env).toEqual({
      ONLY: "this",
      MOORAGE_URL: "http://moorage.internal",
      MOORAGE_CONTAINER: "api",
      MOORAGE_INSTANCE: "tenant-7",
    });
    expect(getSecret).not.toHaveBeenCalled();
  });
});

describe("readiness gating", () => {
  it("holds requests until every probe passes, probing each on its own port", async () => {
    let ready = false;
    const order: string[] = [];
    const app: AppHandler = (request, port) => {
      const path = new URL(request.url).pathname;
      if (path === "/ready") return new Response(null, { status: ready ? 200 : 503 });
      if (path === "/live") return new Response(null, { status: port === 9090 ? 204 : 500 });
      order.push(path);
      return new Response("done");
    };
    const { object, container, logs } = await build(
      {
        requiredPorts: [8080, 9090],
        readyOn: [
          { path: "/ready", port: 8080, status: 200 },
          { path: "/live", port: 9090, status: 204 },
        ],
      },
      { app },
    );
    const pending = object.fetch(get("/work"));
    await tick(60);
    expect(order).toEqual([]);
    ready = true;
    const response = await pending;
    expect(await response.text()).toBe("done");
    expect(order).toEqual(["/work"]);
    expect(response.headers.get(HEADERS.coldStartMs)).toMatch(/^\d+$/);
    expect(container.appRequests.filter((r) => r.url.endsWith("/live")).every((r) => r.port === 9090)).toBe(true);
    expect(logs.find((l) => l.event === "ready")).toBeDefined();
  });

  it("fails after the budget with a 503 not-ready naming the failing probe and what it last saw", async () => {
    const { object, container } = await build(
      { readyTimeoutSeconds: 0.2, readyOn: [{ path: "/ready", port: 8080, status: 200 }] },
      { app: (request) => new Response(null, { status: new URL(request.url).pathname === "/ready" ? 503 : 200 }) },
    );
    const started = Date.now();
    const response = await object.fetch(get("/work"));
    expect(Date.now() - started).toBeLessThan(1500);
    expect(response.status).toBe(503);
    expect(response.headers.get(HEADERS.error)).toBe("not-ready");
    const message = ((await response.json()) as { message: string }).message;
    expect(message).toContain("GET /ready on port 8080");
    expect(message).toContain("last answered 503");
    expect(container.appRequests.some((r) => r.url.endsWith("/work"))).toBe(false);
  });

  it("never re-probes a run that is already ready, even from a fresh object; re-probes a new run", async () => {
    const app: AppHandler = () => new Response("ok");
    const container = new Fake({ app });
    const storage = new FakeStorage();
    const definition = { readyOn: [{ path: "/ready", port: 8080, status: 200 }] };
    const probes = () => container.appRequests.filter((r) => r.url.endsWith("/ready")).length;

    const first = await build(definition, { container, storage });
    await first.object.fetch(get());
    expect(probes()).toBe(1);
    await first.object.fetch(get());
    await first.object.fetch(get());
    expect(probes()).toBe(1);

    // The object is evicted while its container keeps running.
    const second = await build(definition, { container, storage });
    expect((await second.object.fetch(get())).status).toBe(200);
    expect(probes()).toBe(1);

    container.exit({ code: 0 });
    await tick();
    await second.object.fetch(get());
    expect(probes()).toBe(2);
  });
});

describe("one start under concurrency", () => {
  it("20 concurrent first requests cause exactly one start and one readiness run", async () => {
    const { object, container } = await build(
      { readyOn: [{ path: "/ready", port: 8080, status: 200 }] },
      { container: new Fake({ listenAfterMs: 30 }) },
    );
    const responses = await Promise.all(Array.from({ length: 20 }, () => object.fetch(get())));
    expect(responses.map((r) => r.status)).toEqual(Array(20).fill(200));
    expect(container.startCalls).toHaveLength(1);
    expect(container.appRequests.filter((r) => r.url.endsWith("/ready"))).toHaveLength(1);
  });

  it("a request aborted during the start leaves without cancelling the start for the others", async () => {
    const { object, container } = await build({}, { container: new Fake({ listenAfterMs: 50 }) });
    const controller = new AbortController();
    const aborted = object.fetch(get("/a", { signal: controller.signal }));
    const other = object.fetch(get("/b"));
    controller.abort();
    expect((await aborted).status).toBe(503);
    const response = await other;
    expect(response.status).toBe(200);
    expect(await response.text()).toBe("ok");
    expect(container.startCalls).toHaveLength(1);
    expect(object.activeRequests).toBe(0);
  });
});

describe("activity (containers#241)", () => {
  const endless: AppHandler = () =>
    new Response(new ReadableStream({ start: (c) => c.enqueue(new TextEncoder().encode("data: 1\n\n")) }), {
      headers: { "content-type": "text/event-stream" },
    });

  it("an aborted client request releases its activity even when the app never finishes the body", async () => {
    const { object } = await build({}, { app: endless });
    const controller = new AbortController();
    const response = await object.fetch(get("/events", { signal: controller.signal }));
    expect(response.status).toBe(200);
    expect(object.activeRequests).toBe(1);
    controller.abort();
    await tick();
    expect(object.activeRequests).toBe(0);
  });

  it("a cancelled response body releases its activity", async () => {
    const { object } = await build({}, { app: endless });
    const response = await object.fetch(get("/events"));
    const reader = response.body!.getReader();
    await reader.read();
    expect(object.activeRequests).toBe(1);
    await reader.cancel();
    await tick();
    expect(object.activeRequests).toBe(0);
  });

  it("a finished body releases its activity, and sleepAfter stops an idle container but not a busy one", async () => {
    const { object, container, logs } = await build({}, { app: endless });
    const controller = new AbortController();
    await object.fetch(get("/events", { signal: controller.signal }));
    await object.onActivityExpired();
    expect(container.signals).toEqual([]);
    controller.abort();
    await tick();
    await object.onActivityExpired();
    expect(container.signals).toEqual([15]);
    expect(logs.map((l) => l.event)).toContain("sleep");
  });

  it("streams request bodies to the container without buffering them", async () => {
    let received = "";
    const { object } = await build(
      {},
      {
        app: async (request) => {
          received = await request.text();
          return new Response("got it");
        },
      },
    );
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(new TextEncoder().encode("chunk-1 "));
        c.enqueue(new TextEncoder().encode("chunk-2"));
        c.close();
      },
    });
    const request = get("/upload", { method: "POST", body, duplex: "half" } as RequestInit);
    const response = await object.fetch(request);
    expect(await response.text()).toBe("got it");
    expect(received).toBe("chunk-1 chunk-2");
  });
});

describe("transient local-engine errors (containers#155)", () => {
  for (const message of [
    "monitor failed to find container",
    "container port not found",
    "connect ECONNREFUSED: connection refused",
    "there is no container instance that can be provided to this durable object",
  ]) {
    it(`"${message}" on start becomes a retryable 503 starting and never aborts the object`, async () => {
      const { object, container, fake } = await build();
      container.failNextStart = new Error(message);
      const response = await object.fetch(get());
      expect(response.status).toBe(503);
      expect(response.headers.get(HEADERS.error)).toBe("starting");
      expect(fake.abortCalls).toEqual([]);
      expect(fake.blockConcurrencyRejections).toEqual([]);
      // The next attempt starts normally.
      expect((await object.fetch(get())).status).toBe(200);
    });
  }

  it("a transient error while proxying becomes a 503 starting", async () => {
    const { object } = await build(
      {},
      {
        app: () => {
          throw new Error("connection refused");
        },
      },
    );
    const response = await object.fetch(get());
    expect(response.status).toBe(503);
    expect(response.headers.get(HEADERS.error)).toBe("starting");
    expect(object.activeRequests).toBe(0);
  });

  it("a container that exits during start is a start-failed error, not retried", async () => {
    const { object, container } = await build({}, { container: new Fake({ listenAfterMs: 10_000 }) });
    const pending = object.fetch(get());
    await tick(20);
    container.exit({ message: "Container exited with unexpected exit code: 1" });
    const response = await pending;
    expect(response.status).toBe(500);
    expect(response.headers.get(HEADERS.error)).toBe("start-failed");
  });
});

describe("hard timeout", () => {
  it("arms a timer stamped with the run generation; stale timers are ignored; only the current run stops", async () => {
    const storage = new FakeStorage();
    const container = new Fake();
    const { object, logs } = await build({ hardTimeoutSeconds: 60 }, { container, storage });
    const before = Date.now();
    await object.fetch(get());
    const first = storage.schedules.filter((s) => s.callback === HARD_TIMEOUT_CALLBACK);
    expect(first).toHaveLength(1);
    expect(JSON.parse(first[0]!.payload)).toEqual({ generation: 1 });
    expect(first[0]!.time).toBeGreaterThanOrEqual(Math.floor(before / 1000) + 59);

    // The run ends and a new one starts: generation 2, and the old timer is gone.
    container.exit({ code: 0 });
    await tick();
    await object.fetch(get());
    const second = storage.schedules.filter((s) => s.callback === HARD_TIMEOUT_CALLBACK);
    expect(second.map((s) => JSON.parse(s.payload))).toEqual([{ generation: 2 }]);

    // A stale timer from generation 1 firing now must not stop generation 2.
    await object.moorageHardTimeoutElapsed({ generation: 1 });
    expect(container.signals).toEqual([]);
    expect(container.running).toBe(true);

    await object.moorageHardTimeoutElapsed({ generation: 2 });
    expect(container.signals).toEqual([15]);
    await tick();
    expect(logs.find((l) => l.event === "hard-timeout")).toMatchObject({ generation: 2 });
    await object.alarm(); // the alarm loop replays the stop
    expect(logs.filter((l) => l.event === "stop").map((l) => [l.generation, l.reason])).toEqual([
      [1, "exit"],
      [2, "hard-timeout"],
    ]);
  });

  it("a start that finds the container already running does not re-arm", async () => {
    const storage = new FakeStorage();
    const container = new Fake();
    const first = await build({ hardTimeoutSeconds: 60 }, { container, storage });
    await first.object.fetch(get());
    const armed = storage.schedules.map((s) => s.id);

    const second = await build({ hardTimeoutSeconds: 60 }, { container, storage });
    await second.object.fetch(get());
    await second.object.start();
    expect(storage.schedules.map((s) => s.id)).toEqual(armed);
    expect(container.startCalls).toHaveLength(1);
  });

  it("fires through the platform library's alarm loop and calls onHardTimeoutExpired", async () => {
    const storage = new FakeStorage();
    const container = new Fake();
    const hook = vi.fn();
    class Capped extends MoorageContainer {
      override async onHardTimeoutExpired() {
        hook();
        await this.stop("SIGKILL");
      }
    }
    const fake = createFakeContext({ container, storage });
    const object = new Capped(fake.ctx, {}, testDefinition({ hardTimeoutSeconds: 1 }), "job");
    object.lifecycleSink = () => {};
    await tick();
    await object.fetch(get());
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(Date.now() + 2_000);
    await object.alarm();
    expect(hook).toHaveBeenCalledTimes(1);
    expect(container.signals).toEqual([9]);
  });
});

describe("lifecycle events", () => {
  it("emits start, ready and stop lines with container, instance, labels, generation and timestamps", async () => {
    const { object, container, logs } = await build({ labels: { team: "media" } });
    await object.fetch(get("/", {}, "pool-2"));
    container.exit({ message: "Runtime signalled the container to exit: 0" });
    await tick();
    await object.alarm();
    const events = logs.map((l) => l.event);
    expect(events).toEqual(["start", "ready", "stop"]);
    for (const line of logs) {
      expect(line).toMatchObject({
        source: "moorage",
        container: "api",
        instance: "pool-2",
        labels: { team: "media" },
      });
      expect(line.generation).toBe(1);
      expect(typeof line.timestamp).toBe("number");
      expect(new Date(line.time).getTime()).toBe(line.timestamp);
      expect(LIFECYCLE_EVENTS).toContain(line.event);
    }
    // The platform library replays recognised exits as a plain "exit"; Moorage's own causes are named (below).
    expect(logs.at(-1)).toMatchObject({ exitCode: 0, reason: "exit" });
  });

  it("reports a stop caused by an image rollout (containers#253) and still calls onStop", async () => {
    const onStop = vi.fn();
    class Hooked extends MoorageContainer {
      override onStop(params: { exitCode: number }) {
        onStop(params.exitCode);
      }
    }
    const container = new Fake();
    const fake = createFakeContext({ container });
    const object = new Hooked(fake.ctx, {}, testDefinition(), "api");
    const logs: LifecycleRecord[] = [];
    object.lifecycleSink = (r) => logs.push(r);
    await tick();
    await object.fetch(get());
    container.exit({ message: "Runtime signalled the container to exit due to a new version rollout: 0" });
    await tick(5);
    const stop = logs.find((l) => l.event === "stop");
    expect(stop).toMatchObject({ exitCode: 0, reason: "rollout" });
    expect(onStop).toHaveBeenCalledWith(0);
    expect(logs.filter((l) => l.event === "error")).toEqual([]);
  });

  it("emits an error line for a failed start", async () => {
    const { object, logs } = await build({ secrets: ["MISSING"] });
    await object.fetch(get());
    expect(logs.find((l) => l.event === "error")).toMatchObject({ kind: "config" });
  });
});

describe("stopping state (containers#124)", () => {
  it("reports stopping between stop() and exit, and does not restart meanwhile", async () => {
    const { object, container } = await build({}, { container: new Fake({ exitOnSignal: false }) });
    await object.fetch(get());
    await object.stop();
    expect((await object.getState()).status).toBe("stopping");
    const response = await object.fetch(get());
    expect(response.status).toBe(503);
    expect(response.headers.get(HEADERS.error)).toBe("starting");
    expect(container.startCalls).toHaveLength(1);
    container.exit({ code: 0 });
    await tick();
    expect((await object.getState()).status).not.toBe("stopping");
    expect((await object.fetch(get())).status).toBe(200);
    expect(container.startCalls).toHaveLength(2);
  });
});

describe("bridge and egress", () => {
  it("routes moorage.internal to the registered bridge handler with the caller's identity", async () => {
    const { object, fake } = await build({}, { env: {} });
    await object.fetch(get("/", {}, "tenant-9"));
    const props = fake.proxyProps.at(-1)!;
    expect(props.outboundByHostOverrides).toEqual({
      "moorage.internal": { method: "moorageBridge", params: { container: "api", instance: "tenant-9" } },
    });

    const proxy = new ContainerProxy({ props, waitUntil: () => {} } as never, { SOME: "env" } as never);
    const unmounted = await proxy.fetch(new Request("http://moorage.internal/rpc"));
    expect(unmounted.status).toBe(503);
    expect(((await unmounted.json()) as { message: string }).message).toContain("setBridgeHandler");

    setBridgeHandler((request, env, caller) => Response.json({ path: new URL(request.url).pathname, env, caller }));
    const mounted = await proxy.fetch(new Request("http://moorage.internal/rpc"));
    expect(await mounted.json()).toEqual({
      path: "/rpc",
      env: { SOME: "env" },
      caller: { container: "api", instance: "tenant-9" },
    });
  });

  it("keeps the bridge reachable under an allow-list, and runtime egress changes keep it too", async () => {
    const { object, fake } = await build({ enableInternet: false, allowedHosts: ["api.stripe.com"] });
    await object.fetch(get());
    expect(fake.proxyProps.at(-1)!.allowedHosts).toEqual(["api.stripe.com", "moorage.internal"]);
    setBridgeHandler(() => new Response("bridged"));
    const proxy = new ContainerProxy({ props: fake.proxyProps.at(-1)!, waitUntil: () => {} } as never, {} as never);
    expect(await (await proxy.fetch(new Request("http://moorage.internal/x"))).text()).toBe("bridged");
    expect((await proxy.fetch(new Request("http://evil.example/x"))).status).toBe(520);

    await object.setAllowedHosts(["hooks.slack.com"]);
    expect(fake.proxyProps.at(-1)!.allowedHosts).toEqual(["hooks.slack.com", "moorage.internal"]);
    await object.removeAllowedHost("moorage.internal");
    expect(fake.proxyProps.at(-1)!.allowedHosts).toContain("moorage.internal");
    await object.denyHost("evil.example");
    expect(fake.proxyProps.at(-1)!.deniedHosts).toEqual(["evil.example"]);
    await object.removeDeniedHost("evil.example");
    expect(fake.proxyProps.at(-1)!.deniedHosts).toEqual([]);
  });

  it("allowHost on a container without an allow-list keeps the bridge host allowed", async () => {
    const { object, fake } = await build();
    await object.allowHost("api.github.com");
    expect(fake.proxyProps.at(-1)!.allowedHosts).toEqual(["api.github.com", "moorage.internal"]);
  });

  it("renewActivityTimeout and the egress methods are plain async methods callable over RPC", () => {
    for (const name of [
      "start",
      "stop",
      "destroy",
      "getState",
      "renewActivityTimeout",
      "allowHost",
      "denyHost",
      "removeAllowedHost",
      "removeDeniedHost",
      "setAllowedHosts",
      "setDeniedHosts",
    ]) {
      expect(typeof (MoorageContainer.prototype as unknown as Record<string, unknown>)[name]).toBe("function");
    }
  });
});

describe("generated code", () => {
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
    await tick();
    expect(object.exportName).toBe("imageResizer");
    expect((await object.fetch(get())).status).toBe(200);
    expect(fake.blockConcurrencyRejections).toEqual([]);
  });
});
