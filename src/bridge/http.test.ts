/**
 * The bridge over a real socket, with the global `fetch`: a Node HTTP server fronts the RPC handler the way a
 * Worker would, so headers, body streaming and connection failures are the runtime's own, not a stub's.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api } from "../../test/fixtures/functions/api.js";
import { registry } from "../../test/fixtures/functions/registry.js";
import { bearerTokenIdentity } from "../server/identity.js";
import { createRpcHandler } from "../server/rpc/handler.js";
import { createContainerBridge } from "./client.js";
import { MoorageBridgeError } from "./errors.js";

const env = { MOORAGE_CONTAINER_TOKEN: "tok", GREETING: "hi" };
const rpc = createRpcHandler({ functions: registry, resolveIdentity: bearerTokenIdentity(), maxBodyBytes: 10_000 });
let server: Server;
let baseUrl: string;

beforeAll(async () => {
  server = createServer(async (req, res) => {
    const request = new Request(`http://${req.headers.host}${req.url}`, {
      method: req.method,
      headers: req.headers as Record<string, string>,
      body: req.method === "GET" || req.method === "HEAD" ? undefined : (Readable.toWeb(req) as ReadableStream),
      duplex: "half",
    } as RequestInit);
    const response = (await rpc(request, env)) ?? new Response("not found", { status: 404 });
    res.writeHead(response.status, Object.fromEntries(response.headers));
    res.end(Buffer.from(await response.arrayBuffer()));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe("bridge over HTTP", () => {
  it("round-trips a call with the token", async () => {
    const moorage = createContainerBridge({ baseUrl, token: "tok" });
    const jobs = await moorage.query(api.jobs.listPending, { limit: 1 });
    expect(jobs[0]?.size).toBe(2n ** 70n);
    await expect(moorage.mutation(api.jobs.markDone, { id: "abc" })).resolves.toMatchObject({ by: { kind: "token" } });
  });

  it("is refused with a wrong or missing token", async () => {
    for (const token of ["wrong", undefined]) {
      const error = await createContainerBridge({ baseUrl, token })
        .mutation(api.jobs.requireContainer)
        .catch((e: unknown) => e);
      expect(error).toMatchObject({ code: "unauthorized", status: 401 });
    }
  });

  it("gets 413 for an oversized body", async () => {
    const error = await createContainerBridge({ baseUrl })
      .query(api.jobs.echo, "x".repeat(20_000))
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "payload-too-large", status: 413 });
  });

  it("reports a refused connection as network_error", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const error = await createContainerBridge({ baseUrl: `http://127.0.0.1:${port}` })
      .query("jobs:whoami")
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MoorageBridgeError);
    expect(error).toMatchObject({ code: "network-error", status: 0 });
  });
});
