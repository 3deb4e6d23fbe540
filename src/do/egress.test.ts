/**
 * Egress on a fake `ctx.container`: what each configuration intercepts (the least it needs; intercept-all only
 * for an allow-list gating a container with internet, or a catch-all handler), how intercepted requests are
 * answered (bridge, lists, the app's handlers), and runtime list changes persisting across object restarts.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { ContainerDefinition } from "../definition/types.js";
import { HEADERS } from "../protocol.js";
import { setBridgeHandler } from "./bridge.js";
import { MoorageContainer } from "./container.js";
import { setOutboundHandlers } from "./outbound.js";
import { createFakeContext, type FakeContainer, FakeStorage, testDefinition } from "./testing/fake-context.js";

class FetcherContainer extends MoorageContainer {}

const get = () => new Request("http://container/", { headers: { [HEADERS.instanceName]: "tenant-9" } });

function build(overrides: Partial<ContainerDefinition> = {}, shared: { storage?: FakeStorage } = {}) {
  const fake = createFakeContext({ storage: shared.storage, env: { SOME: "env" } });
  const object = new FetcherContainer(fake.ctx, {}, testDefinition(overrides), "fetcher");
  object.lifecycleSink = () => {};
  return { object, container: fake.container, props: fake.outboundProps, storage: fake.storage };
}

/** What the container would get for an outbound request to `url` (through the fake's interceptions). */
async function outbound(container: FakeContainer, url: string): Promise<Response | "direct" | "closed"> {
  const host = new URL(url).hostname;
  const exact = container.interceptors.get(host);
  const glob = [...container.interceptors.entries()].find(
    ([pattern]) => pattern.startsWith("*.") && host.endsWith(pattern.slice(1)),
  )?.[1];
  const all = container.interceptors.get("*");
  const fetcher = exact ?? glob ?? all;
  if (fetcher) return fetcher.fetch(new Request(url));
  return container.startCalls.at(-1)?.enableInternet === false ? "closed" : "direct";
}

afterEach(() => {
  setBridgeHandler(undefined);
  setOutboundHandlers(FetcherContainer, undefined);
});

describe("what is intercepted", () => {
  it("no lists, no handlers: only moorage.internal; everything else goes out without touching the Worker", async () => {
    const { object, container } = build();
    await object.fetch(get());
    expect(container.interceptHosts).toEqual(["moorage.internal"]);
    expect(container.interceptAll).toBe(0);
    expect(await outbound(container, "http://example.com/")).toBe("direct");
  });

  it("internet off + allow-list: each allowed glob, never intercept-all; unlisted hosts stay closed", async () => {
    const { object, container } = build({
      enableInternet: false,
      allowedHosts: ["partner.media.test", "*.cdn.media.test"],
      deniedHosts: ["evil.cdn.media.test"],
    });
    await object.fetch(get());
    expect(new Set(container.interceptHosts)).toEqual(
      new Set(["moorage.internal", "partner.media.test", "*.cdn.media.test", "evil.cdn.media.test"]),
    );
    expect(container.interceptAll).toBe(0);
    expect(await outbound(container, "http://unlisted.example/")).toBe("closed");
    expect(((await outbound(container, "http://evil.cdn.media.test/")) as Response).status).toBe(520);
  });

  it("an allow-list on a container with internet gates everything (intercept-all)", async () => {
    const { object, container } = build({ allowedHosts: ["api.stripe.com"] });
    await object.fetch(get());
    expect(container.interceptAll).toBe(1);
    expect(((await outbound(container, "http://other.example/")) as Response).status).toBe(520);
  });

  it("a deny-list alone intercepts only the denied hosts", async () => {
    const { object, container } = build({ deniedHosts: ["*.evil.com"] });
    await object.fetch(get());
    expect(container.interceptAll).toBe(0);
    expect(((await outbound(container, "http://x.evil.com/")) as Response).status).toBe(520);
    expect(await outbound(container, "http://good.com/")).toBe("direct");
  });
});

describe("answers", () => {
  it("routes moorage.internal to the bridge handler with the caller's identity, under any allow-list", async () => {
    const { object, container } = build({ enableInternet: false, allowedHosts: ["api.stripe.com"] });
    await object.fetch(get());
    const unmounted = (await outbound(container, "http://moorage.internal/rpc")) as Response;
    expect(unmounted.status).toBe(503);
    expect(((await unmounted.json()) as { message: string }).message).toContain("setBridgeHandler");
    setBridgeHandler((request, env, caller) => Response.json({ path: new URL(request.url).pathname, env, caller }));
    const mounted = (await outbound(container, "http://moorage.internal/rpc")) as Response;
    expect(await mounted.json()).toMatchObject({
      path: "/rpc",
      env: { SOME: "env" },
      caller: { container: "fetcher", instance: "tenant-9" },
    });
  });

  it("runs the app's typed outbound handlers for their hosts, after the lists", async () => {
    setOutboundHandlers(FetcherContainer, {
      byHost: {
        "*.media.test": (_request, _env, caller) => Response.json({ host: caller.host, instance: caller.instance }),
      },
    });
    const { object, container } = build({ enableInternet: false, allowedHosts: ["partner.media.test"] });
    await object.fetch(get());
    expect(container.interceptHosts).toContain("*.media.test");
    const ok = (await outbound(container, "http://partner.media.test/x")) as Response;
    expect(await ok.json()).toEqual({ host: "partner.media.test", instance: "tenant-9" });
    // Intercepted for the handler, but not on the allow-list: refused.
    expect(((await outbound(container, "http://late.media.test/")) as Response).status).toBe(520);
  });

  it("a catch-all handler turns on intercept-all", async () => {
    setOutboundHandlers(FetcherContainer, { catchAll: () => new Response("caught") });
    const { object, container } = build();
    await object.fetch(get());
    expect(container.interceptAll).toBe(1);
    expect(await ((await outbound(container, "http://anything.example/")) as Response).text()).toBe("caught");
  });

  it("rejects a malformed handler host with a directed error", () => {
    expect(() => setOutboundHandlers(FetcherContainer, { byHost: { "http://x.com/": () => new Response() } })).toThrow(
      /not a host or host glob/,
    );
  });
});

describe("runtime changes", () => {
  it("egress.allow(host) opens a host at once and persists across a restart of the object", async () => {
    setOutboundHandlers(FetcherContainer, { byHost: { "*.media.test": () => new Response("partner") } });
    const storage = new FakeStorage();
    const first = build({ enableInternet: false, allowedHosts: ["partner.media.test"] }, { storage });
    await first.object.fetch(get());
    expect(((await outbound(first.container, "http://late.media.test/")) as Response).status).toBe(520);
    await first.object.allowHost("late.media.test");
    expect(await ((await outbound(first.container, "http://late.media.test/")) as Response).text()).toBe("partner");

    const second = build({ enableInternet: false, allowedHosts: ["partner.media.test"] }, { storage });
    await second.object.fetch(get());
    expect(second.props.at(-1)?.allowedHosts).toEqual(["partner.media.test", "late.media.test"]);
    await second.object.removeAllowedHost("late.media.test");
    expect(((await outbound(second.container, "http://late.media.test/")) as Response).status).toBe(520);
  });

  it("setAllowed/setDenied replace the lists; removeDenied reopens a host", async () => {
    const { object, container, props } = build({ deniedHosts: ["evil.example"] });
    await object.fetch(get());
    await object.setDeniedHosts(["a.example", "b.example"]);
    expect(props.at(-1)?.deniedHosts).toEqual(["a.example", "b.example"]);
    expect(((await outbound(container, "http://a.example/")) as Response).status).toBe(520);
    await object.removeDeniedHost("a.example");
    expect(props.at(-1)?.deniedHosts).toEqual(["b.example"]);
  });

  it("rejects a malformed host over RPC and changes nothing", async () => {
    const { object, props } = build();
    await object.fetch(get());
    const before = props.length;
    await expect(object.allowHost("bad host/")).rejects.toThrow(/host must be a host name or glob/);
    expect(props.length).toBe(before);
  });

  it("keeps runtime lists set by the platform library's base class (upgraded instances)", async () => {
    const storage = new FakeStorage();
    storage.kv.put("OUTBOUND_CONFIGURATION", { allowedHosts: ["old.example", "moorage.internal"] });
    const { object, props } = build({ enableInternet: false }, { storage });
    await object.fetch(get());
    expect(props.at(-1)?.allowedHosts).toEqual(["old.example"]);
  });
});
