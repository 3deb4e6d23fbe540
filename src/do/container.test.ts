/**
 * `MoorageContainer` on a fake `ctx.container` (src/do/testing/fake-context.ts): the request path, the
 * environment, readiness, one start under concurrency, activity, and failures, as the client or an operator
 * observes them (responses, headers, what the container was started with, what was logged). Lifecycle, timers
 * and egress have their own files (lifecycle.test.ts, egress.test.ts).
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import type { ContainerDefinition } from "../definition/types.js";
import { HEADERS } from "../protocol.js";
import { setBridgeHandler } from "./bridge.js";
import { INTERNALS, MoorageContainer } from "./container.js";
import type { LifecycleRecord } from "./lifecycle-log.js";
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

  it("routes to the port named by moorage-port and never forwards moorage-* or cf-container-target-port", async () => {
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
    const response = await object.fetch(
      get("/admin", {
        headers: { "moorage-port": "9090", "x-app": "1", "moorage-forged": "x", "cf-container-target-port": "1" },
      }),
    );
    expect(await response.text()).toBe("admin");
    expect(container.appRequests.at(-1)).toMatchObject({ port: 9090, url: "http://container/admin" });
    expect(seen?.get("x-app")).toBe("1");
    expect([...(seen?.keys() ?? [])].filter((h) => h.startsWith("moorage-") || h.startsWith("cf-container"))).toEqual(
      [],
    );
  });

  it("strips every moorage-* header from the container's response, so moorage-error always comes from Moorage", async () => {
    const { object } = await build(
      {},
      { app: () => new Response("hi", { headers: { "moorage-error": "starting", "moorage-x": "1", "x-app": "2" } }) },
    );
    const response = await object.fetch(get());
    expect(response.headers.get("moorage-error")).toBeNull();
    expect(response.headers.get("moorage-x")).toBeNull();
    expect(response.headers.get("x-app")).toBe("2");
    expect(response.headers.get(HEADERS.coldStartMs)).toMatch(/^\d+$/);
    expect(await response.text()).toBe("hi");
  });

  it("takes its identity from ctx.id.name over the header, else the percent-decoded moorage-instance header", async () => {
    const named = createFakeContext({ name: "from-id" });
    const a = new ApiContainer(named.ctx, {}, testDefinition(), "api");
    a.lifecycleSink = () => {};
    await a.fetch(get("/", {}, "from-header"));
    expect(named.container.startCalls[0]?.env?.MOORAGE_INSTANCE).toBe("from-id");

    const unnamed = createFakeContext();
    const b = new ApiContainer(unnamed.ctx, {}, testDefinition(), "api");
    b.lifecycleSink = () => {};
    await b.fetch(get("/", {}, encodeURIComponent("tenant/ä 1")));
    expect(unnamed.container.startCalls[0]?.env?.MOORAGE_INSTANCE).toBe("tenant/ä 1");
  });

  it("rejects a malformed port with a 400 bad-request error", async () => {
    const { object } = await build();
    const response = await object.fetch(get("/", { headers: { "moorage-port": "http" } }));
    expect(response.status).toBe(400);
    expect(response.headers.get(HEADERS.error)).toBe("bad-request");
  });

  it("never routes by cf-container-target-port: a caller's header cannot pick the container port", async () => {
    const { object, container } = await build({ requiredPorts: [8080, 9090] }, { app: () => new Response("default") });
    const response = await object.fetch(get("/", { headers: { "cf-container-target-port": "9090" } }));
    expect(await response.text()).toBe("default");
    expect(container.appRequests.at(-1)).toMatchObject({ port: 8080 });
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
    expect(object[INTERNALS].activeRequests).toBe(0);
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
    expect(object[INTERNALS].activeRequests).toBe(1);
    controller.abort();
    await tick();
    expect(object[INTERNALS].activeRequests).toBe(0);
  });

  it("a cancelled response body releases its activity", async () => {
    const { object } = await build({}, { app: endless });
    const response = await object.fetch(get("/events"));
    const reader = response.body!.getReader();
    await reader.read();
    expect(object[INTERNALS].activeRequests).toBe(1);
    await reader.cancel();
    await tick();
    expect(object[INTERNALS].activeRequests).toBe(0);
  });

  it("sleepAfter stops an idle container but not one with a request still streaming", async () => {
    const { object, container, logs } = await build({}, { app: endless });
    const controller = new AbortController();
    await object.fetch(get("/events", { signal: controller.signal }));
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(Date.now() + 601_000);
    await object.alarm();
    expect(container.signals).toEqual([]);
    controller.abort();
    await tick();
    vi.setSystemTime(Date.now() + 601_000);
    await object.alarm();
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
    it(`"${message}" on start becomes a retryable 503 starting; the next request starts normally`, async () => {
      const { object, container } = await build();
      container.failNextStart = new Error(message);
      const response = await object.fetch(get());
      expect(response.status).toBe(503);
      expect(response.headers.get(HEADERS.error)).toBe("starting");
      // The next attempt starts normally.
      expect((await object.fetch(get())).status).toBe(200);
    });
  }

  it("a serving container that refuses the connection is a 502 not-listening (not delivered)", async () => {
    const { object } = await build(
      {},
      {
        app: () => {
          throw new Error("Container is not listening to port 8080");
        },
      },
    );
    const response = await object.fetch(get());
    expect(response.status).toBe(502);
    expect(response.headers.get(HEADERS.error)).toBe("not-listening");
    expect(object[INTERNALS].activeRequests).toBe(0);
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

  it("a container that goes away mid-request is a 502 connection-lost (maybe delivered)", async () => {
    const container: FakeContainer = new Fake({
      app: () => {
        container.exit({ code: 1 });
        throw new Error("Network connection lost.");
      },
    });
    const { object } = await build({}, { container });
    const response = await object.fetch(get());
    expect(response.status).toBe(502);
    expect(response.headers.get(HEADERS.error)).toBe("connection-lost");
  });
});
