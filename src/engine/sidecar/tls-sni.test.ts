/**
 * SNI extraction from a real Node TLS ClientHello.
 */
import net from "node:net";
import tls from "node:tls";
import { describe, expect, it } from "vitest";
import { parseClientHello } from "./tls-sni.js";

/** The first bytes a real Node TLS client sends for `servername`. */
async function realClientHello(servername: string): Promise<Buffer> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as net.AddressInfo).port;
  const hello = new Promise<Buffer>((resolve) => {
    server.once("connection", (s) => {
      let buf = Buffer.alloc(0);
      s.on("data", (d: Buffer) => {
        buf = Buffer.concat([buf, d]);
        if (buf.length >= 5 && buf.length >= 5 + buf.readUInt16BE(3)) {
          resolve(buf);
          s.destroy();
        }
      });
    });
  });
  const client = tls.connect({ port, host: "127.0.0.1", servername, rejectUnauthorized: false });
  client.on("error", () => {});
  const buf = await hello;
  client.destroy();
  server.close();
  return buf;
}

describe("parseClientHello", () => {
  it("finds the SNI in a real ClientHello", async () => {
    const hello = await realClientHello("Secure.Example.test");
    expect(parseClientHello(hello)).toEqual({ kind: "tls", sni: "secure.example.test" });
  });

  it("asks for more until the first record is complete", async () => {
    const hello = await realClientHello("a.test");
    expect(parseClientHello(hello.subarray(0, 3))).toEqual({ kind: "need-more" });
    expect(parseClientHello(hello.subarray(0, hello.length - 1))).toEqual({ kind: "need-more" });
  });

  it("rejects non-TLS bytes", () => {
    expect(parseClientHello(Buffer.from("GET / HTTP/1.1"))).toEqual({ kind: "not-tls" });
    expect(parseClientHello(Buffer.from([0x16, 0x01, 0x00, 0x00, 0x00]))).toEqual({ kind: "not-tls" });
  });
});
