/**
 * The minimal HTTP/1.x head reader used on raw sockets.
 */
import net from "node:net";
import { describe, expect, it } from "vitest";
import { headEnd, looksLikeHttpRequest, parseRequestHead, parseResponseHead, readHead } from "./http-head.js";

describe("HTTP head parsing", () => {
  it("parses a request head with repeated and mixed-case headers", () => {
    const h = parseRequestHead("GET /a?b=1 HTTP/1.1\r\nHost: x.test:81\r\nX-A: 1\r\nx-a: 2\r\n\r\n");
    expect(h).toEqual({
      method: "GET",
      target: "/a?b=1",
      version: "HTTP/1.1",
      headers: { host: "x.test:81", "x-a": "1, 2" },
    });
    expect(parseRequestHead("\x16\x03\x01")).toBeUndefined();
  });

  it("parses a response status line", () => {
    expect(parseResponseHead("HTTP/1.1 202 Accepted\r\n\r\n")).toMatchObject({ status: 202, reason: "Accepted" });
    expect(parseResponseHead("HTTP/1.1 200\r\n\r\n")).toMatchObject({ status: 200 });
  });

  it("recognizes a request line early and rejects binary", () => {
    expect(looksLikeHttpRequest(Buffer.from("GE"))).toBe(true);
    expect(looksLikeHttpRequest(Buffer.from("POST /x"))).toBe(true);
    expect(looksLikeHttpRequest(Buffer.from([0x16, 0x03]))).toBe(false);
    expect(looksLikeHttpRequest(Buffer.from("SSH-2.0-OpenSSH"))).toBe(false);
    expect(headEnd(Buffer.from("GET / HTTP/1.1\r\n\r\nBODY"))).toBe(18);
  });

  it("reads a head split over packets and hands back what follows", async () => {
    const server = net.createServer();
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as net.AddressInfo).port;
    const got = new Promise<{ head: string; rest: string }>((resolve, reject) => {
      server.once("connection", (s) => {
        readHead(s, 2000).then(({ head, rest }) => resolve({ head: head.toString(), rest: rest.toString() }), reject);
      });
    });
    const c = net.connect(port, "127.0.0.1");
    c.write("CONNECT 127.0.0.1:1 HTTP/1.1\r\nX-Dst");
    await new Promise((r) => setTimeout(r, 20));
    c.write("-Addr: 127.0.0.1:1\r\n\r\nHELLO");
    expect(await got).toEqual({
      head: "CONNECT 127.0.0.1:1 HTTP/1.1\r\nX-Dst-Addr: 127.0.0.1:1\r\n\r\n",
      rest: "HELLO",
    });
    c.destroy();
    server.close();
  });
});
