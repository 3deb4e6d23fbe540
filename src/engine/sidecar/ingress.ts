/**
 * Ingress and control server on 0.0.0.0:39001 (published by workerd to a random loopback port).
 *
 * Why: this is the whole contract workerd uses to reach and configure the container
 * (workerd `container-client.c++`): `CONNECT` with `X-Dst-Addr: 127.0.0.1:n` becomes a raw tunnel
 * to port n inside the shared namespace, and a 400 answer means "nothing listens there" (the
 * cold-start signal the Durable Object retries on); `PUT /egress` carries the egress config;
 * `GET /ca` returns the interception CA. `GET /status` is Moorage's own, for diagnostics.
 * The control plane must be reachable only from workerd: workerd connects from outside the namespace
 * (docker-proxy on the bridge), so a connection whose peer is an address of this namespace (loopback,
 * or one of its own interface addresses: that is the app) is refused with 403 before its head is read.
 * The firewall drops such connections already (netfilter.ts); this is the second line. Tunnels go only
 * to loopback ports (workerd always asks for `127.0.0.1:n`), and the connection count is bounded.
 * Boundary: one head per connection; control requests close the connection after answering.
 */
import net from "node:net";
import { networkInterfaces } from "node:os";
import { parseHostPort } from "./args.js";
import { parseRequestHead, readHead, simpleResponse } from "./http-head.js";
import { splice } from "./pipe.js";
import { type EgressState, parseEgressBody } from "./state.js";

const HEAD_TIMEOUT_MS = 10_000;
const MAX_BODY_BYTES = 1024 * 1024;
/** Concurrent ingress tunnels and control requests. */
export const MAX_INGRESS_CONNECTIONS = 1024;

export interface IngressOptions {
  host: string;
  port: number;
  state: EgressState;
  /** PEM of the interception CA (`GET /ca`); may still be being generated. */
  caPem: () => Promise<string>;
  /** Extra facts for `GET /status`. */
  status: () => Record<string, unknown>;
  log: (msg: string) => void;
  /** Whether a peer is inside the namespace (default: `isInsidePeer` against every interface's address). */
  isInside?: (remote: string | undefined) => boolean;
}

/** Every address of this network namespace's interfaces, loopback included. */
export function namespaceAddresses(): Set<string> {
  const out = new Set<string>();
  for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) out.add(a.address);
  return out;
}

/** Whether a peer address belongs to this namespace (so: the app, or the sidecar itself). */
export function isInsidePeer(remote: string | undefined, local: ReadonlySet<string>): boolean {
  if (remote === undefined || remote === "") return true; // unknown peer: not workerd
  const addr = remote.replace(/^::ffff:/i, "");
  if (addr.startsWith("127.") || addr === "::1" || addr === "0.0.0.0" || addr === "::") return true;
  return local.has(addr) || local.has(remote);
}

/** Whether a tunnel destination is a loopback address (the only kind workerd asks for). */
export function isLoopbackHost(host: string): boolean {
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host) || host === "::1" || host === "localhost";
}

export async function startIngressServer(opts: IngressOptions): Promise<net.Server> {
  const isInside = opts.isInside ?? ((remote) => isInsidePeer(remote, namespaceAddresses()));
  const server = net.createServer({ allowHalfOpen: true, noDelay: true }, (socket) => {
    if (isInside(socket.remoteAddress)) {
      opts.log(`ingress: refused a connection from inside the namespace (${socket.remoteAddress ?? "?"})`);
      socket.on("error", () => socket.destroy());
      socket.end(simpleResponse(403, "Forbidden", "the sidecar's control port answers only workerd\n"));
      return;
    }
    handle(socket, opts).catch((err: Error) => {
      opts.log(`ingress: ${err.message}`);
      socket.destroy();
    });
  });
  server.maxConnections = MAX_INGRESS_CONNECTIONS;
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
  if (!isLoopbackHost(addr.host)) {
    socket.end(simpleResponse(403, "Forbidden", `tunnels go to loopback ports only, not ${JSON.stringify(dst)}\n`));
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
