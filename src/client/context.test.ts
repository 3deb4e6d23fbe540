/**
 * `createContainerContext` against a hand-rolled namespace: routing, cold-start retry, replay rules, pool
 * failover, ports, bindings, observability and WebSocket passthrough, all as a caller observes them.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { decodeInstanceName, HEADERS } from "../protocol.js";
import { fakeNamespace, noInstance, recordingClock, type Script } from "./__fixtures__/fake-namespace.js";
import { createContainerContext } from "./context.js";
import { MoorageContainerError } from "./errors.js";
import type { AttemptEvent, CallEvent, ContainerContextOptions } from "./types.js";

const specs = [
  { exportName: "transcoder", binding: "CONTAINER_TRANSCODER", maxInstances: 5 },
  { exportName: "api", binding: "CONTAINER_API" },
] as const;

function setup(script: Script, options: ContainerContextOptions = {}) {
  const fake = fakeNamespace(script);
  const clock = recordingClock();
  const ctx = createContainerContext({ CONTAINER_TRANSCODER: fake.namespace, CONTAINER_API: fake.namespace }, specs, {
    clock,
    random: 1,
    ...options,
  });
  return { ...fake, clock, ctx };
}

/** Answers `signal` for the first `times` attempts, then 200 "ok". */
const coldThenOk =
  (times: number, signal: () => Response | never = noInstance): Script =>
  (_request, _instance, n) =>
    n <= times ? signal() : new Response("ok");

afterEach(() => {
  vi.useRealTimers();
});

describe("get(): the same instance, retried through a cold start", () => {
  it("retries a cold start with exponential backoff and reports the cost", async () => {
    const { ctx, sent, clock } = setup(coldThenOk(2));
    const response = await ctx.transcoder.get("video-1").fetch("/transcode");
    expect(await response.text()).toBe("ok");
    expect(sent.map((s) => s.instance)).toEqual(["video-1", "video-1", "video-1"]);
    expect(clock.sleeps).toEqual([500, 1000]);
    expect(response.headers.get(HEADERS.attempts)).toBe("3");
    expect(response.headers.get(HEADERS.waitMs)).toBe("1500");
    expect(response.headers.get(HEADERS.instanceName)).toBe("video-1");
  });

  it("waits on real timers by default", async () => {
    vi.useFakeTimers();
    const fake = fakeNamespace(coldThenOk(2));
    const ctx = createContainerContext({ CONTAINER_TRANSCODER: fake.namespace }, specs);
    const pending = ctx.transcoder.get("a").fetch("/");
    await vi.advanceTimersByTimeAsync(0);
    expect(fake.sent).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(499);
    expect(fake.sent).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(fake.sent).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(999);
    expect(fake.sent).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    const response = await pending;
    expect(fake.sent).toHaveLength(3);
    expect(response.headers.get(HEADERS.waitMs)).toBe("1500");
  });

  it("stops after `attempts` and returns the last cold-start response", async () => {
    const { ctx, sent, clock } = setup(coldThenOk(99));
    const response = await ctx.transcoder.get("a").fetch("/");
    expect(response.status).toBe(503);
    expect(await response.text()).toContain("no Container instance");
    expect(response.headers.get(HEADERS.error)).toBe("starting");
    expect(sent).toHaveLength(3);
    expect(clock.sleeps).toEqual([500, 1000]);
    expect(response.headers.get(HEADERS.attempts)).toBe("3");
  });

  it("honours attempts, backoffMs and maxBackoffMs per call", async () => {
    const { ctx, sent, clock } = setup(coldThenOk(99));
    await ctx.transcoder.get("a", { attempts: 5, backoffMs: 1000, maxBackoffMs: 2500 }).fetch("/");
    expect(sent).toHaveLength(5);
    expect(clock.sleeps).toEqual([1000, 2000, 2500, 2500]);
  });

  it("takes context-wide retry defaults, overridden per call", async () => {
    const { ctx, sent } = setup(coldThenOk(99), { retry: { attempts: 2 } });
    await ctx.transcoder.get("a").fetch("/");
    expect(sent).toHaveLength(2);
    await ctx.transcoder.get("a", { attempts: 1 }).fetch("/");
    expect(sent).toHaveLength(3);
  });

  it("spreads delays with jitter when asked", async () => {
    const { ctx, clock } = setup(coldThenOk(99), { jitter: true, random: () => 0 });
    await ctx.transcoder.get("a").fetch("/");
    expect(clock.sleeps).toEqual([250, 500]);
  });

  it("rejects nonsense retry options with a directed error", () => {
    const { ctx } = setup(coldThenOk(0));
    expect(() => ctx.transcoder.get("a", { attempts: 0 })).toThrow(/attempts must be a whole number of at least 1/);
    expect(() => ctx.transcoder.pool({ backoffMs: -1 })).toThrow(/backoffMs must be/);
    expect(() => ctx.transcoder.get("")).toThrow(/must not be empty/);
  });

  it("passes an application 5xx straight through, body intact", async () => {
    const { ctx, sent, clock } = setup(() => new Response("database down", { status: 500 }));
    const response = await ctx.transcoder.get("a").fetch("/");
    expect(response.status).toBe(500);
    expect(await response.text()).toBe("database down");
    expect(sent).toHaveLength(1);
    expect(clock.sleeps).toEqual([]);
    expect(response.headers.get(HEADERS.attempts)).toBe("1");
    expect(response.headers.get(HEADERS.waitMs)).toBe("0");
  });

  it("retries a thrown cold-start signal", async () => {
    const { ctx, sent } = setup(
      coldThenOk(1, () => {
        throw new Error("Monitor failed to find container");
      }),
    );
    const response = await ctx.transcoder.get("a").fetch("/");
    expect(await response.text()).toBe("ok");
    expect(sent).toHaveLength(2);
  });

  it("throws a directed error when a thrown cold start outlasts the attempts", async () => {
    const { ctx, sent } = setup(() => {
      throw new Error("the container is not listening");
    });
    const error = await ctx.transcoder
      .get("a")
      .fetch("/")
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MoorageContainerError);
    expect(error).toMatchObject({ code: "cold-start-exhausted", container: "transcoder", instance: "a", attempts: 3 });
    expect((error as Error).message).toMatch(/did not serve the request after 3 attempt/);
    expect(sent).toHaveLength(3);
  });

  it("does not retry a thrown error that is not a cold start, and keeps it as the cause", async () => {
    const cause = new TypeError("this.fetch is not a function");
    const { ctx, sent } = setup(() => {
      throw cause;
    });
    const error = await ctx.transcoder
      .get("a")
      .fetch("/")
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "fetch-failed", cause });
    expect(sent).toHaveLength(1);
  });

  it("stops retrying when the caller aborts, rejecting with the abort reason", async () => {
    const controller = new AbortController();
    const fake = fakeNamespace(() => {
      controller.abort(new Error("client went away"));
      return noInstance();
    });
    const ctx = createContainerContext({ CONTAINER_TRANSCODER: fake.namespace }, specs, { clock: recordingClock() });
    await expect(ctx.transcoder.get("a").fetch("/", { signal: controller.signal })).rejects.toThrow("client went away");
    expect(fake.sent).toHaveLength(1);
  });

  it("reaches the same instance for the same id, and different ones for different ids", async () => {
    const { ctx, names, sent } = setup(() => new Response("ok"));
    await ctx.transcoder.get("user-1").fetch("/");
    await ctx.transcoder.get("user-1").fetch("/");
    await ctx.transcoder.get("user-2").fetch("/");
    expect(names).toEqual(["user-1", "user-1", "user-2"]);
    expect(sent.map((s) => s.request.headers.get(HEADERS.instanceName))).toEqual(["user-1", "user-1", "user-2"]);
  });
});

describe("what is replayed", () => {
  it("sends a pre-built Request once, even through a cold start", async () => {
    const { ctx, sent } = setup(coldThenOk(2));
    const response = await ctx.transcoder
      .get("a")
      .fetch(new Request("http://container/upload", { method: "POST", body: "x" }));
    expect(response.status).toBe(503);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.body).toBe("x");
    expect(response.headers.get(HEADERS.attempts)).toBe("1");
  });

  it("explains why a thrown cold start on a pre-built Request was not retried", async () => {
    const { ctx, sent } = setup(() => {
      throw new Error("there is no container instance that can be provided to this durable object");
    });
    const error = await ctx.transcoder
      .get("a")
      .fetch(new Request("http://container/"))
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "cold-start-exhausted", attempts: 1 });
    expect((error as Error).message).toMatch(/cannot be replayed/);
    expect(sent).toHaveLength(1);
  });

  it("sends a stream body once, and it arrives intact", async () => {
    const { ctx, sent } = setup(coldThenOk(2));
    const body = new Blob(["streamed bytes"]).stream();
    const response = await ctx.transcoder.get("a").fetch("/upload", { method: "POST", body });
    expect(response.status).toBe(503);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.body).toBe("streamed bytes");
  });

  const form = new FormData();
  form.set("field", "value");
  const bodies: [string, () => BodyInit, string][] = [
    ["string", () => "payload", "payload"],
    ["ArrayBuffer", () => new TextEncoder().encode("payload").buffer as ArrayBuffer, "payload"],
    ["Uint8Array", () => new TextEncoder().encode("payload"), "payload"],
    ["URLSearchParams", () => new URLSearchParams({ a: "1" }), "a=1"],
    ["Blob", () => new Blob(["payload"]), "payload"],
    ["FormData", () => form, "value"],
  ];
  it.each(bodies)("retries a %s body and sends it again every attempt", async (_kind, make, expected) => {
    const { ctx, sent } = setup(coldThenOk(2));
    const response = await ctx.transcoder.get("a").fetch("/upload", { method: "POST", body: make() });
    expect(await response.text()).toBe("ok");
    expect(sent).toHaveLength(3);
    for (const s of sent) expect(s.body).toContain(expected);
  });

  it("resolves a path against the container host and keeps method and headers", async () => {
    const { ctx, sent } = setup(() => new Response("ok"));
    await ctx.transcoder.get("a").fetch("/transcode?q=1", { method: "PUT", headers: { "x-trace": "t" } });
    await ctx.transcoder.get("a").fetch(new URL("https://example.com/abs"));
    expect(sent[0]?.request.url).toBe("http://container/transcode?q=1");
    expect(sent[0]?.request.method).toBe("PUT");
    expect(sent[0]?.request.headers.get("x-trace")).toBe("t");
    expect(sent[1]?.request.url).toBe("https://example.com/abs");
  });
});

describe("any() and pool()", () => {
  it("any() picks a pool instance from the injected randomness, sized by maxInstances", async () => {
    const { ctx, sent } = setup(() => new Response("ok"), { random: () => 0.99 });
    await ctx.transcoder.any().fetch("/");
    await ctx.api.any().fetch("/");
    expect(sent.map((s) => s.instance)).toEqual(["moorage:pool:4", "moorage:pool:2"]);
  });

  it("any() retries a cold start on the same instance", async () => {
    const { ctx, sent } = setup(coldThenOk(2));
    const response = await ctx.transcoder.any().fetch("/");
    expect(response.headers.get(HEADERS.attempts)).toBe("3");
    expect(new Set(sent.map((s) => s.instance)).size).toBe(1);
  });

  it("is reproducible for a seed", async () => {
    const run = async () => {
      const { ctx, sent } = setup(() => new Response("ok"), { random: 42 });
      for (let i = 0; i < 10; i++) await ctx.transcoder.any().fetch("/");
      return sent.map((s) => s.instance);
    };
    const first = await run();
    expect(await run()).toEqual(first);
    expect(new Set(first).size).toBeGreaterThan(1);
  });

  it("pool() steers calls away from an instance with requests in flight; any() does not", async () => {
    const held: Array<() => void> = [];
    const { ctx, sent, namespace, clock } = setup(
      async (_request, instance) => {
        if (instance === "moorage:pool:0" && held.length === 0) {
          await new Promise<void>((release) => held.push(release));
        }
        return new Response(instance);
      },
      { random: 7 },
    );
    // One slow request keeps moorage:pool:0 busy: a second client of the same binding (the load view is per
    // binding, shared by the isolate) whose any() always picks index 0.
    const other = createContainerContext({ CONTAINER_TRANSCODER: namespace }, specs, { random: () => 0, clock });
    const slow = other.transcoder.any().fetch("/slow");
    await vi.waitFor(() => expect(held).toHaveLength(1));
    const hits = async (pick: () => Promise<Response>) => {
      const before = sent.length;
      for (let i = 0; i < 40; i++) await pick();
      return sent.slice(before).filter((s) => s.instance === "moorage:pool:0").length;
    };
    // Power of two choices: moorage:pool:0 loses every comparison while it is busy.
    expect(await hits(() => ctx.transcoder.pool().fetch("/"))).toBe(0);
    // Uniform picking keeps feeding it its share.
    expect(await hits(() => ctx.transcoder.any().fetch("/"))).toBeGreaterThan(0);
    // Once its request is answered, moorage:pool:0 is back in rotation.
    held[0]!();
    await slow;
    expect(await hits(() => ctx.transcoder.pool().fetch("/"))).toBeGreaterThan(0);
  });

  it("pool() moves to another instance on a 5xx, without waiting", async () => {
    const { ctx, sent, clock } = setup((_r, _i, n) =>
      n === 1 ? new Response("boom", { status: 500 }) : new Response("ok"),
    );
    const response = await ctx.transcoder.pool().fetch("/");
    expect(await response.text()).toBe("ok");
    expect(sent).toHaveLength(2);
    expect(sent[0]?.instance).not.toBe(sent[1]?.instance);
    expect(clock.sleeps).toEqual([]);
    expect(decodeInstanceName(response.headers.get(HEADERS.instanceName))).toBe(sent[1]?.instance);
    expect(response.headers.get(HEADERS.attempts)).toBe("2");
  });

  it("pool() moves to another instance when the call throws", async () => {
    const { ctx, sent } = setup((_r, _i, n) => {
      if (n === 1) throw new Error("Durable Object exceeded its memory limit");
      return new Response("ok");
    });
    expect(await (await ctx.transcoder.pool().fetch("/")).text()).toBe("ok");
    expect(sent[0]?.instance).not.toBe(sent[1]?.instance);
  });

  it("pool() backs off before moving on after a cold start", async () => {
    const { ctx, clock } = setup(coldThenOk(1));
    await ctx.transcoder.pool().fetch("/");
    expect(clock.sleeps).toEqual([500]);
  });

  it("pool() is bounded by attempts and tries distinct instances", async () => {
    const { ctx, sent } = setup(() => new Response("boom", { status: 502 }));
    const response = await ctx.transcoder.pool({ attempts: 4 }).fetch("/");
    expect(response.status).toBe(502);
    expect(sent).toHaveLength(4);
    expect(new Set(sent.map((s) => s.instance)).size).toBe(4);
  });

  it("pool() never retries on the instance that just failed, even past the pool size", async () => {
    const { ctx, sent } = setup(() => new Response("boom", { status: 500 }));
    await ctx.api.pool({ attempts: 7 }).fetch("/");
    const instances = sent.map((s) => s.instance);
    expect(instances).toHaveLength(7);
    expect(new Set(instances.slice(0, 3)).size).toBe(3);
    for (let i = 1; i < instances.length; i++) expect(instances[i]).not.toBe(instances[i - 1]);
  });

  it("pool() throws a directed error when every attempt threw", async () => {
    const { ctx } = setup(() => {
      throw new Error("internal error");
    });
    await expect(ctx.transcoder.pool({ attempts: 2 }).fetch("/")).rejects.toMatchObject({
      code: "pool-exhausted",
      attempts: 2,
    });
  });

  it("pool() follows a custom retryOn", async () => {
    const { ctx, sent } = setup((_r, _i, n) => new Response(null, { status: n === 1 ? 404 : 500 }));
    const response = await ctx.transcoder.pool({ retryOn: ({ response }) => response?.status === 404 }).fetch("/");
    expect(response.status).toBe(500);
    expect(sent).toHaveLength(2);
  });

  it("pool() sends a pre-built Request once", async () => {
    const { ctx, sent } = setup(() => new Response("boom", { status: 500 }));
    await ctx.transcoder.pool().fetch(new Request("http://container/"));
    expect(sent).toHaveLength(1);
  });
});

describe("port()", () => {
  it("targets the port on get, any and pool, and only there", async () => {
    const { ctx, sent } = setup((_r, _i, n) => (n === 3 ? new Response("x", { status: 500 }) : new Response("ok")));
    await ctx.transcoder.get("a").port(9090).fetch("/admin");
    await ctx.transcoder.any().port(9091).fetch("/");
    await ctx.transcoder.pool().port(9092).fetch("/");
    await ctx.transcoder.get("a").fetch("/");
    expect(sent.map((s) => s.request.headers.get(HEADERS.port))).toEqual(["9090", "9091", "9092", "9092", null]);
    expect(sent[0]?.request.headers.get(HEADERS.instanceName)).toBe("a");
    expect(sent.every((s) => s.request.headers.get("cf-container-target-port") === null)).toBe(true);
  });

  it("the last port() wins", async () => {
    const { ctx, sent } = setup(() => new Response("ok"));
    await ctx.transcoder.get("a").port(1).port(2).fetch("/");
    expect(sent[0]?.request.headers.get(HEADERS.port)).toBe("2");
  });

  it("rejects a port that is not a TCP port", () => {
    const { ctx } = setup(() => new Response("ok"));
    expect(() => ctx.transcoder.get("a").port(0)).toThrow(/not a TCP port/);
    expect(() => ctx.transcoder.any().port(70000)).toThrow(MoorageContainerError);
  });
});

describe("bindings", () => {
  it("fails only when the container is used, naming the binding and the fix", async () => {
    const fake = fakeNamespace(() => new Response("ok"));
    const ctx = createContainerContext({ CONTAINER_API: fake.namespace }, specs);
    const handle = ctx.transcoder.get("a");
    await expect(ctx.api.get("a").fetch("/")).resolves.toHaveProperty("status", 200);
    const error = await handle.fetch("/").catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "missing-binding", container: "transcoder" });
    expect((error as Error).message).toContain("env.CONTAINER_TRANSCODER");
    expect((error as Error).message).toContain("moorage generate && moorage sync");
    await expect(handle.start()).rejects.toMatchObject({ code: "missing-binding" });
  });

  it("says so when the binding is not a Durable Object namespace", async () => {
    const ctx = createContainerContext({ CONTAINER_TRANSCODER: "oops" }, specs);
    await expect(ctx.transcoder.any().fetch("/")).rejects.toThrow(/is not a Durable Object namespace/);
  });
});

describe("lifecycle and egress", () => {
  it("forwards each call to the instance's RPC method", async () => {
    const { ctx, rpc } = setup(() => new Response("ok"));
    const handle = ctx.transcoder.get("job-7");
    const hosts = ["a.example"];
    await handle.start({ envVars: { A: "1" } });
    await handle.stop("SIGINT");
    await handle.destroy();
    expect(await handle.getState()).toEqual({ status: "healthy", lastChange: 1 });
    await handle.renewActivityTimeout();
    await handle.egress.allow("x.example");
    await handle.egress.deny("y.example");
    await handle.egress.removeAllowed("x.example");
    await handle.egress.removeDenied("y.example");
    await handle.egress.setAllowed(hosts);
    await handle.egress.setDenied([]);
    expect(handle.instance).toBe("job-7");
    expect(rpc.map(({ method, args }) => [method, args])).toEqual([
      ["start", [{ envVars: { A: "1" } }]],
      ["stop", ["SIGINT"]],
      ["destroy", []],
      ["getState", []],
      ["renewActivityTimeout", []],
      ["allowHost", ["x.example"]],
      ["denyHost", ["y.example"]],
      ["removeAllowedHost", ["x.example"]],
      ["removeDeniedHost", ["y.example"]],
      ["setAllowedHosts", [["a.example"]]],
      ["setDeniedHosts", [[]]],
    ]);
    expect(new Set(rpc.map((r) => r.instance))).toEqual(new Set(["job-7"]));
  });
});

describe("observability", () => {
  it("reports every attempt and the call", async () => {
    const attempts: AttemptEvent[] = [];
    const calls: CallEvent[] = [];
    const { ctx } = setup(
      (_r, _i, n) => (n === 1 ? noInstance() : new Response("ok", { headers: { [HEADERS.coldStartMs]: "2100" } })),
      { onAttempt: (e) => attempts.push(e), onCall: (e) => calls.push(e) },
    );
    const response = await ctx.transcoder.get("v").fetch("/");
    expect(response.headers.get(HEADERS.coldStartMs)).toBe("2100");
    expect(attempts).toEqual([
      expect.objectContaining({
        container: "transcoder",
        instance: "v",
        attempt: 1,
        outcome: "cold-start",
        signal: "starting",
        willRetry: true,
        waitMs: 0,
        status: 503,
      }),
      expect.objectContaining({
        attempt: 2,
        outcome: "response",
        willRetry: false,
        waitMs: 500,
        status: 200,
        coldStartMs: 2100,
      }),
    ]);
    expect(calls).toEqual([
      expect.objectContaining({
        container: "transcoder",
        instance: "v",
        attempts: 2,
        waitMs: 500,
        status: 200,
        coldStartMs: 2100,
      }),
    ]);
  });

  it("reports pool failovers as failed attempts", async () => {
    const attempts: AttemptEvent[] = [];
    const { ctx } = setup((_r, _i, n) => new Response(null, { status: n === 1 ? 500 : 200 }), {
      onAttempt: (e) => attempts.push(e),
    });
    await ctx.transcoder.pool().fetch("/");
    expect(attempts.map((e) => [e.outcome, e.willRetry])).toEqual([
      ["failed", true],
      ["response", false],
    ]);
  });

  it("keeps the request alive when a callback throws", async () => {
    const log = vi.spyOn(console, "error").mockImplementation(() => {});
    const { ctx } = setup(() => new Response("ok"), {
      onAttempt: () => {
        throw new Error("bug in metrics");
      },
    });
    expect(await (await ctx.transcoder.get("a").fetch("/")).text()).toBe("ok");
    expect(log).toHaveBeenCalled();
    log.mockRestore();
  });

  it("stamps responses whose headers are immutable", async () => {
    const { ctx } = setup(() => Response.redirect("http://container/elsewhere", 302));
    const response = await ctx.transcoder.get("a").fetch("/");
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toBe("http://container/elsewhere");
    expect(response.headers.get(HEADERS.attempts)).toBe("1");
  });
});

describe("WebSocket upgrades", () => {
  const upgradeResponse = () =>
    ({
      status: 101,
      statusText: "Switching Protocols",
      headers: new Headers(),
      body: null,
      webSocket: { accept() {} },
    }) as unknown as Response;

  it("returns the 101 response and its webSocket untouched", async () => {
    const upgraded = upgradeResponse();
    const { ctx, sent } = setup(() => upgraded);
    const response = await ctx.transcoder.get("room").fetch("/ws", { headers: { Upgrade: "websocket" } });
    expect(response).toBe(upgraded);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.request.headers.get("upgrade")).toBe("websocket");
  });

  it("still waits out a cold start before the upgrade (an upgrade has no body to replay)", async () => {
    const upgraded = upgradeResponse();
    const { ctx, sent } = setup((_r, _i, n) => (n === 1 ? noInstance() : upgraded));
    const response = await ctx.transcoder.get("room").fetch("/ws", { headers: { Upgrade: "websocket" } });
    expect(response).toBe(upgraded);
    expect(sent).toHaveLength(2);
  });
});
