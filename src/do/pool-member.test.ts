import { afterEach, describe, expect, it, vi } from "vitest";
import { normalizeContainer } from "../definition/define.js";
import { poolInstanceName } from "../definition/naming.js";
import { POOL_COORDINATOR_INSTANCE } from "../definition/pool.js";
import type { ContainerConfig } from "../definition/types.js";
import { HEADERS } from "../protocol.js";
import { REPORT_STALE_MS, START_RETRY_MS } from "./pool-coordinator.js";
import { PoolMember, WARM_CHECK_MS } from "./pool-member.js";

function world(extra: Partial<ContainerConfig>, instance: string) {
  const definition = normalizeContainer({ image: "./c", ...extra } as ContainerConfig, "api");
  const calls: { instance: string; method: string; args: unknown[] }[] = [];
  const background: Promise<unknown>[] = [];
  const alarms: number[] = [];
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
    arm: async (dueAt) => {
      alarms.push(dueAt);
    },
  });
  return {
    member,
    calls,
    alarms,
    starts: () => calls.filter((c) => c.method === "start").map((c) => c.instance),
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

  describe("the warm check on the coordinator's alarm (fake clock)", () => {
    afterEach(() => {
      vi.useRealTimers();
    });
    const policy = { min: 2, max: 3, target: 100, windowMs: 60_000 };

    it("arms the alarm once when first used, and on the alarm starts the min instances it does not know running", async () => {
      vi.useFakeTimers({ now: 1_000_000 });
      const w = world({ instances: { min: 2, max: 3 } }, POOL_COORDINATOR_INSTANCE);
      w.member.state(policy);
      w.member.state(policy);
      await w.settle();
      expect(w.alarms).toEqual([1_000_000 + WARM_CHECK_MS]);
      expect(w.starts()).toEqual([poolInstanceName(0), poolInstanceName(1)]);
      // Instance 0 says it is serving; instance 1 never answers (its container died with its object).
      w.member.report({ index: 0, inflight: 0, running: true, at: Date.now() }, policy);
      vi.setSystemTime(1_000_000 + START_RETRY_MS);
      expect(w.member.onAlarm(Date.now())).toBe(Date.now() + WARM_CHECK_MS);
      await w.settle();
      expect(w.starts()).toEqual([poolInstanceName(0), poolInstanceName(1), poolInstanceName(1)]);
      // A warm instance that stays idle sends no reports: once its report is stale, the check asks it again (a
      // serving instance answers start() with a fresh report).
      vi.setSystemTime(1_000_000 + REPORT_STALE_MS + START_RETRY_MS + 1);
      w.member.onAlarm(Date.now());
      await w.settle();
      expect(w.starts().slice(3)).toEqual([poolInstanceName(0), poolInstanceName(1)]);
    });

    it("a fresh coordinator object (after a restart or deploy) starts the min instances on its first alarm", async () => {
      vi.useFakeTimers({ now: 5_000_000 });
      const w = world({ instances: { min: 2, max: 3 } }, POOL_COORDINATOR_INSTANCE);
      expect(w.member.onAlarm(Date.now())).toBe(5_000_000 + WARM_CHECK_MS);
      await w.settle();
      expect(w.starts()).toEqual([poolInstanceName(0), poolInstanceName(1)]);
      // The alarm handler re-plans the alarm itself: no second arm from the RPC path.
      w.member.state(policy);
      await w.settle();
      expect(w.alarms).toEqual([]);
    });

    it("has nothing due on a pool instance, on a pool without min, or on a class without a pool", async () => {
      expect(world({ instances: { min: 2, max: 3 } }, poolInstanceName(0)).member.onAlarm()).toBeUndefined();
      const noMin = world({ instances: { min: 0, max: 3 } }, POOL_COORDINATOR_INSTANCE);
      expect(noMin.member.onAlarm()).toBeUndefined();
      noMin.member.state({ ...policy, min: 0 });
      await noMin.settle();
      expect(noMin.alarms).toEqual([]);
      expect(world({}, POOL_COORDINATOR_INSTANCE).member.onAlarm()).toBeUndefined();
    });
  });
});
