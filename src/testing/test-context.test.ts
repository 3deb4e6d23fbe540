/**
 * The Docker-free double as a user's test would drive it: handlers, routing info, recorded lifecycle and egress,
 * scripted cold starts and 5xx running through the real client's retry and pool logic, seeded routing, and types
 * identical to the generated `containers(env)`.
 */
import { describe, expect, expectTypeOf, it } from "vitest";
import { createContainerContext } from "../client/context.js";
import type { ContainerContext, ContainerHandle, PoolHandle } from "../client/types.js";
import { poolInstanceName } from "../definition/naming.js";
import { HEADERS } from "../protocol.js";
import { coldStart } from "./cold-start.js";
import { createContainerTestContext } from "./test-context.js";

const containerSpecs = [
  { exportName: "transcoder", binding: "CONTAINER_TRANSCODER", maxInstances: 5 },
  { exportName: "api", binding: "CONTAINER_API" },
] as const;

describe("createContainerTestContext", () => {
  it("routes requests to the handler with the instance, port and a clean request", async () => {
    const seen: unknown[] = [];
    const ctx = createContainerTestContext({
      transcoder: async (request, info) => {
        seen.push({
          ...info,
          url: request.url,
          body: await request.text(),
          routing: request.headers.has(HEADERS.instanceName),
        });
        return Response.json({ ok: true });
      },
    });
    const response = await ctx.transcoder.get("video-1").port(9090).fetch("/transcode", { method: "POST", body: "v" });
    expect(await response.json()).toEqual({ ok: true });
    expect(seen).toEqual([
      {
        container: "transcoder",
        instance: "video-1",
        port: 9090,
        url: "http://container/transcode",
        body: "v",
        routing: false,
      },
    ]);
  });

  it("records fetches per attempt with a readable request clone", async () => {
    const ctx = createContainerTestContext({ transcoder: () => new Response("ok") });
    await ctx.transcoder.get("a").fetch("/x", { method: "PUT", body: "payload" });
    const [call] = ctx.calls;
    expect(call).toMatchObject({ container: "transcoder", instance: "a", method: "fetch", port: undefined });
    expect(await call?.request?.text()).toBe("payload");
  });

  it("records lifecycle and egress calls and keeps instance state", async () => {
    const ctx = createContainerTestContext({ transcoder: () => new Response("ok") });
    const job = ctx.transcoder.get("job");
    expect(await job.getState()).toMatchObject({ status: "stopped" });
    await job.start({ envVars: { MODE: "fast" } });
    await job.egress.setAllowed(["a.example", "b.example"]);
    await job.egress.removeAllowed("a.example");
    await job.egress.deny("evil.example");
    await job.renewActivityTimeout();
    expect(await job.getState()).toMatchObject({ status: "healthy" });
    await job.stop("SIGTERM");
    expect(ctx.callsTo("transcoder", "job").map((c) => [c.method, c.args])).toEqual([
      ["getState", []],
      ["start", [{ envVars: { MODE: "fast" } }]],
      ["egress.setAllowed", [["a.example", "b.example"]]],
      ["egress.removeAllowed", ["a.example"]],
      ["egress.deny", ["evil.example"]],
      ["renewActivityTimeout", []],
      ["getState", []],
      ["stop", ["SIGTERM"]],
    ]);
    expect(ctx.instance("transcoder", "job")).toMatchObject({
      status: "stopped",
      starts: 1,
      allowedHosts: ["b.example"],
      deniedHosts: ["evil.example"],
    });
  });

  it("a first request starts the instance once", async () => {
    const ctx = createContainerTestContext({ transcoder: () => new Response("ok") });
    await ctx.transcoder.get("a").fetch("/");
    await ctx.transcoder.get("a").fetch("/");
    expect(ctx.instance("transcoder", "a")).toMatchObject({ status: "healthy", starts: 1, requests: 2 });
  });

  it("scripts a cold start that the real retry logic waits out, on virtual time", async () => {
    const ctx = createContainerTestContext({ transcoder: coldStart(2, () => new Response("ready")) });
    const response = await ctx.transcoder.get("a").fetch("/");
    expect(await response.text()).toBe("ready");
    expect(response.headers.get(HEADERS.attempts)).toBe("3");
    expect(response.headers.get(HEADERS.waitMs)).toBe("1500");
    expect(ctx.now()).toBe(1500);
    expect(ctx.callsTo("transcoder", "a")).toHaveLength(3);
  });

  it("scripts a cold start longer than the caller's patience", async () => {
    const ctx = createContainerTestContext({ transcoder: coldStart(5, () => new Response("ready")) });
    const response = await ctx.transcoder.get("a", { attempts: 2 }).fetch("/");
    expect(response.status).toBe(503);
  });

  it("scripts a thrown cold-start signal", async () => {
    const ctx = createContainerTestContext({
      transcoder: coldStart(3, () => new Response("ready"), { signal: "monitor-missing" }),
    });
    await expect(ctx.transcoder.get("a").fetch("/")).rejects.toMatchObject({ code: "cold-start-exhausted" });
  });

  it("passes a scripted application 5xx through get; pool steers around the instance it saw fail", async () => {
    const broken = poolInstanceName(0);
    const ctx = createContainerTestContext({
      api: (_request, { instance }) => new Response(instance, { status: instance === broken ? 500 : 200 }),
    });
    const direct = await ctx.api.get("tenant-1").fetch("/");
    expect(direct.status).toBe(200);
    for (let i = 0; i < 5; i++) {
      const response = await ctx.api.pool().fetch("/");
      expect(response.status).toBe(200);
    }
    // The double runs the client's own balancing: once it saw the broken instance fail, pool() keeps away from it.
    expect(ctx.callsTo("api", broken).length).toBeLessThanOrEqual(1);
  });

  it("lets pool move past a failing instance it knows nothing about yet", async () => {
    let broken: string | undefined;
    const ctx = createContainerTestContext({
      // Whichever instance pool() reaches first is the broken one.
      api: (_request, { instance }) => {
        broken ??= instance;
        return new Response(instance, { status: instance === broken ? 500 : 200 });
      },
    });
    const response = await ctx.api.pool().fetch("/");
    expect(response.status).toBe(200);
    const reached = ctx.callsTo("api").map((call) => call.instance);
    expect(reached).toHaveLength(2);
    expect(reached[0]).toBe(broken);
    expect(reached[1]).not.toBe(broken);
  });

  it("routes any() and pool() deterministically, per seed", async () => {
    const route = async (seed?: number) => {
      const ctx = createContainerTestContext({ api: () => new Response("ok") }, { seed, maxInstances: 4 });
      for (let i = 0; i < 8; i++) await ctx.api.any().fetch("/");
      return ctx.calls.map((c) => c.instance);
    };
    const defaultRoute = await route();
    expect(await route()).toEqual(defaultRoute);
    expect(await route(7)).toEqual(await route(7));
    expect(await route(7)).not.toEqual(defaultRoute);
    expect(defaultRoute.every((i) => /^moorage:pool:[0-3]$/.test(i))).toBe(true);
  });

  it("takes pool sizes and types from the generated specs", async () => {
    const ctx = createContainerTestContext(
      { transcoder: () => new Response("ok") },
      { specs: containerSpecs, seed: 3 },
    );
    for (let i = 0; i < 20; i++) await ctx.transcoder.any().fetch("/");
    expect(new Set(ctx.calls.map((c) => c.instance))).toEqual(new Set([0, 1, 2, 3, 4].map(poolInstanceName)));
    await expect(ctx.api.get("a").fetch("/")).rejects.toMatchObject({ code: "no-handler", container: "api" });
    await expect(ctx.api.get("a").start()).resolves.toBeUndefined();
  });

  it("reset() forgets calls and state", async () => {
    const ctx = createContainerTestContext({ api: () => new Response("ok") });
    await ctx.api.get("a").fetch("/");
    ctx.reset();
    expect(ctx.calls).toEqual([]);
    expect(ctx.instance("api", "a").starts).toBe(0);
  });

  it("refuses a container name that would hide a control", () => {
    expect(() => createContainerTestContext({ calls: () => new Response("ok") })).toThrow(/rename it/);
  });
});

describe("types (checked by tsc: `npm run typecheck` fails if they drift)", () => {
  it("match the generated client", () => {
    const containers = (env: object) => createContainerContext(env, containerSpecs);
    type Real = ReturnType<typeof containers>;
    const explicit = createContainerTestContext<typeof containerSpecs>({ transcoder: () => new Response("ok") });
    const fromSpecs = createContainerTestContext({}, { specs: containerSpecs });
    const inferred = createContainerTestContext({ transcoder: () => new Response("ok") });

    expectTypeOf<Real>().toEqualTypeOf<ContainerContext<typeof containerSpecs>>();
    expectTypeOf(explicit).toMatchTypeOf<Real>();
    expectTypeOf(fromSpecs).toMatchTypeOf<Real>();
    // No declared images: a handle that can choose none (`start({ image })` is a type error).
    expectTypeOf(inferred.transcoder.get("a")).toEqualTypeOf<ContainerHandle<never>>();
    expectTypeOf(inferred.transcoder.any()).toEqualTypeOf<PoolHandle>();
    // @ts-expect-error: unknown containers are type errors
    inferred.api;
    // @ts-expect-error: unknown containers are type errors, with specs too
    explicit.renderer;
    // @ts-expect-error: handler keys must be containers of the specs
    createContainerTestContext<typeof containerSpecs>({ renderer: () => new Response("ok") });
  });
});

describe("bindings, for Worker code that calls containers(env) itself", () => {
  it("serve each CONTAINER_X binding from the double, recording the Worker's calls", async () => {
    const c = createContainerTestContext<typeof containerSpecs>({
      transcoder: coldStart(1, (_request, { instance }) => Response.json({ instance })),
    });
    expect(Object.keys(c.bindings)).toEqual(["CONTAINER_TRANSCODER"]);
    // What a Worker does with the env it is given: its own client, over the double's bindings.
    const workerClient = createContainerContext({ OTHER: "kept", ...c.bindings }, containerSpecs);
    const res = await workerClient.transcoder.get("v-1").fetch("/transcode");
    expect(await res.json()).toEqual({ instance: "v-1" });
    expect(res.headers.get("moorage-attempts")).toBe("2");
    expect(c.callsTo("transcoder", "v-1")).toHaveLength(2);
  });

  it("refuse a container named like the double's own bindings member", () => {
    expect(() => createContainerTestContext({ bindings: () => new Response("ok") })).toThrow(
      'a container named "bindings" would hide the double\'s own "bindings" member',
    );
  });
});
