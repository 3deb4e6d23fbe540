/**
 * DNS wire format, the answer policy, and the live UDP responder (relay, NXDOMAIN, SERVFAIL).
 */
import dgram from "node:dgram";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  buildQuery,
  buildResponse,
  parseQuery,
  RCODE_NOERROR,
  RCODE_NXDOMAIN,
  RCODE_SERVFAIL,
  readARecords,
  TYPE_A,
  TYPE_AAAA,
} from "./dns-message.js";
import { decide, startDnsServer, upstreamFromResolvConf } from "./dns-server.js";
import { HostTable } from "./names.js";
import { EgressState } from "./state.js";

describe("DNS wire format", () => {
  it("round-trips a query and an A answer", () => {
    const q = parseQuery(buildQuery(0x1234, "Api.Example.com", TYPE_A));
    expect(q).toMatchObject({ id: 0x1234, name: "api.example.com", type: TYPE_A, klass: 1 });
    const answer = buildResponse(q!, RCODE_NOERROR, ["100.64.0.7"]);
    expect(answer.readUInt16BE(0)).toBe(0x1234);
    expect(answer.readUInt16BE(2) & 0x8000).toBe(0x8000); // QR
    expect(answer.readUInt16BE(2) & 0x0100).toBe(0x0100); // RD echoed
    expect(readARecords(answer)).toEqual([{ name: "api.example.com", ip: "100.64.0.7" }]);
  });

  it("ignores responses and garbage", () => {
    expect(parseQuery(Buffer.from([1, 2, 3]))).toBeUndefined();
    const resp = buildResponse(parseQuery(buildQuery(1, "a.b"))!, RCODE_NOERROR);
    expect(parseQuery(resp)).toBeUndefined();
  });
});

describe("decide", () => {
  const hosts = new HostTable();
  const state = new EgressState({ port: 1, allowHostnames: ["allowed.test", "*.api.test"], internetEnabled: false });

  it("answers intercepted names with a synthetic A and an empty AAAA", () => {
    expect(decide({ name: "allowed.test", type: TYPE_A }, state, hosts)).toEqual({ rcode: 0, answers: ["100.64.0.1"] });
    expect(decide({ name: "x.api.test", type: TYPE_AAAA }, state, hosts)).toEqual({ rcode: 0, answers: [] });
  });

  it("refuses other names without internet and relays them with it", async () => {
    expect(decide({ name: "example.com", type: TYPE_A }, state, hosts)).toEqual({ rcode: RCODE_NXDOMAIN, answers: [] });
    await state.apply({ internetEnabled: true });
    expect(decide({ name: "example.com", type: TYPE_A }, state, hosts)).toBe("relay");
  });
});

describe("DNS server (live UDP on loopback)", () => {
  let server: dgram.Socket;
  let port: number;
  let upstream: dgram.Socket;
  const state = new EgressState({ port: 1, allowHostnames: ["allowed.test"], internetEnabled: false });
  const hosts = new HostTable();

  beforeAll(async () => {
    // A fake upstream resolver that answers everything with 93.184.216.34.
    upstream = dgram.createSocket("udp4");
    upstream.on("message", (msg, rinfo) => {
      const q = parseQuery(msg);
      if (q) upstream.send(buildResponse(q, RCODE_NOERROR, ["93.184.216.34"]), rinfo.port, rinfo.address);
    });
    await new Promise<void>((r) => upstream.bind(0, "127.0.0.1", r));
    const upstreamPort = (upstream.address() as { port: number }).port;
    server = await startDnsServer({
      port: 0,
      host: "127.0.0.1",
      state,
      hosts,
      upstream: ["127.0.0.1"],
      upstreamPort,
      log: () => {},
    });
    port = (server.address() as { port: number }).port;
  });
  afterAll(() => {
    server.close();
    upstream.close();
  });

  const ask = (name: string, type = TYPE_A) =>
    new Promise<Buffer>((resolve, reject) => {
      const c = dgram.createSocket("udp4");
      const t = setTimeout(() => reject(new Error("no DNS answer")), 4000);
      c.on("message", (m) => {
        clearTimeout(t);
        c.close();
        resolve(m);
      });
      c.send(buildQuery(7, name, type), port, "127.0.0.1");
    });

  it("answers an intercepted name", async () => {
    const a = await ask("allowed.test");
    expect(a.readUInt16BE(2) & 0xf).toBe(RCODE_NOERROR);
    expect(readARecords(a)).toEqual([{ name: "allowed.test", ip: hosts.addressFor("allowed.test") }]);
  });

  it("answers NXDOMAIN without internet", async () => {
    const a = await ask("example.com");
    expect(a.readUInt16BE(2) & 0xf).toBe(RCODE_NXDOMAIN);
  });

  it("relays other names upstream with internet, and remembers the real address", async () => {
    await state.apply({ internetEnabled: true });
    const a = await ask("example.com");
    expect(a.readUInt16BE(0)).toBe(7); // the client's id, not the relay's
    expect(readARecords(a)).toEqual([{ name: "example.com", ip: "93.184.216.34" }]);
    expect(hosts.hostnameFor("93.184.216.34")).toBe("example.com");
  });

  it("answers SERVFAIL when the upstream does not answer in time", async () => {
    const silent = await startDnsServer({
      port: 0,
      host: "127.0.0.1",
      state,
      hosts,
      upstream: ["127.0.0.1"],
      upstreamPort: 9,
      log: () => {},
    });
    const silentPort = (silent.address() as { port: number }).port;
    const c = dgram.createSocket("udp4");
    const answer = await new Promise<Buffer>((resolve) => {
      c.on("message", resolve);
      c.send(buildQuery(9, "slow.example"), silentPort, "127.0.0.1");
    });
    c.close();
    silent.close();
    expect(answer.readUInt16BE(2) & 0xf).toBe(RCODE_SERVFAIL);
  });
});

describe("upstreamFromResolvConf", () => {
  it("keeps IPv4 non-loopback nameservers", async () => {
    const { writeFileSync, mkdtempSync } = await import("node:fs");
    const { join } = await import("node:path");
    const { tmpdir } = await import("node:os");
    const f = join(mkdtempSync(join(tmpdir(), "rc-")), "resolv.conf");
    writeFileSync(f, "nameserver 127.0.0.11\nnameserver 1.1.1.1\n# x\nnameserver ::1\nsearch a\nnameserver 8.8.8.8\n");
    expect(upstreamFromResolvConf(f)).toEqual(["1.1.1.1", "8.8.8.8"]);
  });
});
