/**
 * DNS wire format, the answer policy, and the live UDP responder (relay through workerd, NXDOMAIN, SERVFAIL,
 * refusal of answers that are not the response to the relay's own query).
 */
import dgram from "node:dgram";
import net from "node:net";
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
import { answerProblem, decide, startDnsServer, upstreamFromResolvConf } from "./dns-server.js";
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

type Resolver = "honest" | "wrong-id" | "other-question" | "silent";

/**
 * A stand-in for workerd's egress listener that answers `CONNECT resolver:53` with 202 (pass-through) and then
 * plays the resolver over DNS-over-TCP: honest, or answering with another id / another question, or silent.
 */
async function fakeWorkerdResolver(mode: () => Resolver) {
  const connects: string[] = [];
  const ids: number[] = [];
  const server = net.createServer((s) => {
    let buf = Buffer.alloc(0);
    let tunnel = false;
    s.on("error", () => s.destroy());
    s.on("data", (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      if (!tunnel) {
        const end = buf.indexOf("\r\n\r\n");
        if (end < 0) return;
        connects.push(buf.subarray(0, end).toString().split("\r\n")[0] ?? "");
        buf = buf.subarray(end + 4);
        tunnel = true;
        s.write("HTTP/1.1 202 Accepted\r\n\r\n");
      }
      if (buf.length < 2 || buf.length < 2 + buf.readUInt16BE(0)) return;
      const q = parseQuery(buf.subarray(2, 2 + buf.readUInt16BE(0)));
      if (!q) return void s.destroy();
      ids.push(q.id);
      const m = mode();
      if (m === "silent") return;
      let answer = buildResponse(q, RCODE_NOERROR, ["93.184.216.34"]);
      if (m === "wrong-id") answer.writeUInt16BE((q.id + 1) & 0xffff, 0);
      if (m === "other-question") {
        const other = parseQuery(buildQuery(q.id, "allowed.test"));
        answer = buildResponse(other!, RCODE_NOERROR, ["6.6.6.6"]);
      }
      const framed = Buffer.alloc(2);
      framed.writeUInt16BE(answer.length, 0);
      s.write(Buffer.concat([framed, answer]));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { connects, ids, port: (server.address() as net.AddressInfo).port, close: () => server.close() };
}

describe("DNS server (live UDP on loopback, relay through a fake workerd)", () => {
  let server: dgram.Socket;
  let port: number;
  let mode: Resolver = "honest";
  let workerd: Awaited<ReturnType<typeof fakeWorkerdResolver>>;
  const state = new EgressState({ port: 1, allowHostnames: ["allowed.test"], internetEnabled: false });
  const hosts = new HostTable();

  beforeAll(async () => {
    workerd = await fakeWorkerdResolver(() => mode);
    server = await startDnsServer({
      port: 0,
      host: "127.0.0.1",
      state,
      hosts,
      workerd: () => ({ host: "127.0.0.1", port: workerd.port }),
      upstream: ["1.1.1.1"],
      log: () => {},
    });
    port = (server.address() as { port: number }).port;
  });
  afterAll(() => {
    server.close();
    workerd.close();
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

  it("answers NXDOMAIN without internet, and asks nobody", async () => {
    const a = await ask("example.com");
    expect(a.readUInt16BE(2) & 0xf).toBe(RCODE_NXDOMAIN);
    expect(workerd.connects).toEqual([]);
  });

  it("relays other names with internet through workerd (DNS over TCP), and remembers the real address", async () => {
    await state.apply({ internetEnabled: true });
    mode = "honest";
    const a = await ask("example.com");
    expect(a.readUInt16BE(0)).toBe(7); // the client's id, not the relay's
    expect(readARecords(a)).toEqual([{ name: "example.com", ip: "93.184.216.34" }]);
    expect(hosts.hostnameFor("93.184.216.34")).toBe("example.com");
    expect(workerd.connects.at(-1)).toBe("CONNECT 1.1.1.1:53 HTTP/1.1");
  });

  it("uses a fresh unpredictable id per relayed query", async () => {
    mode = "honest";
    const before = workerd.ids.length;
    for (let i = 0; i < 6; i++) await ask(`n${i}.example.com`);
    const ids = workerd.ids.slice(before);
    expect(ids).toHaveLength(6);
    expect(new Set(ids).size).toBeGreaterThan(1);
    expect(ids).not.toContain(7); // never the app's own id
  });

  it("refuses answers with another id or for another question (SERVFAIL), and learns nothing from them", async () => {
    for (const m of ["wrong-id", "other-question"] as const) {
      mode = m;
      const a = await ask(`spoof-${m}.example.com`);
      expect(a.readUInt16BE(2) & 0xf, m).toBe(RCODE_SERVFAIL);
    }
    expect(hosts.hostnameFor("6.6.6.6")).toBeUndefined();
    expect(hosts.addressFor("spoof-wrong-id.example.com")).toBeUndefined();
  });

  it("answers SERVFAIL when the upstream does not answer in time", async () => {
    mode = "silent";
    const a = await ask("slow.example");
    expect(a.readUInt16BE(2) & 0xf).toBe(RCODE_SERVFAIL);
  });
});

describe("answerProblem", () => {
  it("accepts only the response to our id and question", () => {
    const q = parseQuery(buildQuery(42, "a.test"))!;
    expect(answerProblem(buildResponse(q, RCODE_NOERROR), 42, q)).toBeUndefined();
    expect(answerProblem(buildResponse(q, RCODE_NOERROR), 43, q)).toMatch(/different id/);
    expect(answerProblem(buildQuery(42, "a.test"), 42, q)).toMatch(/not a response/);
    const other = parseQuery(buildQuery(42, "b.test"))!;
    expect(answerProblem(buildResponse(other, RCODE_NOERROR), 42, q)).toMatch(/another question/);
    expect(answerProblem(Buffer.alloc(3), 42, q)).toMatch(/truncated/);
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
