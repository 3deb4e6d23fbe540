/**
 * The ingress/control server speaking workerd's protocol over real loopback sockets.
 */
import http from "node:http";
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isInsidePeer, isLoopbackHost, startIngressServer } from "./ingress.js";
import { EgressState } from "./state.js";

/** Sends raw bytes, returns everything received until the peer closes. */
function exchange(port: number, data: string, closeAfterMs = 1500): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, "127.0.0.1");
    let out = "";
    s.on("data", (d) => {
      out += d.toString();
    });
    s.on("close", () => resolve(out));
    s.on("error", reject);
    s.write(data);
    setTimeout(() => s.destroy(), closeAfterMs);
  });
}

describe("ingress/control server", () => {
  let ingress: net.Server;
  let port: number;
  let app: http.Server;
  let appPort: number;
  const state = new EgressState({ port: undefined, allowHostnames: [], internetEnabled: false });

  beforeAll(async () => {
    app = http.createServer((req, res) => res.end(`app saw ${req.url}`));
    await new Promise<void>((r) => app.listen(0, "127.0.0.1", r));
    appPort = (app.address() as net.AddressInfo).port;
    ingress = await startIngressServer({
      host: "127.0.0.1",
      port: 0,
      state,
      caPem: async () => "-----BEGIN CERTIFICATE-----\nTEST\n-----END CERTIFICATE-----\n",
      status: () => ({ extra: 1 }),
      log: () => {},
      // This test plays workerd from loopback; the real server refuses loopback peers (test below).
      isInside: () => false,
    });
    port = (ingress.address() as net.AddressInfo).port;
  });
  afterAll(() => {
    ingress.close();
    app.close();
  });

  it("tunnels CONNECT with X-Dst-Addr to the port inside the namespace", async () => {
    const out = await exchange(
      port,
      `CONNECT 127.0.0.1:${appPort} HTTP/1.1\r\nX-Dst-Addr: 127.0.0.1:${appPort}\r\n\r\nGET /hello HTTP/1.1\r\nHost: c\r\nConnection: close\r\n\r\n`,
    );
    expect(out.startsWith("HTTP/1.1 200 OK\r\n\r\nHTTP/1.1 200 OK")).toBe(true);
    expect(out).toContain("app saw /hello");
  });

  it("answers 400 when nothing listens (workerd's cold-start signal)", async () => {
    const closed = await new Promise<number>((r) => {
      const s = net.createServer().listen(0, "127.0.0.1", () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => r(p));
      });
    });
    const out = await exchange(port, `CONNECT 127.0.0.1:${closed} HTTP/1.1\r\nX-Dst-Addr: 127.0.0.1:${closed}\r\n\r\n`);
    expect(out).toMatch(/^HTTP\/1\.1 400 /);
  });

  it("stores PUT /egress and rejects a bad body with 400", async () => {
    const body = JSON.stringify({ port: 41000, dns: { allowHostnames: ["a.test"] }, internet: { enabled: true } });
    const ok = await exchange(port, `PUT /egress HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
    expect(ok).toMatch(/^HTTP\/1\.1 200 /);
    expect(state.current).toEqual({ port: 41000, allowHostnames: ["a.test"], internetEnabled: true });
    const bad = await exchange(port, "PUT /egress HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nnop");
    expect(bad).toMatch(/^HTTP\/1\.1 400 /);
  });

  it("serves the CA, a status document and 404 for the rest", async () => {
    expect(await exchange(port, "GET /ca HTTP/1.1\r\nHost: x\r\n\r\n")).toContain("BEGIN CERTIFICATE");
    const status = await exchange(port, "GET /status HTTP/1.1\r\nHost: x\r\n\r\n");
    expect(status).toContain('"extra":1');
    expect(await exchange(port, "GET /nope HTTP/1.1\r\nHost: x\r\n\r\n")).toMatch(/^HTTP\/1\.1 404 /);
  });

  it("refuses a tunnel to anything but loopback (workerd only ever asks for 127.0.0.1:n)", async () => {
    const out = await exchange(port, "CONNECT 10.0.0.1:80 HTTP/1.1\r\nX-Dst-Addr: 10.0.0.1:80\r\n\r\n");
    expect(out).toMatch(/^HTTP\/1\.1 403 /);
    expect(isLoopbackHost("127.0.0.1")).toBe(true);
    expect(isLoopbackHost("172.17.0.2")).toBe(false);
  });
});

describe("control plane reachable only from outside the namespace", () => {
  it("answers 403 to a peer inside the namespace and leaves the egress config alone", async () => {
    const state = new EgressState({ port: 41000, allowHostnames: [], internetEnabled: false });
    const server = await startIngressServer({
      host: "127.0.0.1",
      port: 0,
      state,
      caPem: async () => "PEM",
      status: () => ({}),
      log: () => {},
    });
    const port = (server.address() as net.AddressInfo).port;
    const body = JSON.stringify({ internet: { enabled: true } });
    const put = await exchange(port, `PUT /egress HTTP/1.1\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
    const tunnel = await exchange(port, "CONNECT 127.0.0.1:22 HTTP/1.1\r\nX-Dst-Addr: 127.0.0.1:22\r\n\r\n");
    server.close();
    expect(put).toMatch(/^HTTP\/1\.1 403 /);
    expect(tunnel).toMatch(/^HTTP\/1\.1 403 /);
    expect(state.current.internetEnabled).toBe(false);
  });

  it("treats loopback and the namespace's own addresses as inside, the docker gateway as outside", () => {
    const own = new Set(["127.0.0.1", "172.17.0.5"]);
    for (const inside of [
      "127.0.0.1",
      "127.3.4.5",
      "::1",
      "::ffff:127.0.0.1",
      "172.17.0.5",
      "::ffff:172.17.0.5",
      undefined,
    ]) {
      expect(isInsidePeer(inside, own), String(inside)).toBe(true);
    }
    expect(isInsidePeer("172.17.0.1", own)).toBe(false);
    expect(isInsidePeer("::ffff:172.17.0.1", own)).toBe(false);
  });
});
