/**
 * The Hono middleware, driven through a minimal stand-in for Hono's `Context` (only `req.raw` and `env`).
 */
import { describe, expect, it, vi } from "vitest";
import { registry } from "../../test/fixtures/functions/registry.js";
import { honoRpc } from "./hono.js";
import { createRpcHandler } from "./rpc/handler.js";

describe("honoRpc", () => {
  const middleware = honoRpc(createRpcHandler({ functions: registry }));
  const env = { GREETING: "hi" };

  it("answers the RPC path without calling next", async () => {
    const next = vi.fn(async () => {});
    const raw = new Request("https://app.example.com/_moorage/rpc", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ functionPath: "jobs:whoami" }),
    });
    const response = await middleware({ req: { raw }, env }, next);
    expect(response?.status).toBe(200);
    expect(next).not.toHaveBeenCalled();
  });

  it("passes other paths on", async () => {
    const next = vi.fn(async () => {});
    const response = await middleware({ req: { raw: new Request("https://app.example.com/") }, env }, next);
    expect(response).toBeUndefined();
    expect(next).toHaveBeenCalledOnce();
  });
});
