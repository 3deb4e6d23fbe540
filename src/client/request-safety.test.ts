/**
 * Regression tests for issue 10 §2 and §3 at the client: retries never replay what may have run, only Moorage's
 * object (or the platform) can make a response a signal, a forwarded public request cannot steer routing, and each
 * id is exactly one object with one identity. Each case failed before its fix.
 */
import { describe, expect, it } from "vitest";
import { decodeInstanceName, HEADERS } from "../protocol.js";
import { fakeNamespace, recordingClock, type Script } from "./__fixtures__/fake-namespace.js";
import { createContainerContext } from "./context.js";

const specs = [{ exportName: "jobs", binding: "CONTAINER_JOBS", maxInstances: 4 }] as const;

function setup(script: Script) {
  const fake = fakeNamespace(script);
  const ctx = createContainerContext({ CONTAINER_JOBS: fake.namespace }, specs, { clock: recordingClock(), random: 3 });
  return { ...fake, ctx };
}

const lostAfterSend = () => {
  throw new Error("Network connection lost.");
};
const objectSays = (code: string, status = 502) =>
  Response.json({ error: code, message: code }, { status, headers: { [HEADERS.error]: code } });

describe("retries never replay what may have run", () => {
  it("a POST whose connection was lost after sending runs once, with a directed error", async () => {
    const { ctx, sent } = setup(lostAfterSend);
    const error = await ctx.jobs
      .get("a")
      .fetch("/charge", { method: "POST", body: "amount=5" })
      .catch((e: unknown) => e);
    expect(sent).toHaveLength(1);
    expect(error).toMatchObject({ code: "not-replayed", attempts: 1 });
    expect((error as Error).message).toMatch(/may have reached the app/);
    expect((error as { hint?: string }).hint).toMatch(/Idempotency-Key/);
  });

  it.each([
    ["container suddenly disconnected", "Container suddenly disconnected"],
    ["object reset", "Durable Object reset because its code was updated."],
  ])("a POST is not re-sent after a thrown %s", async (_label, message) => {
    const { ctx, sent } = setup(() => {
      throw new Error(message);
    });
    await expect(ctx.jobs.get("a").fetch("/charge", { method: "POST", body: "x" })).rejects.toMatchObject({
      code: "not-replayed",
    });
    expect(sent).toHaveLength(1);
  });

  it("a POST answered by the object's connection-lost or unreachable is returned, not re-sent", async () => {
    for (const code of ["connection-lost", "unreachable"]) {
      const { ctx, sent } = setup(() => objectSays(code));
      const response = await ctx.jobs.get("a").fetch("/charge", { method: "POST", body: "x" });
      expect([response.status, response.headers.get(HEADERS.error), sent.length]).toEqual([502, code, 1]);
    }
  });

  it("an idempotent request is re-sent after a lost connection: GET, Idempotency-Key, { idempotent: true }", async () => {
    const lostOnce: Script = (_r, _i, n) => (n === 1 ? lostAfterSend() : new Response("ok"));
    for (const [label, run] of [
      ["GET", (c: ReturnType<typeof setup>["ctx"]) => c.jobs.get("a").fetch("/status")],
      [
        "Idempotency-Key",
        (c: ReturnType<typeof setup>["ctx"]) =>
          c.jobs.get("a").fetch("/charge", { method: "POST", body: "x", headers: { "Idempotency-Key": "k1" } }),
      ],
      [
        "idempotent option",
        (c: ReturnType<typeof setup>["ctx"]) =>
          c.jobs.get("a", { idempotent: true }).fetch("/charge", { method: "PUT", body: "x" }),
      ],
    ] as const) {
      const { ctx, sent } = setup(lostOnce);
      const response = await run(ctx);
      expect([label, await response.text(), sent.length]).toEqual([label, "ok", 2]);
    }
  });

  it("{ idempotent: false } forbids a re-send even for GET", async () => {
    const { ctx, sent } = setup(lostAfterSend);
    await expect(ctx.jobs.get("a", { idempotent: false }).fetch("/")).rejects.toMatchObject({ code: "not-replayed" });
    expect(sent).toHaveLength(1);
  });

  it("signals that prove the request never arrived are retried for a POST", async () => {
    for (const [code, status] of [
      ["starting", 503],
      ["busy", 429],
      ["stopping", 503],
      ["not-listening", 502],
    ] as const) {
      const { ctx, sent } = setup((_r, _i, n) => (n === 1 ? objectSays(code, status) : new Response("ok")));
      const response = await ctx.jobs.get("a").fetch("/charge", { method: "POST", body: "x" });
      expect([code, await response.text(), sent.length]).toEqual([code, "ok", 2]);
    }
  });

  it("a thrown never-delivered platform signal is retried for a POST", async () => {
    const { ctx, sent } = setup((_r, _i, n) => {
      if (n === 1) throw new Error("connect ECONNREFUSED 10.0.0.2:8080: connection refused");
      return new Response("ok");
    });
    expect(await (await ctx.jobs.get("a").fetch("/charge", { method: "POST", body: "x" })).text()).toBe("ok");
    expect(sent).toHaveLength(2);
  });

  it.each([
    ["502 connection refused", 502, "upstream: connect: connection refused"],
    ["503 try again later", 503, "Service temporarily unavailable, try again later"],
    ["plain 429", 429, "slow down"],
    ["503 no container instance", 503, "There is no Container instance available at this time."],
  ])("an app's own %s is passed through, not treated as a cold start", async (_label, status, body) => {
    const { ctx, sent } = setup(() => new Response(body, { status }));
    const response = await ctx.jobs.get("a").fetch("/");
    expect([response.status, await response.text(), sent.length]).toEqual([status, body, 1]);
  });

  it("pool() does not fail a POST over to another instance after a 5xx or a throw: the app may have run it", async () => {
    const five = setup(() => new Response("boom", { status: 500 }));
    const response = await five.ctx.jobs.pool().fetch("/charge", { method: "POST", body: "x" });
    expect([response.status, five.sent.length]).toEqual([500, 1]);

    const thrown = setup(() => {
      throw new Error("Durable Object exceeded its memory limit");
    });
    await expect(thrown.ctx.jobs.pool().fetch("/charge", { method: "POST", body: "x" })).rejects.toMatchObject({
      code: "not-replayed",
    });
    expect(thrown.sent).toHaveLength(1);
  });

  it("pool() fails a POST over when the caller opts in, and a GET by default", async () => {
    const failOnce: Script = (_r, _i, n) => (n === 1 ? new Response("boom", { status: 500 }) : new Response("ok"));
    const optIn = setup(failOnce);
    const opted = await optIn.ctx.jobs.pool({ idempotent: true }).fetch("/charge", { method: "POST", body: "x" });
    expect([await opted.text(), optIn.sent.length]).toEqual(["ok", 2]);
    expect(optIn.sent[0]?.instance).not.toBe(optIn.sent[1]?.instance);

    const get = setup(failOnce);
    expect(await (await get.ctx.jobs.pool().fetch("/")).text()).toBe("ok");
    expect(get.sent).toHaveLength(2);
  });

  it("pool() moves a POST to another instance when the object says busy", async () => {
    const { ctx, sent } = setup((_r, _i, n) => (n === 1 ? objectSays("busy", 503) : new Response("ok")));
    const response = await ctx.jobs.pool().fetch("/charge", { method: "POST", body: "x" });
    expect(await response.text()).toBe("ok");
    expect(sent[0]?.instance).not.toBe(sent[1]?.instance);
  });

  it("a custom retryOn cannot re-send a POST after an app 5xx", async () => {
    const { ctx, sent } = setup(() => new Response("boom", { status: 500 }));
    await ctx.jobs.pool({ retryOn: () => true }).fetch("/charge", { method: "POST", body: "x" });
    expect(sent).toHaveLength(1);
  });
});

describe("routing outsiders cannot steer", () => {
  it("a forwarded public request cannot pick the port or rename the instance", async () => {
    const { ctx, sent } = setup(() => new Response("ok"));
    const publicRequest = new Request("https://app.example.com/x", {
      headers: {
        "cf-container-target-port": "22",
        "moorage-instance": "admin",
        "moorage-port": "2375",
        "moorage-error": "starting",
        "x-app": "kept",
      },
    });
    await ctx.jobs.get("tenant-1").fetch(publicRequest);
    await ctx.jobs.get("tenant-1").port(9090).fetch(publicRequest.clone());
    const [plain, ported] = sent.map((s) => s.request.headers);
    expect(plain?.get("cf-container-target-port")).toBeNull();
    expect(plain?.get("moorage-port")).toBeNull();
    expect(plain?.get("moorage-error")).toBeNull();
    expect(decodeInstanceName(plain?.get("moorage-instance"))).toBe("tenant-1");
    expect(plain?.get("x-app")).toBe("kept");
    expect([ported?.get("moorage-port"), ported?.get("cf-container-target-port")]).toEqual(["9090", null]);
  });

  it("routing headers in init are stripped too, for string inputs and on every attempt", async () => {
    const { ctx, sent } = setup((_r, _i, n) => (n === 1 ? objectSays("starting", 503) : new Response("ok")));
    await ctx.jobs.get("a").fetch("/", { headers: { "CF-Container-Target-Port": "22", "Moorage-Instance": "b" } });
    expect(sent).toHaveLength(2);
    for (const s of sent) {
      expect(s.request.headers.get("cf-container-target-port")).toBeNull();
      expect(s.request.headers.get("moorage-instance")).toBe("a");
    }
  });
});

describe("each id is exactly one object and one identity", () => {
  it("get(' alice') reaches its own object and travels untrimmed", async () => {
    const { ctx, sent, names } = setup(() => new Response("ok"));
    await ctx.jobs.get(" alice").fetch("/");
    await ctx.jobs.get("alice").fetch("/");
    expect(names).toEqual([" alice", "alice"]);
    const travelled = sent.map((s) => decodeInstanceName(s.request.headers.get(HEADERS.instanceName)));
    expect(travelled).toEqual([" alice", "alice"]);
  });

  it("an id outside Latin-1 can be fetched, and the response names it", async () => {
    const { ctx, sent } = setup(() => new Response("ok"));
    const response = await ctx.jobs.get("用户-✓").fetch("/");
    expect(response.status).toBe(200);
    expect(decodeInstanceName(sent[0]?.request.headers.get(HEADERS.instanceName))).toBe("用户-✓");
    expect(decodeInstanceName(response.headers.get(HEADERS.instanceName))).toBe("用户-✓");
  });

  it("get('pool-1') is not a pool instance, and the pool's namespace is out of get()'s reach", async () => {
    const { ctx, names } = setup(() => new Response("ok"));
    await ctx.jobs.get("pool-1").fetch("/");
    for (let i = 0; i < 8; i++) await ctx.jobs.any().fetch("/");
    const poolNames = new Set(names.slice(1));
    expect(poolNames.has("pool-1")).toBe(false);
    for (const name of poolNames) expect(name).toMatch(/^moorage:pool:[0-3]$/);
    expect(() => ctx.jobs.get("moorage:pool:1")).toThrow(/reserved for Moorage's own instances/);
    expect(() => ctx.jobs.get("moorage:pool:1")).toThrow(expect.objectContaining({ code: "invalid-id" }));
    expect(() => ctx.jobs.get("")).toThrow(/must not be empty/);
  });
});
