/**
 * Start failures as the caller reads them: a run that exits before its port opens says its exit code, and a
 * platform message that fails every start stops being `starting` once the budget is spent (a fake clock: `now`).
 */
import { describe, expect, it } from "vitest";
import { HEADERS } from "../protocol.js";
import { MoorageContainer } from "./container.js";
import { ObjectError } from "./errors.js";
import { TransientStartWatch } from "./start-failure.js";
import { createFakeContext, FakeContainer, FakeStorage, testDefinition } from "./testing/fake-context.js";

class AppContainer extends MoorageContainer {}

describe("a run that exits before its port opens", () => {
  it("fails start-failed with its exit code, not only 'exited before port opened'", async () => {
    const container = new FakeContainer({ listenAfterMs: 60_000 });
    const fake = createFakeContext({ container, storage: new FakeStorage() });
    const object = new AppContainer(fake.ctx, {}, testDefinition({ requiredPorts: [8080] }), "app");
    object.lifecycleSink = () => {};
    setTimeout(() => container.exit({ code: 3 }), 50);
    const response = await object.fetch(
      new Request("https://container/", { headers: { [HEADERS.instanceName]: "crashy" } }),
    );
    expect(response.headers.get(HEADERS.error)).toBe("start-failed");
    const body = (await response.json()) as { message: string };
    expect(body.message).toContain("exited with code 3");
    expect(body.message).toContain("port 8080");
  });
});

describe("TransientStartWatch", () => {
  const transient = () => new ObjectError("starting", "moorage: x is still starting: Network connection lost.");
  const platform = new Error("Network connection lost.");

  it("keeps `starting` within the budget and says start-failed, naming the message and the fix, after it", () => {
    const watch = new TransientStartWatch(10_000);
    expect(watch.judge(transient(), platform, "x", 1_000).code).toBe("starting");
    expect(watch.judge(transient(), platform, "x", 6_000).code).toBe("starting");
    const verdict = watch.judge(transient(), platform, "x", 11_500);
    expect(verdict.code).toBe("start-failed");
    expect(verdict.message).toContain('"Network connection lost."');
    expect(verdict.message).toContain("restart wrangler dev");
  });

  it("starts a new streak after a start served or a quiet gap longer than the budget", () => {
    const watch = new TransientStartWatch(10_000);
    watch.judge(transient(), platform, "x", 0);
    watch.served();
    expect(watch.judge(transient(), platform, "x", 10_500).code).toBe("starting");
    expect(watch.judge(transient(), platform, "x", 40_000).code).toBe("starting");
  });

  it("leaves Moorage's own `starting` (a start in flight elsewhere) alone", () => {
    const watch = new TransientStartWatch(10);
    const own = transient();
    watch.judge(own, own, "x", 0);
    expect(watch.judge(own, own, "x", 1_000).code).toBe("starting");
  });
});
