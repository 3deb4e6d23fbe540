/**
 * Ingress and control server on 0.0.0.0:39001 (published by workerd to a random loopback port).
 *
 * Why: this is the whole contract workerd uses to reach and configure the container
 * (workerd `container-client.c++`): `CONNECT` with `X-Dst-Addr: 127.0.0.1:n` becomes a raw tunnel
 * to port n inside the shared namespace, and a 400 answer means "nothing listens there" (the
 * cold-start signal the Durable Object retries on); `PUT /egress` carries the egress config;
 * `GET /ca` returns the interception CA. `GET /status` is Moorage's own, for diagnostics.
 * Boundary: one head per connection; control requests close the connection after answering.
 */
import net from "node:net";
import { parseHostPort } from "./args.js";
import { parseRequestHead, readHead, simpleResponse } from "./http-head.js";
import { splice } from "./pipe.js";
import { type EgressState, parseEgressBody } from "./state.js";

const HEAD_TIMEOUT_MS = 10_000;
const MAX_BODY_BYTES = 1024 * 1024;

export interface IngressOptions {
  host: string;
  port: number;
  state: EgressState;
  /** PEM of the interception CA (`GET /ca`); may still be being generated. */
  caPem: () => Promise<string>;
  /** Extra facts for `GET /status`. */
  status: () => Record<string, unknown>;
  log: (msg: string) => void;
}

export async function startIngressServer(opts: IngressOptions): Promise<net.Server> {
  const server = net.createServer({ allowHalfOpen: true, noDelay: true }, (socket) => {
    handle(socket, opts).catch((err: Error) => {
      opts.log(`ingress: ${err.message}`);
      socket.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  return server;
}

async function handle(socket: net.Socket, opts: IngressOptions): Promise<void> {
  socket.on("error", () => socket.destroy());
  const { head, rest } = await readHead(socket, HEAD_TIMEOUT_MS);
  const req = parseRequestHead(head);
  if (!req) {
    socket.end(simpleResponse(400, "Bad Request", "malformed HTTP request\n"));
    return;
  }
  if (req.method === "CONNECT") return tunnel(socket, req.headers["x-dst-addr"] ?? req.target, rest);

  const path = req.target.split("?")[0];
  if (req.method === "PUT" && path === "/egress") {
    const body = await readBody(socket, rest, Number(req.headers["content-length"] ?? "0"));
    let update: ReturnType<typeof parseEgressBody>;
    try {
      update = parseEgressBody(body);
    } catch (err) {
      socket.end(simpleResponse(400, "Bad Request", `PUT /egress: ${(err as Error).message}\n`));
      return;
    }
    try {
      // workerd relies on the config being in force when this answers (it starts the app next).
      await opts.state.apply(update);
    } catch (err) {
      socket.end(simpleResponse(500, "Internal Server Error", `PUT /egress: ${(err as Error).message}\n`));
      return;
    }
    const c = opts.state.current;
    opts.log(`egress: port=${c.port} internet=${c.internetEnabled} allowHostnames=[${c.allowHostnames.join(", ")}]`);
    socket.end(simpleResponse(200, "OK", "{}", "application/json"));
    return;
  }
  if (req.method === "GET" && path === "/ca") {
    socket.end(simpleResponse(200, "OK", await opts.caPem(), "application/x-pem-file"));
    return;
  }
  if (req.method === "GET" && path === "/status") {
    const body = JSON.stringify({ egress: opts.state.current, ...opts.status() });
    socket.end(simpleResponse(200, "OK", body, "application/json"));
    return;
  }
  socket.end(simpleResponse(404, "Not Found", `no route for ${req.method} ${path}\n`));
}

function tunnel(socket: net.Socket, dst: string, rest: Buffer): void {
  const addr = parseHostPort(dst);
  if (!addr) {
    socket.end(simpleResponse(400, "Bad Request", `bad CONNECT destination ${JSON.stringify(dst)}\n`));
    return;
  }
  const upstream = net.connect({ host: addr.host, port: addr.port, allowHalfOpen: true, noDelay: true });
  const onConnectError = (err: Error) => {
    // 400 is workerd's "container is not listening to port n" (a cold-start signal, not a failure).
    socket.end(simpleResponse(400, "Bad Request", `cannot connect to ${dst}: ${err.message}\n`));
  };
  upstream.once("error", onConnectError);
  upstream.once("connect", () => {
    upstream.off("error", onConnectError);
    socket.write("HTTP/1.1 200 OK\r\n\r\n");
    splice(socket, upstream, rest);
  });
}

function readBody(socket: net.Socket, already: Buffer, length: number): Promise<string> {
  if (!Number.isFinite(length) || length < 0 || length > MAX_BODY_BYTES) {
    return Promise.reject(new Error(`unacceptable Content-Length ${length}`));
  }
  if (already.length >= length) return Promise.resolve(already.subarray(0, length).toString("utf8"));
  return new Promise((resolve, reject) => {
    const chunks = [already];
    let got = already.length;
    const timer = setTimeout(() => done(new Error("request body timed out")), HEAD_TIMEOUT_MS);
    const onData = (c: Buffer) => {
      chunks.push(c);
      got += c.length;
      if (got >= length) done();
    };
    const onEnd = () => done(new Error("connection ended before the request body"));
    function done(err?: Error) {
      clearTimeout(timer);
      socket.off("data", onData).off("end", onEnd);
      socket.pause();
      if (err) reject(err);
      else resolve(Buffer.concat(chunks).subarray(0, length).toString("utf8"));
    }
    socket.on("data", onData).on("end", onEnd);
    socket.resume();
  });
}
