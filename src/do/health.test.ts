/**
 * A serving run whose port stops answering (`health.ts`), as a client sees it: a draining app's requests reach a
 * new run, a run that keeps running but never answers again is replaced after the grace period, a run whose port
 * comes back serves on, and a request to a port the app never promised does not condemn the run.
 */
import { describe, expect, it } from "vitest";
import { HEADERS } from "../protocol.js";
import { MoorageContainer } from "./container.js";
import type { LifecycleRecord } from "./lifecycle-log.js";
import { createFakeContext, FakeContainer, FakeStorage, testDefinition } from "./testing/fake-context.js";

class AppContainer extends MoorageContainer {}

function build(graceMs = 5_000) {
  const container = new FakeContainer();
  const fake = createFakeContext({ container, storage: new FakeStorage() });
  const object = new AppContainer(fake.ctx, {}, testDefinition({ requiredPorts: [8080] }), "app");
  const logs: LifecycleRecord[] = [];
  object.lifecycleSink = (record) => logs.push(record);
  object.stopGraceMs = graceMs;
  return { object, container, logs };
}

function request(port = 8080): Request {
  return new Request("https://container/work", {
    headers: { [HEADERS.instanceName]: "tenant-1", [HEADERS.port]: String(port) },
  });
}

const later = (ms: number, fn: () => void) => setTimeout(fn, ms);

describe("a serving run that stops answering", () => {
  it("while it drains: the failed request answers once the run has exited, and the next one reaches a new run", async () => {
    const { object, container, logs } = build();
    expect((await object.fetch(request())).status).toBe(200);
    container.stopListening();
    later(100, () => container.exit({ code: 0 }));
    const refused = object.fetch(request());
    // Arrives once the check runs: waits for the verdict instead of meeting the closed port.
    const waiting = new Promise<Response>((resolve) => later(30, () => resolve(object.fetch(request()))));
    const first = await refused;
    expect(first.headers.get(HEADERS.error)).toBe("not-listening");
    expect(container.running).toBe(false);
    const second = await waiting;
    expect(second.status).toBe(200);
    expect(container.startCalls).toHaveLength(2);
    expect(logs.filter((r) => r.event === "stop").map((r) => r.reason)).toEqual(["exit"]);
  });

  it("while it keeps running: it is destroyed after the grace period, the stop says why, and a new run serves", async () => {
    const { object, container, logs } = build(150);
    expect((await object.fetch(request())).status).toBe(200);
    container.stopListening();
    const refused = await object.fetch(request());
    expect(refused.headers.get(HEADERS.error)).toBe("not-listening");
    expect(container.destroyCalls).toBe(1);
    const errors = logs.filter((r) => r.event === "error" && r.code === "unreachable");
    expect(errors).toHaveLength(1);
    expect(String(errors[0]?.message)).toMatch(/stopped answering on port 8080 .* for 150 ms/);
    expect(logs.filter((r) => r.event === "stop").map((r) => r.reason)).toEqual(["unreachable"]);
    const next = await object.fetch(request());
    expect(next.status).toBe(200);
    expect(container.startCalls).toHaveLength(2);
  });

  it("when its port comes back: it serves on without a new start", async () => {
    const { object, container } = build();
    expect((await object.fetch(request())).status).toBe(200);
    container.stopListening();
    later(60, () => container.listen());
    const refused = await object.fetch(request());
    expect(refused.headers.get(HEADERS.error)).toBe("not-listening");
    expect((await object.fetch(request())).status).toBe(200);
    expect(container.startCalls).toHaveLength(1);
    expect(container.destroyCalls).toBe(0);
  });

  it("a request to a port outside requiredPorts fails alone and leaves the run serving", async () => {
    const { object, container, logs } = build(100);
    expect((await object.fetch(request())).status).toBe(200);
    const original = container.getTcpPort.bind(container);
    container.getTcpPort = (port) =>
      port === 9999
        ? ({
            fetch: async () => {
              throw new Error("Container is not listening to port 9999");
            },
          } as unknown as Fetcher)
        : original(port);
    const wrong = await object.fetch(request(9999));
    expect(wrong.headers.get(HEADERS.error)).toBe("not-listening");
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(container.destroyCalls).toBe(0);
    expect(logs.some((r) => r.code === "unreachable")).toBe(false);
    expect((await object.fetch(request())).status).toBe(200);
  });
});
