import { describe, expect, it } from "vitest";
import { normalizeContainer } from "../definition/define.js";
import { poolInstanceName } from "../definition/naming.js";
import { POOL_COORDINATOR_INSTANCE } from "../definition/pool.js";
import type { ContainerConfig } from "../definition/types.js";
import { HEADERS } from "../protocol.js";
import { PoolMember } from "./pool-member.js";

function world(extra: Partial<ContainerConfig>, instance: string) {
  const definition = normalizeContainer({ image: "./c", ...extra } as ContainerConfig, "api");
  const calls: { instance: string; method: string; args: unknown[] }[] = [];
  const background: Promise<unknown>[] = [];
  let inflight = 0;
  const namespace = {
    idFromName: (name: string) => ({ name }),
    get: (id: { name: string }) => ({
      start: async (...args: unknown[]) => {
        calls.push({ instance: id.name, method: "start", args });
      },
      mooragePoolReport: async (...args: unknown[]) => {
        calls.push({ instance: id.name, method: "mooragePoolReport", args });
      },
    }),
  };
  const member = new PoolMember({
    exportName: "api",
    definition,
    env: { CONTAINER_API: namespace },
    waitUntil: (p) => background.push(p),
    instance: () => instance,
    inflight: () => inflight,
    running: () => true,
  });
  return {
    member,
    calls,
    settle: () => Promise.all(background),
    setInflight: (n: number) => {
      inflight = n;
    },
  };
}

describe("PoolMember", () => {
  it("refuses with busy once limit requests are in flight, before the app sees anything", async () => {
    const w = world({ concurrency: { limit: 2 } }, "tenant-1");
    w.setInflight(1);
    expect(w.member.admit("x")).toBeUndefined();
    w.setInflight(2);
    const refusal = w.member.admit('container "api" (instance "tenant-1")');
    expect(refusal?.status).toBe(503);
    expect(refusal?.headers.get(HEADERS.error)).toBe("busy");
    expect(await refusal?.json()).toMatchObject({ error: "busy", message: expect.stringContaining("limit (2") });
  });

  it("is disabled for a class without pool fields", () => {
    expect(world({}, "x").member.enabled).toBe(false);
    expect(world({}, "x").member.admit("x")).toBeUndefined();
  });

  it("reports a pool instance's load to the coordinator, off the request's path", async () => {
    const w = world({ instances: { min: 1, max: 3 } }, poolInstanceName(2));
    w.setInflight(3);
    w.member.changed();
    await w.settle();
    expect(w.calls).toEqual([
      {
        instance: POOL_COORDINATOR_INSTANCE,
        method: "mooragePoolReport",
        args: [
          expect.objectContaining({ index: 2, inflight: 3, running: true }),
          { min: 1, max: 3, target: 100, windowMs: 60_000 },
        ],
      },
    ]);
  });

  it("keeps instances below min awake, and only those", () => {
    expect(world({ instances: { min: 2, max: 3 } }, poolInstanceName(1)).member.keepAwake()).toBe(true);
    expect(world({ instances: { min: 2, max: 3 } }, poolInstanceName(2)).member.keepAwake()).toBe(false);
    expect(world({ instances: { min: 2, max: 3 } }, "tenant-1").member.keepAwake()).toBe(false);
  });

  it("as the coordinator, starts the warm min instances when read, and sanitizes the policy it is sent", async () => {
    const w = world({ instances: { min: 2, max: 3 } }, POOL_COORDINATOR_INSTANCE);
    const state = w.member.state({ min: 2, max: 3, target: 100, windowMs: 60_000 });
    expect(state).toMatchObject({ desired: 2, min: 2, max: 3 });
    await w.settle();
    expect(w.calls.filter((c) => c.method === "start").map((c) => c.instance)).toEqual([
      poolInstanceName(0),
      poolInstanceName(1),
    ]);
    const odd = w.member.state({ min: 9, max: -1, target: 0, windowMs: 5 } as never);
    expect(odd).toMatchObject({ min: 2, max: 3, target: 100 });
  });
});
