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

/** A response that only arrives when the request is aborted (then it rejects), or never. */
function hang(request: Request): Promise<Response> {
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

  it("says why poolState() cannot answer when the objects are not Moorage's", async () => {
    const t = setup(() => new Response("ok"), { instances: { min: 1, max: 3, scaleWindowSeconds: 10 } });
    await expect(t.api.poolState()).rejects.toThrow(/poolState\(\) needs a declared pool/);
  });
});
