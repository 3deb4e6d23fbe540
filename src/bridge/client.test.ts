/**
 * The bridge client as container code sees it: calls against a real RPC handler (in-process, through an injected
 * fetch), every error it can surface, and how it finds its base URL.
 */
import { afterEach, describe, expect, expectTypeOf, it, vi } from "vitest";
import { api } from "../../test/fixtures/functions/api.js";
import type { Job } from "../../test/fixtures/functions/jobs.js";
import { registry } from "../../test/fixtures/functions/registry.js";
import { bearerTokenIdentity } from "../server/identity.js";
import { createRpcHandler } from "../server/rpc/handler.js";
import { createContainerBridge } from "./client.js";
import { MoorageBridgeError } from "./errors.js";

const env = { MOORAGE_CONTAINER_TOKEN: "tok", GREETING: "hi" };
const rpc = createRpcHandler({
  functions: registry,
  resolveIdentity: bearerTokenIdentity(),
  logger: { error: vi.fn() },
});

/** A fetch that serves the RPC handler in-process, as the Worker would. */
const appFetch = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
  const response = await rpc(new Request(input, init), env);
  return response ?? new Response("<h1>Not found</h1>", { status: 404, headers: { "content-type": "text/html" } });
});

const bridge = (options: Parameters<typeof createContainerBridge>[0] = {}) =>
  createContainerBridge({ baseUrl: "https://app.example.com", fetch: appFetch, ...options });

async function failure(promise: Promise<unknown>): Promise<MoorageBridgeError> {
  const error = await promise.then(
    () => {
      throw new Error("expected the call to fail");
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(MoorageBridgeError);
  return error as MoorageBridgeError;
}

afterEach(() => {
  vi.unstubAllEnvs();
  vi.unstubAllGlobals();
});

describe("createContainerBridge calls", () => {
  it("calls queries, mutations and actions by reference or path, decoding results", async () => {
    const moorage = bridge({ token: "tok" });
    const jobs = await moorage.query(api.jobs.listPending, { limit: 1 });
    expect(jobs[0]?.createdAt).toEqual(new Date("2025-01-02T03:04:05.000Z"));
    expect(jobs[0]?.size).toBe(2n ** 70n);
    await expect(moorage.mutation("jobs:markDone", { id: "abc" })).resolves.toEqual({
      id: "abc",
      note: undefined,
      by: { kind: "token", secret: "MOORAGE_CONTAINER_TOKEN" },
    });
    await expect(moorage.call(api.jobs.echo, { b: new Uint8Array([9]) })).resolves.toEqual({ b: new Uint8Array([9]) });
    await expect(moorage.query(api.jobs.whoami)).resolves.toMatchObject({ greeting: "hi" });
  });

  it("posts the documented JSON to <baseUrl>/_moorage/rpc with the bearer token", async () => {
    const seen = vi.fn(async (_input: RequestInfo | URL, _init?: RequestInit) => Response.json({ result: 1 }));
    const moorage = createContainerBridge({ baseUrl: "https://app.example.com/base/", token: "tok", fetch: seen });
    await moorage.query("jobs:whoami");
    const [url, init] = seen.mock.calls[0] ?? [];
    expect(url).toBe("https://app.example.com/base/_moorage/rpc");
    expect(init?.method).toBe("POST");
    expect(new Headers(init?.headers).get("authorization")).toBe("Bearer tok");
    expect(JSON.parse(String(init?.body))).toEqual({
      functionPath: "jobs:whoami",
      args: { $moorage: "undefined" },
      kind: "query",
    });
  });

  it("types references: args, results and kind", () => {
    const moorage = bridge();
    expectTypeOf(moorage.query(api.jobs.listPending, { limit: 1 })).resolves.toEqualTypeOf<Job[]>();
    // @ts-expect-error markDone is a mutation, not a query
    void (() => moorage.query(api.jobs.markDone, { id: "abc" }));
    // @ts-expect-error limit is required
    void (() => moorage.query(api.jobs.listPending, {}));
    // whoami takes no args: they may be left out.
    void (() => moorage.query(api.jobs.whoami));
  });
});

describe("MoorageBridgeError mapping", () => {
  it("carries the server's code, status and message", async () => {
    const error = await failure(bridge().mutation(api.jobs.requireContainer));
    expect(error).toMatchObject({ code: "unauthorized", status: 401, message: "Authentication required" });
    expect(error.functionPath).toBe("jobs:requireContainer");
  });

  it("carries a wrong token's refusal, and validation issues", async () => {
    const wrong = await failure(bridge({ token: "nope" }).mutation(api.jobs.requireContainer));
    expect(wrong.status).toBe(401);
    const invalid = await failure(bridge().query(api.jobs.listPending, { limit: -1 }));
    expect(invalid).toMatchObject({ code: "invalid-args", status: 422 });
    expect(invalid.issues?.[0]?.path).toEqual(["limit"]);
  });

  it("maps 404, 500 and a kind mismatch", async () => {
    expect(await failure(bridge().query("jobs:nope"))).toMatchObject({ code: "function-not-found", status: 404 });
    expect(await failure(bridge().query(api.jobs.boom))).toMatchObject({
      code: "internal-error",
      status: 500,
      message: "Internal error.",
    });
    expect(await failure(bridge().query("jobs:markDone", { id: "abc" }))).toMatchObject({
      code: "bad-request",
      status: 400,
    });
  });

  it("reports a non-JSON answer as invalid_response with its status", async () => {
    const error = await failure(bridge({ path: "/wrong" }).query("jobs:whoami"));
    expect(error).toMatchObject({ code: "invalid-response", status: 404 });
    expect(error.message).toContain("non-JSON");
  });

  it("reports JSON without result or error as invalid_response", async () => {
    const moorage = bridge({ fetch: async () => Response.json({ hello: "world" }) });
    expect(await failure(moorage.query("jobs:whoami"))).toMatchObject({ code: "invalid-response", status: 200 });
  });

  it("maps a flat { error, message } body, e.g. the bridge host's own 503", async () => {
    const moorage = bridge({
      fetch: async () => Response.json({ error: "bridge-not-mounted", message: "no bridge handler" }, { status: 503 }),
    });
    expect(await failure(moorage.query("jobs:whoami"))).toMatchObject({
      code: "bridge-not-mounted",
      status: 503,
      message: "no bridge handler",
    });
  });

  it("reports a network failure as network_error", async () => {
    const moorage = bridge({
      fetch: async () => {
        throw new TypeError("fetch failed: ECONNREFUSED");
      },
    });
    const error = await failure(moorage.query("jobs:whoami"));
    expect(error).toMatchObject({ code: "network-error", status: 0 });
    expect(error.message).toContain("ECONNREFUSED");
  });

  it("reports a slow answer as timeout", async () => {
    const hang = (_input: RequestInfo | URL, init?: RequestInit) =>
      new Promise<Response>((_resolve, reject) => {
        init?.signal?.addEventListener("abort", () => reject(new DOMException("aborted", "AbortError")));
      });
    const error = await failure(bridge({ fetch: hang, timeoutMs: 20 }).query("jobs:whoami"));
    expect(error).toMatchObject({ code: "timeout", status: 0 });
    expect(error.message).toContain("20 ms");
  });

  it("reports a caller's abort as aborted", async () => {
    const hang = (_input: RequestInfo | URL, init?: RequestInit) =>
      new Promise<Response>((_resolve, reject) => {
        init?.signal?.addEventListener("abort", () => reject(new DOMException("aborted", "AbortError")));
      });
    const controller = new AbortController();
    const pending = bridge({ fetch: hang }).call("jobs:whoami", undefined, { signal: controller.signal });
    controller.abort();
    expect(await failure(pending)).toMatchObject({ code: "aborted" });
  });

  it("refuses args that cannot cross the wire before sending", async () => {
    const spy = vi.fn(async () => Response.json({ result: null }));
    const error = await failure(bridge({ fetch: spy }).query("jobs:echo", { m: new Map() }));
    expect(error.code).toBe("encode-failed");
    expect(spy).not.toHaveBeenCalled();
  });
});

describe("base URL", () => {
  it("throws at construction for an empty baseUrl", () => {
    expect(() => createContainerBridge({ baseUrl: "" })).toThrow(/baseUrl is empty/);
    expect(() => createContainerBridge({ baseUrl: "  " })).toThrow(MoorageBridgeError);
  });

  it("throws at construction when neither baseUrl nor MOORAGE_URL is set", () => {
    vi.stubEnv("MOORAGE_URL", "");
    expect(() => createContainerBridge()).toThrow(/MOORAGE_URL is not set/);
  });

  it("throws for a relative or non-http URL", () => {
    expect(() => createContainerBridge({ baseUrl: "app.example.com" })).toThrow(/not an absolute URL/);
    expect(() => createContainerBridge({ baseUrl: "ftp://app.example.com" })).toThrow(/must be http/);
  });

  it("picks MOORAGE_URL up from process.env", () => {
    vi.stubEnv("MOORAGE_URL", "http://moorage.internal");
    expect(createContainerBridge().url).toBe("http://moorage.internal/_moorage/rpc");
  });

  it("picks MOORAGE_URL up from Deno.env when there is no process", () => {
    vi.stubGlobal("process", undefined);
    vi.stubGlobal("Deno", {
      env: { get: (name: string) => (name === "MOORAGE_URL" ? "http://moorage.internal" : undefined) },
    });
    expect(createContainerBridge().url).toBe("http://moorage.internal/_moorage/rpc");
  });

  it("treats a Deno permission error as unset", () => {
    vi.stubGlobal("process", undefined);
    vi.stubGlobal("Deno", {
      env: {
        get: () => {
          throw new Error("PermissionDenied");
        },
      },
    });
    expect(() => createContainerBridge()).toThrow(/MOORAGE_URL is not set/);
  });

  it("prefers an explicit baseUrl over MOORAGE_URL", () => {
    vi.stubEnv("MOORAGE_URL", "http://moorage.internal");
    expect(createContainerBridge({ baseUrl: "https://app.example.com" }).url).toBe(
      "https://app.example.com/_moorage/rpc",
    );
  });

  it("says which mode its calls are in: zero-config at MOORAGE_URL, token at any other URL", () => {
    vi.stubEnv("MOORAGE_URL", "http://moorage.internal");
    expect(createContainerBridge().mode).toBe("zero-config");
    expect(createContainerBridge({ baseUrl: "http://app.internal", token: "tok" }).mode).toBe("token");
    expect(createContainerBridge({ baseUrl: "https://app.example.com" }).mode).toBe("token");
  });

  it("refuses a token at the zero-config URL, where nothing would check it, naming the fix", () => {
    vi.stubEnv("MOORAGE_URL", "http://moorage.internal");
    const refused = () => createContainerBridge({ token: "tok" });
    expect(refused).toThrow(MoorageBridgeError);
    expect(refused).toThrow(/a token is never checked in zero-config mode/);
    expect(refused).toThrow(/pass baseUrl: the Worker's URL/);
    expect(() => createContainerBridge({ baseUrl: "http://moorage.internal/", token: "tok" })).toThrow(/zero-config/);
  });
});
