/**
 * The two bridge modes end to end on a fake `ctx.container`, from the container's `createContainerBridge` through
 * the object's interception to the app's RPC endpoint: which identity the function gets in each, that token mode
 * is reachable from a container (a host an outbound handler routes into the Worker's `fetch`) and really checks
 * the token there, and the inspector's `bridge` records (mode, caller, identity, function) under `MOORAGE_INSPECT`.
 * Also the `egress` record's deciding rule. Real containers: test/real/bridge.test.ts and inspector.test.ts.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { api } from "../../test/fixtures/functions/api.js";
import { registry } from "../../test/fixtures/functions/registry.js";
import { createContainerBridge } from "../bridge/client.js";
import { MoorageBridgeError } from "../bridge/errors.js";
import type { ContainerDefinition } from "../definition/types.js";
import { HEADERS } from "../protocol.js";
import { INSPECT_VAR } from "../records.js";
import { bridgeHandler } from "../server/bridge-handler.js";
import { bearerTokenIdentity } from "../server/identity.js";
import { createRpcHandler } from "../server/rpc/handler.js";
import { setBridgeHandler } from "./bridge.js";
import { MoorageContainer } from "./container.js";
import { setOutboundHandlers } from "./outbound.js";
import { createFakeContext, type FakeContainer, testDefinition } from "./testing/fake-context.js";

class RendererContainer extends MoorageContainer {}

const TOKEN = "s3cret-token";
const rpc = createRpcHandler({ functions: registry, resolveIdentity: bearerTokenIdentity(), logger: { error() {} } });
/** The Worker's own `fetch`: the endpoint first, as the README mounts it. */
const worker = async (request: Request, env: unknown) =>
  (await rpc(request, env)) ?? new Response("not found", { status: 404 });

async function started(overrides: Partial<ContainerDefinition> = {}, inspect = true) {
  const env = { MOORAGE_CONTAINER_TOKEN: TOKEN, GREETING: "hi", ...(inspect ? { [INSPECT_VAR]: "1" } : {}) };
  const fake = createFakeContext({ env });
  const object = new RendererContainer(fake.ctx, env, testDefinition(overrides), "renderer");
  object.lifecycleSink = () => {};
  await object.fetch(new Request("http://container/", { headers: { [HEADERS.instanceName]: "doc-7" } }));
  return fake.container;
}

/** The container's outbound `fetch`: through the object's interceptions, as the sidecar hands them to workerd. */
function containerFetch(container: FakeContainer): typeof fetch {
  return (async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    const host = new URL(request.url).hostname;
    const glob = [...container.interceptors.entries()].find(
      ([pattern]) => pattern.startsWith("*.") && host.endsWith(pattern.slice(1)),
    )?.[1];
    const fetcher = container.interceptors.get(host) ?? glob ?? container.interceptors.get("*");
    if (!fetcher) throw new TypeError(`fetch failed: ${host} is not intercepted (the test's internet is off)`);
    return fetcher.fetch(request);
  }) as typeof fetch;
}

/** The Moorage records written to the console since the spy began. */
function records(log: ReturnType<typeof vi.spyOn>, event: string): Array<Record<string, unknown>> {
  return log.mock.calls
    .map((args: unknown[]) => String(args[0]))
    .filter((line: string) => line.startsWith("{") && line.includes('"source":"moorage"'))
    .map((line: string) => JSON.parse(line) as Record<string, unknown>)
    .filter((r: Record<string, unknown>) => r.event === event);
}

afterEach(() => {
  setBridgeHandler(undefined);
  setOutboundHandlers(RendererContainer, undefined);
  vi.restoreAllMocks();
  vi.unstubAllGlobals();
});

describe("zero-config mode", () => {
  it("the function sees the calling container; one bridge record names it, the function and that identity", async () => {
    setBridgeHandler(bridgeHandler(rpc));
    const container = await started();
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    const bridge = createContainerBridge({ baseUrl: "http://moorage.internal", fetch: containerFetch(container) });
    expect(bridge.mode).toBe("zero-config");
    await expect(bridge.mutation(api.jobs.markDone, { id: "doc-7" })).resolves.toMatchObject({
      by: { kind: "container", container: "renderer", instance: "doc-7" },
    });
    expect(records(log, "bridge")).toEqual([
      expect.objectContaining({
        mode: "zero-config",
        container: "renderer",
        instance: "doc-7",
        functionPath: "jobs:markDone",
        identity: "container renderer / doc-7",
        status: 200,
      }),
    ]);
  });
});

describe("zero-config mode, another path", () => {
  it("a call to another path of moorage.internal is answered 404 and still listed", async () => {
    setBridgeHandler(bridgeHandler(rpc));
    const container = await started();
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    const response = await containerFetch(container)("http://moorage.internal/elsewhere", { method: "POST" });
    expect(response.status).toBe(404);
    expect(records(log, "bridge")).toEqual([
      expect.objectContaining({ mode: "zero-config", container: "renderer", path: "/elsewhere", status: 404 }),
    ]);
  });
});

describe("token mode from a container", () => {
  it("a host routed into the Worker's fetch reaches the endpoint, which checks the token", async () => {
    setBridgeHandler(bridgeHandler(rpc));
    setOutboundHandlers(RendererContainer, { byHost: { "app.internal": (request, env) => worker(request, env) } });
    const container = await started({ enableInternet: false });
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    const call = (token?: string) =>
      createContainerBridge({ baseUrl: "http://app.internal", token, fetch: containerFetch(container) });

    const right = call(TOKEN);
    expect(right.mode).toBe("token");
    await expect(right.mutation(api.jobs.markDone, { id: "doc-7" })).resolves.toMatchObject({
      by: { kind: "token", secret: "MOORAGE_CONTAINER_TOKEN" },
    });
    // Checked, not waved through: a wrong or missing token leaves the call anonymous, and the function refuses it.
    for (const token of ["wrong-token", undefined]) {
      const refused = await call(token)
        .mutation(api.jobs.requireContainer)
        .catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(MoorageBridgeError);
      expect((refused as MoorageBridgeError).status).toBe(401);
    }

    const calls = records(log, "bridge");
    expect(calls).toHaveLength(3);
    expect(calls[0]).toMatchObject({
      mode: "token",
      container: "renderer",
      instance: "doc-7",
      via: "app.internal",
      functionPath: "jobs:markDone",
      identity: "token MOORAGE_CONTAINER_TOKEN",
      status: 200,
    });
    expect(calls[1]).toMatchObject({ mode: "token", identity: "anonymous", status: 401 });
    expect(JSON.stringify(calls)).not.toContain(TOKEN);
    // The egress record says which handler key routed the host.
    expect(records(log, "egress")).toContainEqual(
      expect.objectContaining({ host: "app.internal", decision: "handler", pattern: "app.internal" }),
    );
  });

  it("a call from outside any container is a token-mode record without a caller", async () => {
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    const response = await worker(
      new Request("https://app.example.com/_moorage/rpc", {
        method: "POST",
        headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
        body: JSON.stringify({ functionPath: "jobs:whoami", args: {} }),
      }),
      { MOORAGE_CONTAINER_TOKEN: TOKEN, [INSPECT_VAR]: "1" },
    );
    expect(response.status).toBe(200);
    expect(records(log, "bridge")).toEqual([
      expect.objectContaining({
        mode: "token",
        container: "",
        instance: "",
        identity: "token MOORAGE_CONTAINER_TOKEN",
      }),
    ]);
  });

  it("writes no record without MOORAGE_INSPECT", async () => {
    setBridgeHandler(bridgeHandler(rpc));
    const container = await started({}, false);
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    await createContainerBridge({ baseUrl: "http://moorage.internal", fetch: containerFetch(container) }).query(
      api.jobs.whoami,
    );
    expect(records(log, "bridge")).toEqual([]);
  });
});

describe("egress records", () => {
  it("name the list entry that decided a request", async () => {
    const container = await started({
      enableInternet: false,
      allowedHosts: ["partner.media.test", "*.cdn.media.test"],
      deniedHosts: ["evil.cdn.media.test"],
    });
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    const send = containerFetch(container);
    expect((await send("http://evil.cdn.media.test/x")).status).toBe(520);
    // Allowed: it would go out; the test's "internet" answers instead, so nothing leaves the machine.
    vi.stubGlobal("fetch", async () => new Response("from the internet"));
    expect(await (await send("http://img.cdn.media.test/x")).text()).toBe("from the internet");
    expect(records(log, "egress").map(({ host, decision, pattern }) => ({ host, decision, pattern }))).toEqual([
      { host: "evil.cdn.media.test", decision: "denied", pattern: "evil.cdn.media.test" },
      { host: "img.cdn.media.test", decision: "internet", pattern: "*.cdn.media.test" },
    ]);
  });
});
