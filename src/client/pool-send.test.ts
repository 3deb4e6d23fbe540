/**
 * `pool()` end to end in the client, against a hand-rolled namespace and a manual clock: busy refusals move at
 * once, hedges go to another instance only for requests safe to repeat, and a declared pool routes to the instances
 * its scaling view says are active.
 */
import { describe, expect, it } from "vitest";
import { poolInstanceName } from "../definition/naming.js";
import { HEADERS } from "../protocol.js";
import { fakeNamespace, type Script } from "./__fixtures__/fake-namespace.js";
import { manualClock } from "./__fixtures__/manual-clock.js";
import { createContainerContext } from "./context.js";
import { FAILURE_PENALTY_MS, loadFor } from "./load.js";
import { HEDGE_DEFAULTS } from "./pool-hedge.js";
import type { CallEvent, ContainerSpec } from "./types.js";

const busy = () =>
  new Response(JSON.stringify({ error: "busy", message: "over the limit" }), {
    status: 503,
    headers: { [HEADERS.error]: "busy" },
  });

function setup(script: Script, spec: Partial<ContainerSpec> = {}) {
  const fake = fakeNamespace(script);
  const time = manualClock(1_000);
  const calls: CallEvent[] = [];
  const c = createContainerContext(
    { CONTAINER_API: fake.namespace },
    [{ exportName: "api", binding: "CONTAINER_API", maxInstances: 3, ...spec }] as const,
    { clock: time.clock, random: 1, onCall: (e) => calls.push(e) },
  );
  return { ...fake, ...time, api: c.api!, calls };
}

/** A response that never arrives: the request rejects when it is aborted (at once if it already was, like fetch). */
function hang(request: Request): Promise<Response> {
  if (request.signal.aborted) return Promise.reject(request.signal.reason);
  return new Promise((_, reject) => request.signal.addEventListener("abort", () => reject(request.signal.reason)));
}

describe("pool(): busy refusals", () => {
  it("moves a busy refusal to another instance at once, whatever the method, without spending an attempt", async () => {
    const t = setup((_r, instance, n) => (n === 1 ? busy() : new Response(instance)));
    const res = await t.api.pool({ attempts: 1 }).fetch("/jobs", { method: "POST", body: "x" });
    expect(res.status).toBe(200);
    expect(res.headers.get(HEADERS.attempts)).toBe("1");
    expect(res.headers.get(HEADERS.busyMoves)).toBe("1");
    const [refused, served] = t.sent;
    expect(served?.instance).not.toBe(refused?.instance);
    expect(await res.text()).toBe(served?.instance);
    expect(served?.body).toBe("x");
    expect(t.calls).toEqual([expect.objectContaining({ busyMoves: 1, attempts: 1, status: 200 })]);
    // No backoff: nothing slept.
    expect(t.pendingTimers()).toBe(0);
  });

  it("does not count a busy refusal as the instance's failure in the load view", async () => {
    const t = setup((_r, instance, n) => (n === 1 ? busy() : new Response(instance)));
    await t.api.pool({ attempts: 1 }).fetch("/jobs");
    const [refused, served] = t.sent;
    const load = loadFor(t.namespace);
    // Refused at its limit before the app saw the request: as cheap as the instance that answered, not penalized.
    expect(load.latency(refused!.instance, t.clock.now())).toBe(load.latency(served!.instance, t.clock.now()));
    expect(load.cost(refused!.instance, t.clock.now())).toBeLessThan(FAILURE_PENALTY_MS);
  });

  it("tries every instance once when all are busy, then answers with the refusal", async () => {
    const t = setup(() => busy());
    const res = await t.api.pool({ attempts: 1 }).fetch("/jobs");
    expect(res.status).toBe(503);
    expect(res.headers.get(HEADERS.error)).toBe("busy");
    expect(res.headers.get(HEADERS.busyMoves)).toBe("2");
    expect(new Set(t.sent.map((s) => s.instance)).size).toBe(3);
  });
});

describe("pool(): every instance busy", () => {
  it("waits a backoff, then moves across the pool again, and is served once a slot frees", async () => {
    let full = true;
    const t = setup((_r, instance) => (full ? busy() : new Response(instance)));
    const pending = t.api.pool({ attempts: 3 }).fetch("/jobs", { method: "POST", body: "x" });
    await t.flush();
    expect(t.sent).toHaveLength(3);
    full = false;
    await t.advance(500);
    const res = await pending;
    expect(res.status).toBe(200);
    expect(res.headers.get(HEADERS.attempts)).toBe("2");
    expect(res.headers.get(HEADERS.busyMoves)).toBe("2");
  });
});

describe("pool({ hedge })", () => {
  /** Fills the latency window with instant answers, so the hedge delay is the floor. */
  async function warm(t: ReturnType<typeof setup>) {
    for (let i = 0; i < HEDGE_DEFAULTS.minSamples; i++) await t.api.pool({ hedge: true }).fetch("/warm");
  }

  it("sends a hedge to another instance after the delay; the hedge wins and the slow attempt is cancelled", async () => {
    let slow: Request | undefined;
    const t = setup((request, instance) => {
      if (new URL(request.url).pathname === "/warm") return new Response("ok");
      if (!slow) {
        slow = request;
        return hang(request);
      }
      return new Response(`fast from ${instance}`);
    });
    await warm(t);
    const before = t.sent.length;
    const pending = t.api.pool({ hedge: true }).fetch("/report");
    await t.flush();
    expect(t.sent.length - before).toBe(1);
    await t.advance(10);
    const res = await pending;
    expect(res.headers.get(HEADERS.hedged)).toBe("hedge");
    const [first, second] = t.sent.slice(before);
    expect(second?.instance).not.toBe(first?.instance);
    expect(await res.text()).toBe(`fast from ${second?.instance}`);
    expect(slow?.signal.aborted).toBe(true);
    expect(t.calls.at(-1)).toMatchObject({ hedge: "hedge", status: 200 });
    // The cancelled attempt is over: it is not sent on to a third instance.
    await t.advance(1_000);
    expect(t.sent.length - before).toBe(2);
  });

  it("does not treat a hedge that lost the race as a failing instance: the next call still goes to it", async () => {
    // Two instances. The first attempt answers 5 ms after the hedge was sent, so the hedge is aborted unanswered.
    // The hedge's instance did nothing wrong; it must not be avoided afterwards (it was penalized as a failure,
    // 1 s of latency, so pool() herded onto the others and even preferred a slow instance over it).
    let release: ((r: Response) => void) | undefined;
    let reports = 0;
    const t = setup(
      (request, instance) => {
        const path = new URL(request.url).pathname;
        if (path !== "/report") return new Response(instance);
        if (++reports === 1)
          return new Promise<Response>((resolve) => {
            release = resolve;
          });
        return hang(request);
      },
      { maxInstances: 2 },
    );
    await warm(t);
    const before = t.sent.length;
    const pending = t.api.pool({ hedge: true }).fetch("/report");
    await t.advance(10);
    expect(t.sent.length - before).toBe(2);
    const [first, hedge] = t.sent.slice(before);
    await t.advance(5);
    release?.(new Response("first"));
    const res = await pending;
    expect(res.headers.get(HEADERS.hedged)).toBe("first");
    await t.flush();
    const next = await t.api.pool().fetch("/next");
    // The first attempt's instance just took 15 ms; the hedge's was cancelled after 5 ms: the hedge's is cheaper.
    expect(await next.text()).toBe(hedge?.instance);
    expect(hedge?.instance).not.toBe(first?.instance);
  });

  it("does not treat a call its caller aborted as a failure of the instance", async () => {
    let clock: ReturnType<typeof manualClock>["clock"] | undefined;
    const t = setup(
      (request, instance) => {
        const path = new URL(request.url).pathname;
        if (path === "/hang") return hang(request);
        if (path === "/slow") return clock!.sleep(20).then(() => new Response(instance));
        return new Response(instance);
      },
      { maxInstances: 2 },
    );
    clock = t.clock;
    // Both instances answer at once; then the caller of one call gives up after 5 ms.
    await t.api.pool().fetch("/a");
    await t.api.pool().fetch("/b");
    const caller = new AbortController();
    const aborted = t.api.pool().fetch("/hang", { signal: caller.signal });
    await t.advance(5);
    caller.abort(new Error("the caller went away"));
    await expect(aborted).rejects.toThrow();
    const victim = t.sent.at(-1)?.instance;
    // An aborted call is never sent again (it was: the retry decision used whether the signal was aborted when the
    // attempt began, so the abort of a call in flight sent it to another instance, which failed and was penalized).
    expect(t.sent.filter((s) => new URL(s.request.url).pathname === "/hang")).toHaveLength(1);
    // Two calls of 20 ms each: the first goes to the other instance (0 ms so far), the second to the one whose
    // call was aborted (5 ms at most, not the 1 s penalty of a failure).
    const served: string[] = [];
    for (let i = 0; i < 2; i++) {
      const p = t.api.pool().fetch("/slow");
      await t.advance(20);
      served.push(await (await p).text());
    }
    expect(served).toContain(victim);
  });

  it("never hedges a POST without an idempotency mark, however slow", async () => {
    let release: ((r: Response) => void) | undefined;
    const t = setup((request) =>
      new URL(request.url).pathname === "/warm"
        ? new Response("ok")
        : new Promise<Response>((resolve) => {
            release = resolve;
          }),
    );
    await warm(t);
    const before = t.sent.length;
    const pending = t.api.pool({ hedge: true }).fetch("/charge", { method: "POST", body: "card" });
    await t.advance(5_000);
    expect(t.sent.length - before).toBe(1);
    release?.(new Response("charged once"));
    const res = await pending;
    expect(res.headers.has(HEADERS.hedged)).toBe(false);
    expect(await res.text()).toBe("charged once");
  });

  it("hedges a POST that carries an Idempotency-Key", async () => {
    let first = true;
    const t = setup((request) => {
      if (new URL(request.url).pathname === "/warm") return new Response("ok");
      if (first) {
        first = false;
        return hang(request);
      }
      return new Response("done");
    });
    await warm(t);
    const pending = t.api
      .pool({ hedge: true })
      .fetch("/charge", { method: "POST", body: "card", headers: { "Idempotency-Key": "k-1" } });
    await t.advance(10);
    expect((await pending).headers.get(HEADERS.hedged)).toBe("hedge");
  });

  it("rejects a bad hedge option naming it", () => {
    const t = setup(() => new Response("ok"));
    expect(() => t.api.pool({ hedge: { quantile: 2 } })).toThrow(/hedge\.quantile must be between 0 and 1/);
  });
});

describe("pool() on a declared pool", () => {
  it("routes to the instances its scaling view says are active: one, with no load and no coordinator", async () => {
    const t = setup(() => new Response("ok"), {
      maxInstances: 3,
      instances: { min: 1, max: 3, scaleWindowSeconds: 10 },
      concurrency: { target: 4 },
    });
    for (let i = 0; i < 10; i++) expect((await t.api.pool().fetch("/x")).status).toBe(200);
    expect(new Set(t.sent.map((s) => s.instance))).toEqual(new Set([poolInstanceName(0)]));
  });

  it("poolView() says how many instances this isolate routes to, and names the fix on an undeclared pool", async () => {
    const t = setup(() => new Response("ok"), {
      maxInstances: 3,
      instances: { min: 1, max: 3, scaleWindowSeconds: 10 },
      concurrency: { target: 4 },
    });
    await t.api.pool().fetch("/x");
    expect(t.api.poolView()).toMatchObject({ active: 1, local: 1, inflight: 0 });
    const undeclared = setup(() => new Response("ok"));
    expect(() => undeclared.api.poolView()).toThrow(/poolView\(\) needs a declared pool/);
  });

  it("says why poolState() cannot answer when the objects are not Moorage's", async () => {
    const t = setup(() => new Response("ok"), { instances: { min: 1, max: 3, scaleWindowSeconds: 10 } });
    await expect(t.api.poolState()).rejects.toThrow(/poolState\(\) needs a declared pool/);
  });
});

describe("pool() on a declared pool with a limit: a burst above capacity is held, not sent cold", () => {
  it("holds the excess while the serving instance frees slots, warms the cold ones in the background, loses nothing", async () => {
    const fake = fakeNamespace((request, instance) => {
      if (new URL(request.url).pathname === "/warm") return new Response("ok");
      return new Promise<Response>((resolve) => finish.push(() => resolve(new Response(`ran on ${instance}`))));
    });
    const finish: (() => void)[] = [];
    const starts: string[] = [];
    // Warm-ups stay pending: the cold instances take longer to start than instance 0 takes to free its slots.
    const namespace = {
      idFromName: (n: string) => fake.namespace.idFromName(n),
      get: (id: { name: string }) => ({
        ...fake.namespace.get(id),
        start: () => {
          starts.push(id.name);
          return new Promise<void>(() => {});
        },
      }),
    };
    const time = manualClock(1_000);
    const calls: CallEvent[] = [];
    const c = createContainerContext(
      { CONTAINER_API: namespace },
      [
        {
          exportName: "api",
          binding: "CONTAINER_API",
          maxInstances: 3,
          instances: { min: 1, max: 3, scaleWindowSeconds: 10 },
          concurrency: { target: 2, limit: 2 },
        },
      ] as const,
      { clock: time.clock, random: 1, onCall: (e) => calls.push(e) },
    );
    const api = c.api!;
    // Instance 0 answers: this isolate knows it serves.
    expect((await api.pool().fetch("/warm")).status).toBe(200);
    const jobs = () => fake.sent.filter((s) => new URL(s.request.url).pathname === "/job");

    const burst = Array.from({ length: 5 }, (_, i) =>
      api.pool({ attempts: 1 }).fetch(`/job?id=${i}`, { method: "POST", body: String(i) }),
    );
    await time.flush();
    // Instance 0's two slots are used; the other three calls are held: none went to a cold instance.
    expect(jobs().map((s) => s.instance)).toEqual([poolInstanceName(0), poolInstanceName(0)]);
    // The instances the demand asks for are started in the background (start(), not a user's request).
    expect(new Set(starts)).toEqual(new Set([poolInstanceName(1), poolInstanceName(2)]));

    // Each slot that frees at instance 0 goes to the oldest held call.
    for (let served = 2; served < 5; served++) {
      finish.shift()?.();
      await time.flush();
      expect(jobs()).toHaveLength(served + 1);
      expect(jobs().at(-1)?.instance).toBe(poolInstanceName(0));
    }
    while (finish.length > 0) {
      finish.shift()?.();
      await time.flush();
    }
    const answers = await Promise.all(burst);
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
    // Every job ran once, in the app, on the serving instance; the held ones say so.
    expect(
      jobs()
        .map((s) => s.body)
        .sort(),
    ).toEqual(["0", "1", "2", "3", "4"]);
    expect(answers.filter((a) => a.headers.has(HEADERS.heldMs))).toHaveLength(3);
    expect(answers.some((a) => a.headers.has(HEADERS.busyMoves))).toBe(false);
    expect(calls.filter((e) => e.heldMs !== undefined)).toHaveLength(3);
  });
});
