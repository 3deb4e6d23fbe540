/**
 * Who is calling: the bearer-token resolver, constant-time comparison, resolver composition, and the zero-config
 * bridge handler whose identity comes from the platform, not from headers.
 */
import { describe, expect, it, vi } from "vitest";
import { registry } from "../../test/fixtures/functions/registry.js";
import type { FixtureEnv } from "../../test/fixtures/functions/server.js";
import type { BridgeHandler as DurableObjectBridgeHandler } from "../do/bridge.js";
import { bridgeHandler } from "./bridge-handler.js";
import { bearerTokenIdentity, firstIdentity } from "./identity.js";
import { createRpcHandler } from "./rpc/handler.js";
import { timingSafeEqual } from "./timing-safe.js";
import { decode } from "./wire.js";

const SECRET = "s3cret-token-value";
const env = { MOORAGE_CONTAINER_TOKEN: SECRET, GREETING: "hi" };
const withAuth = (authorization?: string) =>
  new Request("https://app.example.com/_moorage/rpc", {
    method: "POST",
    headers: authorization === undefined ? {} : { authorization },
  });

describe("timingSafeEqual", () => {
  it.each([
    ["equal strings", "abc", "abc", true],
    ["equal empty strings", "", "", true],
    ["equal non-ASCII", "tökén✓", "tökén✓", true],
    ["one byte different", "abc", "abd", false],
    ["a prefix", "abc", "abcd", false],
    ["longer first", "abcd", "abc", false],
    ["empty vs non-empty", "", "a", false],
    ["same length, different bytes", "aaaa", "bbbb", false],
    ["different UTF-8 byte lengths", "é", "e", false],
    ["zero-padding lookalike", "a", "a\u0000", false],
  ])("%s", (_label, a, b, expected) => {
    expect(timingSafeEqual(a, b)).toBe(expected);
  });
});

describe("bearerTokenIdentity", () => {
  const resolve = bearerTokenIdentity();

  it("returns the identity on a matching token", async () => {
    expect(await resolve(withAuth(`Bearer ${SECRET}`), env)).toEqual({
      kind: "token",
      secret: "MOORAGE_CONTAINER_TOKEN",
    });
    expect(await resolve(withAuth(`bearer ${SECRET}`), env)).not.toBeNull();
  });

  it.each([
    ["a missing header", undefined],
    ["a wrong token", "Bearer nope"],
    ["a longer token", `Bearer ${SECRET}x`],
    ["a shorter token", `Bearer ${SECRET.slice(0, -1)}`],
    ["the wrong scheme", `Basic ${SECRET}`],
    ["no scheme", SECRET],
    ["an empty bearer", "Bearer "],
  ])("returns null for %s", async (_label, header) => {
    expect(await resolve(withAuth(header), env)).toBeNull();
  });

  it("fails closed when the secret is unset or empty", async () => {
    expect(await resolve(withAuth("Bearer "), { MOORAGE_CONTAINER_TOKEN: "" })).toBeNull();
    expect(await resolve(withAuth("Bearer undefined"), {})).toBeNull();
  });

  it("reads another secret and returns a custom identity", async () => {
    const custom = bearerTokenIdentity<{ OTHER: string }, { userId: string }>({
      secret: "OTHER",
      identity: (request) => ({ userId: request.headers.get("x-user") ?? "svc" }),
    });
    expect(await custom(withAuth("Bearer k"), { OTHER: "k" })).toEqual({ userId: "svc" });
    expect(await custom(withAuth("Bearer k"), { OTHER: "j" })).toBeNull();
  });
});

describe("firstIdentity", () => {
  it("returns the first non-null identity", async () => {
    const second = vi.fn(async () => ({ kind: "user" }));
    const resolve = firstIdentity<typeof env, unknown>(bearerTokenIdentity(), second);
    expect(await resolve(withAuth(`Bearer ${SECRET}`), env)).toEqual({
      kind: "token",
      secret: "MOORAGE_CONTAINER_TOKEN",
    });
    expect(second).not.toHaveBeenCalled();
    expect(await resolve(withAuth(), env)).toEqual({ kind: "user" });
  });
});

describe("bridgeHandler (zero-config)", () => {
  const resolveIdentity = vi.fn(bearerTokenIdentity());
  const rpc = createRpcHandler({ functions: registry, resolveIdentity, logger: { error: vi.fn() } });
  const bridge = bridgeHandler(rpc);
  const caller = { container: "renderer", instance: "doc-7" };
  const internal = (body: unknown, headers: Record<string, string> = {}) =>
    new Request("http://moorage.internal/_moorage/rpc", {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify(body),
    });

  it("gives the function the calling container and instance", async () => {
    const response = await bridge(internal({ functionPath: "jobs:requireContainer" }), env, caller);
    expect(response.status).toBe(200);
    expect(decode(((await response.json()) as { result: never }).result)).toEqual(caller);
    expect(resolveIdentity).not.toHaveBeenCalled();
  });

  it("ignores headers a container could forge", async () => {
    const response = await bridge(
      internal(
        { functionPath: "jobs:whoami" },
        { authorization: `Bearer ${SECRET}`, "moorage-instance": "someone-else" },
      ),
      env,
      caller,
    );
    const { result } = (await response.json()) as { result: never };
    expect(decode(result)).toEqual({ identity: { kind: "container", ...caller }, greeting: "hi" });
  });

  it("leaves public calls to resolveIdentity", async () => {
    const response = await rpc(
      new Request("https://app.example.com/_moorage/rpc", {
        method: "POST",
        headers: { authorization: "Bearer wrong", "content-type": "application/json" },
        body: JSON.stringify({ functionPath: "jobs:requireContainer" }),
      }),
      env,
    );
    expect(response?.status).toBe(401);
  });

  it("answers 404 for other internal paths", async () => {
    const response = await bridge(new Request("http://moorage.internal/elsewhere", { method: "POST" }), env, caller);
    expect(response.status).toBe(404);
  });

  it("fits setBridgeHandler from moorage/do, whatever the app's Env", () => {
    const typed = createRpcHandler<FixtureEnv>({ functions: registry });
    const handler: DurableObjectBridgeHandler = bridgeHandler(typed);
    expect(typeof handler).toBe("function");
  });

  it("maps the caller to a custom identity", async () => {
    const custom = bridgeHandler(rpc, { identity: (c) => ({ kind: "user", userId: `${c.container}/${c.instance}` }) });
    const response = await custom(internal({ functionPath: "jobs:whoami" }), env, caller);
    const { result } = (await response.json()) as { result: never };
    expect(decode(result)).toMatchObject({ identity: { kind: "user", userId: "renderer/doc-7" } });
  });
});
