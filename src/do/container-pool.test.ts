/**
 * The object's side of pools, on the fake ctx.container: the hard concurrency limit (a `busy` refusal before the
 * app sees anything, exact because the object counts from arrival to body end) and the coordinator RPCs.
 */
import { describe, expect, it } from "vitest";
import { bindingName, poolInstanceName } from "../definition/naming.js";
import { POOL_COORDINATOR_INSTANCE } from "../definition/pool.js";
import type { ContainerDefinition } from "../definition/types.js";
import { HEADERS } from "../protocol.js";
import { MoorageContainer } from "./container.js";
import { createFakeContext, FakeContainer, FakeStorage, testDefinition } from "./testing/fake-context.js";

class ApiContainer extends MoorageContainer {}

function build(overrides: Partial<ContainerDefinition>, app: (request: Request) => Promise<Response>, name?: string) {
  const container = new FakeContainer({ app });
  const fake = createFakeContext({ container, storage: new FakeStorage() });
  const object = new ApiContainer(fake.ctx, {}, testDefinition(overrides), "api");
  object.lifecycleSink = () => {};
  object.readyPollIntervalMs = 10;
  return { object, name: name ?? "tenant-1" };
}

function request(instance: string, path = "/work"): Request {
  return new Request(`https://container${path}`, { headers: { [HEADERS.instanceName]: encodeURIComponent(instance) } });
}

describe("concurrency.limit in the object", () => {
  it("never lets the app see more than limit requests; the one over it is refused busy, unseen", async () => {
    let inflight = 0;
    let peak = 0;
    let seen = 0;
    const gates: (() => void)[] = [];
    const { object } = build({ concurrency: { target: 2, limit: 2 } }, async () => {
      seen++;
      inflight++;
      peak = Math.max(peak, inflight);
      await new Promise<void>((resolve) => gates.push(resolve));
      inflight--;
      return new Response("done");
    });
    const first = object.fetch(request("tenant-1"));
    const second = object.fetch(request("tenant-1"));
    // Let both reach the app.
    for (let i = 0; i < 50 && seen < 2; i++) await new Promise((r) => setTimeout(r, 10));
    const third = await object.fetch(request("tenant-1"));
    expect(third.status).toBe(503);
    expect(third.headers.get(HEADERS.error)).toBe("busy");
    expect(seen).toBe(2);
    for (const open of gates.splice(0)) open();
    const answers = await Promise.all([first, second]);
    await Promise.all(answers.map((r) => r.text()));
    // With the bodies done the slots are free again.
    const fourth = object.fetch(request("tenant-1"));
    for (let i = 0; i < 50 && gates.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    for (const open of gates.splice(0)) open();
    expect((await fourth).status).toBe(200);
    expect(peak).toBe(2);
    expect(seen).toBe(3);
  });
});

describe("the coordinator RPCs", () => {
  it("answer the pool's state on the coordinator instance", async () => {
    const { object } = build({ instances: { min: 0, max: 3, scaleWindowSeconds: 10 } }, async () => new Response());
    await object.mooragePoolReport(
      { index: 1, inflight: 5, running: true, at: Date.now() },
      {
        min: 0,
        max: 3,
        target: 100,
        windowMs: 10_000,
      },
    );
    const state = await object.mooragePoolState({ min: 0, max: 3, target: 100, windowMs: 10_000 });
    expect(state).toMatchObject({ inflight: 5, running: 1, max: 3 });
    expect(state.instances).toEqual([expect.objectContaining({ index: 1, inflight: 5 })]);
    expect(poolInstanceName(1)).not.toBe(POOL_COORDINATOR_INSTANCE);
  });
});

describe("a pool instance's reports", () => {
  it("says serving once its start is done: the report of a start never says starting", async () => {
    const reports: { inflight: number; running: boolean; serving?: boolean }[] = [];
    const env = {
      [bindingName("api")]: {
        idFromName: (name: string) => ({ name }),
        get: () => ({
          mooragePoolReport: async (report: { inflight: number; running: boolean; serving?: boolean }) => {
            reports.push(report);
          },
          start: async () => {},
        }),
      },
    };
    const container = new FakeContainer({ app: async () => new Response("ok") });
    const fake = createFakeContext({ container, storage: new FakeStorage(), name: poolInstanceName(0) });
    const object = new ApiContainer(
      fake.ctx,
      env,
      testDefinition({ instances: { min: 0, max: 3, scaleWindowSeconds: 10 } }),
      "api",
    );
    object.lifecycleSink = () => {};
    object.readyPollIntervalMs = 10;
    // A warm-up: the start() an isolate or the coordinator sends, no request.
    await object.start({ instance: poolInstanceName(0) });
    for (let i = 0; i < 20; i++) await new Promise((r) => setTimeout(r, 5));
    expect(reports.at(-1)).toMatchObject({ running: true, serving: true, inflight: 0 });
  });
});
