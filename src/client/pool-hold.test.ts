/**
 * The pool's activator with a manual clock: which instance a call goes to, when it is held instead, what wakes
 * it, when it goes to a cold instance after all, and what it starts in the background. Decisions only: time moves
 * when the test says so, and nothing asserts a duration.
 */
import { describe, expect, it } from "vitest";
import { poolInstanceName } from "../definition/naming.js";
import { HEADERS } from "../protocol.js";
import { manualClock } from "./__fixtures__/manual-clock.js";
import {
  DEFAULT_COLD_START_MS,
  FULL_RECHECK_MS,
  HOLD_FLOOR_MS,
  HOLD_QUEUE_MAX,
  type HoldHost,
  PoolHold,
} from "./pool-hold.js";
import type { PoolState } from "./pool-scaling.js";

const name = poolInstanceName;
const ok = (headers: Record<string, string> = {}) => ({ response: new Response("ok", { headers }) });
const busy = () => ({ response: new Response("{}", { status: 503, headers: { [HEADERS.error]: "busy" } }) });
const starting = () => ({ response: new Response("{}", { status: 503, headers: { [HEADERS.error]: "starting" } }) });

function stateWith(serving: number[], size = 4): PoolState {
  return {
    desired: 1,
    panic: false,
    stableConcurrency: 0,
    panicConcurrency: 0,
    min: 1,
    max: size,
    target: 4,
    inflight: 0,
    held: 0,
    running: serving.length,
    serving: serving.length,
    instances: serving.map((index) => ({ index, inflight: 0, running: true, serving: true, at: 1_000 })),
    at: 1_000,
  };
}

function setup(options: { size?: number; limit?: number; active?: number; serving?: number[] } = {}) {
  const time = manualClock(1_000);
  const warmed: number[] = [];
  const warmups = new Map<number, { resolve: () => void; reject: (e: unknown) => void }>();
  const heldCounts: number[] = [];
  let active = options.active ?? 1;
  const host: HoldHost = {
    size: options.size ?? 4,
    limit: "limit" in options ? options.limit : 2,
    target: Math.min(2, options.limit ?? 2),
    clock: time.clock,
    random: () => 0,
    active: () => active,
    cost: () => 1,
    warm: (index) => {
      warmed.push(index);
      return new Promise<void>((resolve, reject) => warmups.set(index, { resolve, reject }));
    },
    heldChanged: (held) => heldCounts.push(held),
  };
  const hold = new PoolHold(host);
  hold.learn(stateWith(options.serving ?? [0], host.size));
  return {
    ...time,
    hold,
    warmed,
    heldCounts,
    setActive: (n: number) => {
      active = n;
    },
    finishWarmup: async (index: number) => {
      warmups.get(index)?.resolve();
      await time.flush();
    },
  };
}

/** A call that picks synchronously: its instance. */
function sendNow(t: ReturnType<typeof setup>, tried: number[] = []) {
  const call = t.hold.begin();
  const picked = call.pick(tried);
  if (typeof picked !== "string") throw new Error(`expected an instance at once, got ${String(picked)}`);
  return { call, instance: picked };
}

describe("PoolHold: where a call goes", () => {
  it("sends to a serving instance with a free slot at once, never to a routed instance still cold", () => {
    const t = setup({ serving: [0], active: 4, limit: 4 });
    for (let i = 0; i < 4; i++) expect(sendNow(t).instance).toBe(name(0));
    // Nothing was held, and no warm-up was needed: instance 0 still has room.
    expect(t.hold.held).toBe(0);
    expect(t.warmed).toEqual([]);
  });

  it("has no opinion while no instance is known to serve (a cold pool: the send loop chooses)", () => {
    const t = setup({ serving: [] });
    expect(t.hold.begin().pick([])).toBeUndefined();
    expect(t.hold.held).toBe(0);
  });

  it("never gives one instance more than its limit from this isolate", () => {
    const t = setup({ serving: [0, 1], active: 2, limit: 2 });
    const sent = Array.from({ length: 4 }, () => sendNow(t).instance);
    expect(sent.filter((i) => i === name(0))).toHaveLength(2);
    expect(sent.filter((i) => i === name(1))).toHaveLength(2);
    const fifth = t.hold.begin().pick([]);
    expect(fifth).toBeInstanceOf(Promise);
  });

  it("uses a serving instance beyond the routed ones before holding", () => {
    const t = setup({ serving: [0, 3], active: 1, limit: 1 });
    expect(sendNow(t).instance).toBe(name(0));
    expect(sendNow(t).instance).toBe(name(3));
  });
});

describe("PoolHold: holding while every serving instance is at its limit", () => {
  it("holds the excess, warms up the instances the demand asks for, and sends held calls as slots free, oldest first", async () => {
    const t = setup({ serving: [0], active: 1, limit: 2 });
    const first = sendNow(t);
    sendNow(t);
    const order: string[] = [];
    const a = t.hold.begin().pick([]) as Promise<string | undefined>;
    const b = t.hold.begin().pick([]) as Promise<string | undefined>;
    void a.then((i) => order.push(`a:${i}`));
    void b.then((i) => order.push(`b:${i}`));
    await t.flush();
    expect(t.hold.held).toBe(2);
    expect(t.heldCounts.at(-1)).toBe(2);
    // 2 in flight + 2 held at a target of 2: instance 1 is started in the background, no user request sent there.
    expect(t.warmed).toEqual([1]);
    expect(order).toEqual([]);
    // One call at instance 0 ends: its slot goes to the oldest held call.
    first.call.settled(first.instance, ok());
    await t.flush();
    expect(order).toEqual([`a:${name(0)}`]);
    expect(t.hold.held).toBe(1);
    // The warm-up finishes: instance 1 serves, and the other held call goes there.
    await t.finishWarmup(1);
    expect(order).toEqual([`a:${name(0)}`, `b:${name(1)}`]);
    expect(t.hold.held).toBe(0);
    expect(t.heldCounts.at(-1)).toBe(0);
  });

  it("sends a call held longer than the cold-start estimate to the instance being started", async () => {
    const t = setup({ serving: [0], active: 1, limit: 1 });
    sendNow(t);
    const call = t.hold.begin();
    const picked = call.pick([]) as Promise<string | undefined>;
    let got: string | undefined;
    void picked.then((i) => {
      got = i;
    });
    expect(t.warmed).toEqual([1]);
    await t.advance(DEFAULT_COLD_START_MS - 1);
    expect(got).toBeUndefined();
    await t.advance(1);
    expect(got).toBe(name(1));
    expect(call.heldMs).toBe(DEFAULT_COLD_START_MS);
    expect(call.holding).toBe(false);
  });

  it("learns the cold-start estimate from answers, within its floor", async () => {
    const t = setup({ serving: [0], active: 1, limit: 1 });
    const cold = sendNow(t);
    cold.call.settled(cold.instance, ok({ [HEADERS.coldStartMs]: "40" }));
    expect(t.hold.holdBoundMs).toBe(HOLD_FLOOR_MS);
  });

  it("reads the cold-start estimate again when a held call is due: a slower start seen meanwhile keeps it waiting", async () => {
    const t = setup({ serving: [0], active: 1, limit: 1, size: 3 });
    const running = sendNow(t);
    const got: (string | undefined)[] = [];
    const second = t.hold.begin();
    void (t.hold.begin().pick([]) as Promise<string | undefined>).then((i) => got.push(`first:${i}`));
    void (second.pick([]) as Promise<string | undefined>).then((i) => got.push(`second:${i}`));
    await t.advance(1_000);
    // Instance 0's call answers after waiting 4 s for its container: starts are slow here. Its slot goes to the
    // oldest held call; the other one, due at the default estimate, now waits for the new one.
    running.call.settled(running.instance, ok({ [HEADERS.coldStartMs]: "4000" }));
    await t.flush();
    expect(got).toEqual([`first:${name(0)}`]);
    await t.advance(DEFAULT_COLD_START_MS - 1_000);
    expect(got).toHaveLength(1);
    expect(second.holding).toBe(true);
    await t.advance(4_000 - DEFAULT_COLD_START_MS);
    expect(got).toEqual([`first:${name(0)}`, `second:${name(1)}`]);
  });

  it("takes a busy refusal as a full instance, tried again once the mark ages out", async () => {
    const t = setup({ serving: [0], active: 1, limit: 6 });
    const refused = sendNow(t);
    // Another isolate filled instance 0: the object refused this one unseen.
    refused.call.settled(refused.instance, busy());
    let got: string | undefined;
    void (refused.call.pick([]) as Promise<string | undefined>).then((i) => {
      got = i;
    });
    await t.advance(FULL_RECHECK_MS - 1);
    expect(got).toBeUndefined();
    await t.advance(1);
    expect(got).toBe(name(0));
  });

  it("learns from a coordinator read that an instance serves, and sends held calls to it", async () => {
    const t = setup({ serving: [0], active: 2, limit: 1 });
    sendNow(t);
    let got: string | undefined;
    void (t.hold.begin().pick([]) as Promise<string | undefined>).then((i) => {
      got = i;
    });
    await t.flush();
    const later = stateWith([0, 1]);
    later.instances = later.instances.map((i) => ({ ...i, at: 2_000 }));
    t.hold.learn(later);
    await t.flush();
    expect(got).toBe(name(1));
  });

  it("does not hold a retry whose only serving instance already failed it (no slot to wait for)", () => {
    const t = setup({ serving: [0], active: 1, limit: 2 });
    // The call tried instance 0 (a 500, say); holding cannot help: the send loop moves on as before.
    expect(t.hold.begin().pick([0])).toBeUndefined();
  });

  it("marks an instance that answers `starting` as not serving", () => {
    const t = setup({ serving: [0, 1], active: 2, limit: 4 });
    const first = sendNow(t);
    first.call.settled(first.instance, starting());
    expect(t.hold.serving(0)).toBe(false);
    expect(sendNow(t).instance).toBe(name(1));
  });

  it("stops holding an aborted call: it rejects with the reason and leaves the queue", async () => {
    const t = setup({ serving: [0], active: 1, limit: 1 });
    sendNow(t);
    const abort = new AbortController();
    const picked = t.hold.begin().pick([], abort.signal) as Promise<string | undefined>;
    expect(t.hold.held).toBe(1);
    abort.abort(new Error("caller went away"));
    await expect(picked).rejects.toThrow("caller went away");
    expect(t.hold.held).toBe(0);
  });

  it("holds at most HOLD_QUEUE_MAX calls; the next one goes on at once (to a cold instance)", async () => {
    const t = setup({ serving: [0], active: 1, limit: 1, size: 2 });
    sendNow(t);
    for (let i = 0; i < HOLD_QUEUE_MAX; i++) void t.hold.begin().pick([]);
    expect(t.hold.held).toBe(HOLD_QUEUE_MAX);
    expect(t.hold.begin().pick([])).toBe(name(1));
  });
});
