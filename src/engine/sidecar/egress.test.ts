/**
 * Egress interception against a stand-in for workerd's egress listener (200, 202, close, TLS).
 */
import { execFileSync } from "node:child_process";
import http from "node:http";
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { classify, connectHead, EgressInterceptor, intoBridge, resolveTarget, splitHostHeader } from "./egress.js";
import { HostTable } from "./names.js";
import { EgressState } from "./state.js";
import { LocalCa } from "./tls-ca.js";

describe("classify / resolveTarget", () => {
  it("waits for a whole HTTP head, then reads Host", () => {
    expect(classify(Buffer.from("GET / HTTP/1.1\r\nHost: a"))).toBeUndefined();
    expect(classify(Buffer.from("GET / HTTP/1.1\r\nHost: api.test:8081\r\n\r\n"))).toMatchObject({
      kind: "http",
      host: "api.test",
      hostPort: 8081,
    });
    expect(classify(Buffer.from("\x00\x01binary"))).toMatchObject({ kind: "raw" });
  });

  it("splits Host headers", () => {
    expect(splitHostHeader("[::1]:8080")).toEqual({ host: "::1", port: 8080 });
    expect(splitHostHeader("Example.com")).toEqual({ host: "example.com", port: undefined });
  });

  it("uses the conntrack destination when known, Host/SNI and the synthetic table otherwise", () => {
    const hosts = new HostTable();
    const ip = hosts.synthetic("allowed.test");
    const http1 = { kind: "http" as const, host: "allowed.test", hostPort: undefined, bytes: Buffer.alloc(0) };
    expect(resolveTarget(http1, { ip, port: 80 }, hosts)).toEqual({
      authority: `${ip}:80`,
      header: { name: "X-Hostname", value: "allowed.test" },
    });
    expect(resolveTarget(http1, undefined, hosts)?.authority).toBe(`${ip}:80`);
    const tls1 = { kind: "tls" as const, sni: undefined, bytes: Buffer.alloc(0) };
    expect(resolveTarget(tls1, { ip, port: 8443 }, hosts)).toEqual({
      authority: `${ip}:8443`,
      header: { name: "X-Tls-Sni", value: "allowed.test" },
    });
    const raw = { kind: "raw" as const, bytes: Buffer.alloc(0) };
    expect(resolveTarget(raw, undefined, hosts)).toBeUndefined();
    expect(resolveTarget(raw, { ip: "10.0.0.1", port: 5432 }, hosts)).toEqual({
      authority: "10.0.0.1:5432",
      header: undefined,
    });
  });
});

describe("connectHead", () => {
  it("builds workerd's CONNECT head, and refuses any value that could end a line", () => {
    expect(connectHead({ authority: "10.0.0.1:80", header: { name: "X-Hostname", value: "a.test" } })).toBe(
      "CONNECT 10.0.0.1:80 HTTP/1.1\r\nHost: 10.0.0.1:80\r\nX-Hostname: a.test\r\n\r\n",
    );
    expect(connectHead({ authority: "[::1]:443", header: undefined })).toContain("CONNECT [::1]:443 ");
    for (const bad of ["a.test\r\nX-Evil: 1", "a.test\nx", "a b", "a.test\u0000", "ä.test", ""]) {
      expect(() => connectHead({ authority: "10.0.0.1:80", header: { name: "X-Tls-Sni", value: bad } })).toThrow(
        /refusing/,
      );
      expect(() => connectHead({ authority: `${bad}:80`, header: undefined })).toThrow(/refusing/);
    }
  });

  it("knows which destinations are on the docker bridge network", () => {
    expect(intoBridge("172.17.0.1:39001", "172.17.0.0/16")).toBe(true);
    expect(intoBridge("172.17.200.9:80", "172.17.0.0/16")).toBe(true);
    expect(intoBridge("93.184.216.34:443", "172.17.0.0/16")).toBe(false);
    expect(intoBridge("172.17.0.1:1", undefined)).toBe(false);
  });
});

type Mode = "intercept" | "passthrough" | "close";

/** A stand-in for workerd's egress listener: records CONNECT heads, answers per `mode`. */
async function fakeWorkerd(mode: () => Mode) {
  const heads: string[] = [];
  const inner = http.createServer((req, res) =>
    res.end(`worker handled ${req.method} ${req.url} host=${req.headers.host}`),
  );
  const server = net.createServer((s) => {
    let buf = Buffer.alloc(0);
    const onData = (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      const end = buf.indexOf("\r\n\r\n");
      if (end < 0) return;
      s.off("data", onData);
      heads.push(buf.subarray(0, end).toString());
      const rest = buf.subarray(end + 4);
      const m = mode();
      if (m === "close") return void s.destroy();
      if (m === "passthrough") {
        s.write("HTTP/1.1 202 Accepted\r\n\r\n");
        s.write("RAW-ECHO:");
        s.on("data", (x) => s.write(x));
        if (rest.length) s.write(rest);
        return;
      }
      s.write("HTTP/1.1 200 OK\r\n\r\n");
      if (rest.length) s.unshift(rest);
      inner.emit("connection", s);
    };
    s.on("data", onData);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { heads, port: (server.address() as net.AddressInfo).port, close: () => server.close() };
}

const hasOpenssl = (() => {
  try {
    execFileSync("openssl", ["version"]);
    return true;
  } catch {
    return false;
  }
})();

describe("EgressInterceptor against a fake workerd", () => {
  let mode: Mode = "intercept";
  let workerd: Awaited<ReturnType<typeof fakeWorkerd>>;
  let interceptor: EgressInterceptor;
  let port: number;
  const hosts = new HostTable();

  beforeAll(async () => {
    workerd = await fakeWorkerd(() => mode);
    const state = new EgressState({ port: workerd.port, allowHostnames: ["allowed.test"], internetEnabled: false });
    interceptor = new EgressInterceptor({
      host: "127.0.0.1",
      port: 0,
      state,
      hosts,
      gateway: () => "127.0.0.1",
      bridgeCidr: "10.99.0.0/16",
      log: () => {},
    });
    await interceptor.listen();
    port = interceptor.address()?.port ?? 0;
  });
  afterAll(() => {
    interceptor.close();
    workerd.close();
  });

  const send = (data: Buffer | string) =>
    new Promise<string>((resolve) => {
      const s = net.connect(port, "127.0.0.1");
      let out = "";
      s.on("data", (d) => {
        out += d.toString();
      });
      s.on("close", () => resolve(out));
      s.on("error", () => resolve(out));
      s.write(data);
      setTimeout(() => s.destroy(), 1500);
    });

  it("on 200 replays the app's HTTP request into the tunnel, with X-Hostname", async () => {
    mode = "intercept";
    const out = await send("GET /x?y=1 HTTP/1.1\r\nHost: allowed.test\r\nConnection: close\r\n\r\n");
    expect(out).toContain("worker handled GET /x?y=1 host=allowed.test");
    expect(workerd.heads.at(-1)).toMatch(/^CONNECT \S+ HTTP\/1\.1\r\n/);
    expect(workerd.heads.at(-1)).toContain("X-Hostname: allowed.test");
  });

  it("on 202 passes bytes through as-is", async () => {
    mode = "passthrough";
    const out = await send("GET / HTTP/1.1\r\nHost: elsewhere.test\r\n\r\n");
    expect(out.startsWith("RAW-ECHO:GET / HTTP/1.1")).toBe(true);
  });

  it("closes the app's connection when workerd closes", async () => {
    mode = "close";
    expect(await send("GET / HTTP/1.1\r\nHost: denied.test\r\n\r\n")).toBe("");
    expect(interceptor.counts["http:closed"]).toBeGreaterThanOrEqual(1);
  });

  it.skipIf(!hasOpenssl)("on 200 for TLS terminates it with a leaf from the local CA", async () => {
    mode = "intercept";
    const ca = await LocalCa.create();
    interceptor.setCa(ca);
    const { default: tls } = await import("node:tls");
    const body = await new Promise<string>((resolve, reject) => {
      const s = tls.connect({ port, host: "127.0.0.1", servername: "allowed.test", ca: ca.pem }, () => {
        s.write("GET /secure HTTP/1.1\r\nHost: allowed.test\r\nConnection: close\r\n\r\n");
      });
      let out = "";
      s.on("data", (d) => {
        out += d.toString();
      });
      s.on("end", () => resolve(out));
      s.on("error", reject);
    });
    expect(body).toContain("worker handled GET /secure host=allowed.test");
    expect(workerd.heads.at(-1)).toContain("X-Tls-Sni: allowed.test");
  });

  it("refuses a Host header that carries a line break, before anything reaches workerd", async () => {
    mode = "intercept";
    const before = workerd.heads.length;
    const out = await send("GET / HTTP/1.1\r\nHost: allowed.test\nX-Injected\r\nConnection: close\r\n\r\n");
    expect(out).toBe("");
    expect(workerd.heads.length).toBe(before);
    expect(interceptor.events.at(-1)?.outcome).toBe("refused: not a valid hostname");
  });

  it("refuses a TLS SNI that carries CR/LF, before anything reaches workerd", async () => {
    mode = "intercept";
    const { default: tls } = await import("node:tls");
    // A real ClientHello for "aaaa.test", with the name's bytes replaced by "a\r\na.test" (same length).
    const hello = await new Promise<Buffer>((resolve) => {
      const srv = net.createServer((sock) => {
        sock.once("data", (d: Buffer) => {
          resolve(d);
          sock.destroy();
          srv.close();
        });
      });
      srv.listen(0, "127.0.0.1", () => {
        const c = tls.connect({
          port: (srv.address() as net.AddressInfo).port,
          host: "127.0.0.1",
          servername: "aaaa.test",
        });
        c.on("error", () => {});
      });
    });
    const at = hello.indexOf("aaaa.test");
    expect(at).toBeGreaterThan(0);
    const evil = Buffer.from(hello);
    evil.write("a\r\na", at, "latin1");
    const before = workerd.heads.length;
    expect(await send(evil)).toBe("");
    expect(workerd.heads.length).toBe(before);
    expect(interceptor.events.at(-1)?.outcome).toBe("refused: not a valid hostname");
  });

  it("closes instead of passing through (202) to an address on the docker bridge network", async () => {
    mode = "passthrough";
    const out = await send("GET / HTTP/1.1\r\nHost: 10.99.0.7:39001\r\n\r\n");
    expect(out).toBe("");
    expect(interceptor.events.at(-1)?.outcome).toBe("refused: docker network");
  });
});
