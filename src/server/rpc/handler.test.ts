/**
 * The RPC endpoint as a caller sees it: statuses, bodies and headers for every outcome, with zod and valibot inputs.
 */
import { describe, expect, it, vi } from "vitest";
import { registry } from "../../../test/fixtures/functions/registry.js";
import type { FixtureEnv } from "../../../test/fixtures/functions/server.js";
import { FunctionError, UnauthorizedError } from "../errors.js";
import { createFunctions } from "../functions.js";
import { decode, encode, type JsonValue } from "../wire.js";
import { createRpcHandler, DEFAULT_MAX_BODY_BYTES } from "./handler.js";

const env: FixtureEnv = { GREETING: "hello" };
const URL_ = "https://app.example.com/_moorage/rpc";

function setup(options: Partial<Parameters<typeof createRpcHandler<FixtureEnv>>[0]> = {}) {
  const logger = { error: vi.fn() };
  const rpc = createRpcHandler<FixtureEnv>({ functions: registry, logger, ...options });
  return { rpc, logger };
}

function post(body: unknown, init: RequestInit = {}): Request {
  return new Request(URL_, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: typeof body === "string" ? body : JSON.stringify(body),
    ...init,
  });
}

/** A JSON call whose body is `stream`, with no Content-Length. */
function streamed(stream: ReadableStream<Uint8Array>): Request {
  return new Request(URL_, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: stream,
    duplex: "half",
  } as RequestInit);
}

interface Answer {
  result: JsonValue;
  error: { code: string; message: string; issues?: Array<{ message: string; path?: unknown[] }> };
}

async function call(rpc: ReturnType<typeof setup>["rpc"], request: Request) {
  const response = await rpc(request, env);
  if (!response) throw new Error("handler declined the request");
  return { status: response.status, headers: response.headers, body: (await response.json()) as Answer };
}

describe("createRpcHandler", () => {
  it("returns null for other paths so the app's router can answer", async () => {
    const { rpc } = setup();
    expect(await rpc(new Request("https://app.example.com/other", { method: "POST" }), env)).toBeNull();
  });

  it("answers 200 { result } with wire-encoded values", async () => {
    const { rpc } = setup();
    const { status, headers, body } = await call(rpc, post({ functionPath: "jobs:listPending", args: { limit: 5 } }));
    expect(status).toBe(200);
    expect(headers.get("content-type")).toMatch(/^application\/json/);
    expect(decode(body.result)).toEqual([
      { id: "job-1", createdAt: new Date("2025-01-02T03:04:05.000Z"), size: 2n ** 70n },
    ]);
  });

  it("answers 405 with Allow: POST for other methods", async () => {
    const { rpc } = setup();
    const { status, headers, body } = await call(rpc, new Request(URL_, { method: "GET" }));
    expect(status).toBe(405);
    expect(headers.get("allow")).toBe("POST");
    expect(body.error.code).toBe("method-not-allowed");
  });

  it.each([
    ["malformed JSON", "{not json"],
    ["an array", "[1,2]"],
    ["a missing functionPath", JSON.stringify({ args: {} })],
    ["a non-string functionPath", JSON.stringify({ functionPath: 42 })],
    ["an unknown wire tag in args", JSON.stringify({ functionPath: "jobs:echo", args: { $moorage: "nope" } })],
    ["an unknown kind", JSON.stringify({ functionPath: "jobs:echo", kind: "subscription" })],
  ])("answers 400 for %s", async (_label, text) => {
    const { rpc } = setup();
    const { status, body } = await call(rpc, post(text));
    expect(status).toBe(400);
    expect(body.error.code).toBe("bad-request");
    expect(typeof body.error.message).toBe("string");
  });

  it("answers 400 when the declared kind does not match the function", async () => {
    const { rpc } = setup();
    const { status, body } = await call(
      rpc,
      post({ functionPath: "jobs:markDone", args: { id: "abc" }, kind: "query" }),
    );
    expect(status).toBe(400);
    expect(body.error.message).toContain("is a mutation");
  });

  it("answers 404 for an unknown function, including prototype keys", async () => {
    const { rpc } = setup();
    for (const functionPath of ["jobs:nope", "__proto__", "constructor"]) {
      const { status, body } = await call(rpc, post({ functionPath, args: {} }));
      expect(status).toBe(404);
      expect(body.error.code).toBe("function-not-found");
    }
  });

  it("answers 413 from Content-Length without reading the body", async () => {
    const { rpc } = setup({ maxBodyBytes: 100 });
    let pulled = false;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled = true;
        controller.close();
      },
    });
    const request = new Request(URL_, {
      method: "POST",
      headers: { "content-length": "5000", "content-type": "application/json" },
      body: stream,
      duplex: "half",
    } as RequestInit);
    expect(request.headers.get("content-length")).toBe("5000");
    const { status, body } = await call(rpc, request);
    expect(status).toBe(413);
    expect(body.error.code).toBe("payload-too-large");
    expect(pulled).toBe(false);
  });

  it("answers 413 for a streamed body without Content-Length that crosses the limit", async () => {
    const { rpc } = setup({ maxBodyBytes: 100 });
    let pulls = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulls++;
        controller.enqueue(new TextEncoder().encode("x".repeat(40)));
        if (pulls > 1000) controller.close();
      },
    });
    const request = streamed(stream);
    expect(request.headers.get("content-length")).toBeNull();
    const { status, body } = await call(rpc, request);
    expect(status).toBe(413);
    expect(body.error.code).toBe("payload-too-large");
    expect(pulls).toBeLessThan(10); // stopped reading soon after the limit
  });

  it("documents a 1 MiB default limit", () => {
    expect(DEFAULT_MAX_BODY_BYTES).toBe(1024 * 1024);
  });

  it("answers 401 and 403 when a function throws an auth error", async () => {
    const anonymous = setup();
    const unauthorized = await call(anonymous.rpc, post({ functionPath: "jobs:requireContainer" }));
    expect(unauthorized.status).toBe(401);
    expect(unauthorized.body.error).toEqual({ code: "unauthorized", message: "Authentication required" });

    const user = setup({ resolveIdentity: () => ({ kind: "user", userId: "u1" }) });
    const forbidden = await call(user.rpc, post({ functionPath: "jobs:requireContainer" }));
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.error).toEqual({ code: "forbidden", message: "Only containers may do this" });
  });

  it("answers 401 when resolveIdentity itself refuses", async () => {
    const { rpc } = setup({
      resolveIdentity: () => {
        throw new UnauthorizedError("Session expired");
      },
    });
    const { status, body } = await call(rpc, post({ functionPath: "jobs:whoami" }));
    expect(status).toBe(401);
    expect(body.error.message).toBe("Session expired");
  });

  it("passes an app FunctionError's code, status and message through", async () => {
    const { rpc } = setup();
    const { status, body } = await call(rpc, post({ functionPath: "jobs:missing", args: { id: "j9" } }));
    expect(status).toBe(404);
    expect(body.error).toEqual({ code: "job_not_found", message: "No job j9" });
  });

  it("answers 422 with zod's issues before the handler runs", async () => {
    const { rpc } = setup();
    const { status, body } = await call(rpc, post({ functionPath: "jobs:listPending", args: { limit: -1 } }));
    expect(status).toBe(422);
    expect(body.error.code).toBe("invalid-args");
    expect(body.error.message).toContain("jobs:listPending");
    expect(body.error.issues).toEqual([expect.objectContaining({ path: ["limit"], message: expect.any(String) })]);
  });

  it("answers 422 with valibot's issues, and 200 for valid valibot args", async () => {
    const { rpc } = setup();
    const bad = await call(rpc, post({ functionPath: "jobs:markDone", args: { id: "x" } }));
    expect(bad.status).toBe(422);
    expect(bad.body.error.issues).toEqual([expect.objectContaining({ path: ["id"] })]);

    const good = await call(rpc, post({ functionPath: "jobs:markDone", args: { id: "abc" } }));
    expect(good.status).toBe(200);
    expect(decode(good.body.result)).toEqual({ id: "abc", note: undefined, by: null });
  });

  it("never runs the handler when args are invalid", async () => {
    const handler = vi.fn();
    const { query } = createFunctions();
    const { z } = await import("zod");
    const rpc = createRpcHandler({ functions: { "t:fn": query.input(z.object({ n: z.number() })).handler(handler) } });
    const response = await rpc(post({ functionPath: "t:fn", args: { n: "1" } }), {});
    expect(response?.status).toBe(422);
    expect(handler).not.toHaveBeenCalled();
  });

  it("answers 500 with a generic message and logs the real error", async () => {
    const { rpc, logger } = setup();
    const { status, body } = await call(rpc, post({ functionPath: "jobs:boom" }));
    expect(status).toBe(500);
    expect(body).toEqual({ error: { code: "internal-error", message: "Internal error." } });
    expect(JSON.stringify(body)).not.toMatch(/hunter2|db-internal|at /);
    expect(logger.error).toHaveBeenCalledWith(
      expect.stringContaining("jobs:boom"),
      expect.objectContaining({ functionPath: "jobs:boom", error: expect.any(Error) }),
    );
  });

  it("answers 500 when a query reaches for ctx.containers, logging a directed message", async () => {
    const { rpc, logger } = setup({ containers: () => ({ renderer: { get: vi.fn() } }) });
    const { status } = await call(rpc, post({ functionPath: "jobs:forcedContainers" }));
    expect(status).toBe(500);
    const logged = logger.error.mock.calls[0]?.[1].error as Error;
    expect(logged.message).toContain("ctx.containers is only available in actions");
    expect(logged.message).toContain("jobs:forcedContainers is a query");
  });

  it("gives actions ctx.containers from the containers option, built lazily per call", async () => {
    const fetch = vi.fn(async () => new Response("rendered"));
    const get = vi.fn(() => ({ fetch }));
    const containers = vi.fn(() => ({ renderer: { get } }));
    const { rpc } = setup({ containers });
    await call(rpc, post({ functionPath: "jobs:whoami" }));
    expect(containers).not.toHaveBeenCalled();
    const { status, body } = await call(rpc, post({ functionPath: "jobs:render", args: { id: "doc-7" } }));
    expect(status).toBe(200);
    expect(decode(body.result)).toEqual({ status: 200, body: "rendered" });
    expect(containers).toHaveBeenCalledWith(env);
    expect(get).toHaveBeenCalledWith("doc-7");
  });

  it("passes the resolved identity and env to the function", async () => {
    const resolveIdentity = vi.fn(async () => ({ kind: "user" as const, userId: "u1" }));
    const { rpc } = setup({ resolveIdentity });
    const request = post({ functionPath: "jobs:whoami" });
    const { body } = await call(rpc, request);
    expect(decode(body.result)).toEqual({ identity: { kind: "user", userId: "u1" }, greeting: "hello" });
    expect(resolveIdentity).toHaveBeenCalledWith(request, env);
  });

  it("accepts args encoded by the shared wire module", async () => {
    const { rpc } = setup();
    const args = { at: new Date(0), n: 5n, bytes: new Uint8Array([1, 2]), gone: undefined };
    const { body } = await call(rpc, post({ functionPath: "jobs:echo", args: encode(args) }));
    expect(decode(body.result)).toEqual(args);
  });

  it("fails fast on a registry entry that is not a function", () => {
    expect(() => createRpcHandler({ functions: { "jobs:x": (() => 1) as never } })).toThrow(
      /not a query, mutation or action/,
    );
    expect(() => createRpcHandler({ functions: { nocolon: registry["jobs:echo"] } })).toThrow(/"<file>:<export>"/);
  });

  describe("cross-site calls", () => {
    const call_ = { functionPath: "jobs:whoami" };
    // What a cross-site page can send without a preflight, with the user's cookies attached.
    const simple = (contentType: string | undefined, headers: Record<string, string> = {}) =>
      new Request(URL_, {
        method: "POST",
        headers: { ...(contentType === undefined ? {} : { "content-type": contentType }), ...headers },
        body: JSON.stringify(call_),
      });

    it.each([
      ["text/plain", "text/plain"],
      ["text/plain with a charset", "text/plain;charset=UTF-8"],
      ["a form encoding", "application/x-www-form-urlencoded"],
      ["multipart", "multipart/form-data; boundary=x"],
      ["a JSON lookalike", "application/jsonp"],
    ])("answers 415 for %s, before resolveIdentity sees the cookie", async (_label, contentType) => {
      const resolveIdentity = vi.fn(() => ({ kind: "user" as const, userId: "from-cookie" }));
      const { rpc } = setup({ resolveIdentity });
      const { status, body } = await call(rpc, simple(contentType, { cookie: "session=abc" }));
      expect(status).toBe(415);
      expect(body.error.code).toBe("unsupported-media-type");
      expect(body.error.message).toContain('send the header "content-type: application/json"');
      expect(resolveIdentity).not.toHaveBeenCalled();
    });

    it("answers 415 naming a missing content type", async () => {
      const { rpc } = setup();
      const request = new Request(URL_, { method: "POST", body: new Blob([JSON.stringify(call_)]) });
      expect(request.headers.get("content-type")).toBeNull();
      const { status, body } = await call(rpc, request);
      expect(status).toBe(415);
      expect(body.error.message).toContain("got no content-type");
    });

    it.each([
      ["application/json", "application/json"],
      ["a charset parameter", "application/json; charset=utf-8"],
      ["upper case", "Application/JSON"],
    ])("accepts %s", async (_label, contentType) => {
      const { rpc } = setup();
      expect((await call(rpc, simple(contentType))).status).toBe(200);
    });

    it("accepts the request's own origin and listed origins, and refuses every other Origin with 403", async () => {
      const resolveIdentity = vi.fn(() => null);
      const { rpc } = setup({ resolveIdentity, allowedOrigins: ["https://admin.example.com"] });
      const from = (origin: string) => call(rpc, simple("application/json", { origin }));
      expect((await from("https://app.example.com")).status).toBe(200);
      expect((await from("https://admin.example.com")).status).toBe(200);
      resolveIdentity.mockClear();
      for (const origin of ["https://evil.example", "null", "http://app.example.com", "https://app.example.com:8443"]) {
        const { status, body } = await from(origin);
        expect(status).toBe(403);
        expect(body.error.code).toBe("cross-origin");
        expect(body.error.message).toContain(`pages on ${JSON.stringify(origin)}`);
        expect(body.error.message).toContain("allowedOrigins");
      }
      expect(resolveIdentity).not.toHaveBeenCalled();
    });

    it("refuses malformed allowedOrigins at construction", () => {
      for (const origin of ["https://app.example.com/", "app.example.com", "https://app.example.com/path", "null"]) {
        expect(() => createRpcHandler({ functions: registry, allowedOrigins: [origin] })).toThrow(
          /allowedOrigins entries must be origins like "https:\/\/app.example.com"/,
        );
      }
    });
  });

  describe("authentication before decoding", () => {
    // 300 KB of the costliest args there are: bigints of the largest accepted size, over the per-payload budget.
    const costly = () =>
      post({
        functionPath: "jobs:echo",
        args: Array.from({ length: 64 }, () => ({ $moorage: "bigint", v: "9".repeat(4096) })),
      });

    it("answers resolveIdentity's refusal before the body is read or decoded", async () => {
      const { rpc } = setup({
        resolveIdentity: () => {
          throw new UnauthorizedError("Bad token");
        },
      });
      const { status, body } = await call(rpc, costly());
      expect(status).toBe(401); // decoding these args would have answered 400 (see below)
      expect(body.error).toEqual({ code: "unauthorized", message: "Bad token" });
    });

    it("with allowAnonymous: false, answers 401 for a null identity without reading the body", async () => {
      const { rpc } = setup({ resolveIdentity: () => null, allowAnonymous: false });
      const { status, body } = await call(rpc, costly());
      expect(status).toBe(401); // decoding these args would have answered 400 (see below)
      expect(body.error).toEqual({ code: "unauthorized", message: "Authentication required." });

      const signedIn = setup({ resolveIdentity: () => ({ kind: "user", userId: "u1" }), allowAnonymous: false });
      expect((await call(signedIn.rpc, post({ functionPath: "jobs:whoami" }))).status).toBe(200);
    });

    it("refuses args over the bigint budget with a directed 400, for authenticated callers too", async () => {
      const { rpc } = setup({ resolveIdentity: () => ({ kind: "user", userId: "u1" }) });
      const { status, body } = await call(rpc, costly());
      expect(status).toBe(400);
      expect(body.error.message).toMatch(/at most 65536 are accepted per payload/);
    });

    it("logs a resolveIdentity that throws something other than a FunctionError and answers 500", async () => {
      const { rpc, logger } = setup({
        resolveIdentity: () => {
          throw new Error("session store down");
        },
      });
      const { status, body } = await call(rpc, post({ functionPath: "jobs:whoami" }));
      expect(status).toBe(500);
      expect(body.error).toEqual({ code: "internal-error", message: "Internal error." });
      expect(logger.error).toHaveBeenCalledWith(
        expect.stringContaining("resolveIdentity for /_moorage/rpc failed"),
        expect.objectContaining({ error: expect.any(Error) }),
      );
    });

    it("lets resolveIdentity refuse with its own FunctionError status", async () => {
      const { rpc } = setup({
        resolveIdentity: () => {
          throw new FunctionError("rate-limited", "Slow down", 429);
        },
      });
      const { status, body } = await call(rpc, post({ functionPath: "jobs:whoami" }));
      expect(status).toBe(429);
      expect(body.error).toEqual({ code: "rate-limited", message: "Slow down" });
    });
  });

  it("answers a body that errors mid-read with the error envelope and logs it", async () => {
    const { rpc, logger } = setup();
    let sent = false;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (!sent) {
          sent = true;
          controller.enqueue(new TextEncoder().encode('{"functionPath":"jobs:wh'));
        } else controller.error(new Error("connection reset by peer"));
      },
    });
    const request = streamed(stream);
    const { status, headers, body } = await call(rpc, request);
    expect(status).toBe(400);
    expect(headers.get("content-type")).toMatch(/^application\/json/);
    expect(body.error).toEqual({
      code: "bad-request",
      message: "The request body could not be read to the end; send the call again.",
    });
    expect(logger.error).toHaveBeenCalledWith(
      "moorage: reading the request body for /_moorage/rpc failed",
      expect.objectContaining({ error: expect.objectContaining({ message: "connection reset by peer" }) }),
    );
  });
});
