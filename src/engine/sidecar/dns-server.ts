/**
 * The sidecar's DNS responder (active with `--dns-enabled`).
 *
 * Why: the app container shares the sidecar's network namespace and its resolver points at public
 * servers that are unreachable offline. The firewall redirects the app's UDP/53 (to any address) here.
 * Names workerd intercepts get a synthetic address (so `fetch("http://api.example.com/")` resolves and
 * reaches the interception path); other names are relayed upstream when the internet is enabled (and
 * their real addresses remembered, bounded), and get NXDOMAIN when it is not. AAAA queries get an empty
 * answer so clients fall back to IPv4 quickly.
 * The relay never leaves the namespace by itself: it asks the upstream resolver over DNS-over-TCP through
 * workerd's egress listener (`CONNECT resolver:53`, which workerd passes through only with the internet
 * on), so the firewall needs no exemption for it. Each relayed query gets a fresh random id, and an
 * answer is used only when it arrives on that query's own connection with the same id and question.
 * Boundary: UDP from the app, TCP to workerd; DNS over TCP from the app is treated as any other TCP.
 */
import { randomInt } from "node:crypto";
import dgram from "node:dgram";
import { readFileSync } from "node:fs";
import net from "node:net";
import {
  buildResponse,
  type DnsQuestion,
  parseQuery,
  RCODE_NOERROR,
  RCODE_NOTIMP,
  RCODE_NXDOMAIN,
  RCODE_SERVFAIL,
  readARecords,
  TYPE_A,
} from "./dns-message.js";
import { parseResponseHead, readHead } from "./http-head.js";
import { type HostTable, ipv4ToInt } from "./names.js";
import type { EgressState } from "./state.js";

const UPSTREAM_TIMEOUT_MS = 2000;
/** Relayed queries in flight at once; more get SERVFAIL. */
export const MAX_PENDING_UPSTREAM = 64;
const MAX_DNS_MESSAGE = 65_535;

export interface DnsServerOptions {
  port: number;
  host?: string;
  state: EgressState;
  hosts: HostTable;
  /** workerd's egress listener (the docker gateway and the `PUT /egress` port), once known. */
  workerd: () => { host: string; port: number } | undefined;
  /** Upstream resolvers (ip addresses); defaults to the nameservers in /etc/resolv.conf. */
  upstream?: string[];
  /** Upstream port (53; tests use another). */
  upstreamPort?: number;
  log: (msg: string) => void;
}

export function upstreamFromResolvConf(path = "/etc/resolv.conf"): string[] {
  try {
    return readFileSync(path, "utf8")
      .split("\n")
      .map((l) => /^\s*nameserver\s+(\S+)/.exec(l)?.[1])
      .filter((ip): ip is string => ip !== undefined && ipv4ToInt(ip) !== undefined && !ip.startsWith("127."));
  } catch {
    return [];
  }
}

/** Decides the answer for one question; `relay` means "ask upstream". Exported for tests. */
export function decide(
  q: Pick<DnsQuestion, "name" | "type">,
  state: EgressState,
  hosts: HostTable,
): { rcode: number; answers: string[] } | "relay" {
  if (state.isIntercepted(q.name)) {
    if (q.type === TYPE_A) return { rcode: RCODE_NOERROR, answers: [hosts.synthetic(q.name)] };
    return { rcode: RCODE_NOERROR, answers: [] }; // AAAA and the rest: the name exists, no such record
  }
  if (state.current.internetEnabled) return "relay";
  return { rcode: RCODE_NXDOMAIN, answers: [] };
}

/**
 * One DNS-over-TCP exchange with `resolver:port` through workerd's egress listener. Resolves with the
 * answer (already checked: same id, a response, same question), or rejects naming what went wrong.
 */
export function relayThroughWorkerd(
  query: Buffer,
  q: DnsQuestion,
  workerd: { host: string; port: number },
  resolver: string,
  port: number,
  timeoutMs = UPSTREAM_TIMEOUT_MS,
): Promise<Buffer> {
  const id = randomInt(0, 0x10000);
  const copy = Buffer.from(query);
  copy.writeUInt16BE(id, 0);
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: workerd.host, port: workerd.port });
    const timer = setTimeout(() => fail(new Error(`no answer from ${resolver} within ${timeoutMs} ms`)), timeoutMs);
    let settled = false;
    function fail(err: Error) {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      reject(err);
    }
    socket.on("error", fail);
    socket.write(`CONNECT ${resolver}:${port} HTTP/1.1\r\nHost: ${resolver}:${port}\r\n\r\n`);
    readHead(socket, timeoutMs).then(({ head, rest }) => {
      const status = parseResponseHead(head)?.status ?? 0;
      if (status !== 200 && status !== 202)
        return fail(new Error(`workerd answered ${status} for ${resolver}:${port}`));
      const framed = Buffer.alloc(2 + copy.length);
      framed.writeUInt16BE(copy.length, 0);
      copy.copy(framed, 2);
      socket.write(framed);
      let buf = rest;
      const onData = (chunk: Buffer) => {
        buf = Buffer.concat([buf, chunk]);
        if (buf.length > MAX_DNS_MESSAGE + 2) return fail(new Error("oversized DNS answer"));
        if (buf.length < 2 || buf.length < 2 + buf.readUInt16BE(0)) return;
        const answer = buf.subarray(2, 2 + buf.readUInt16BE(0));
        if (settled) return;
        const problem = answerProblem(answer, id, q);
        if (problem) return fail(new Error(problem));
        settled = true;
        clearTimeout(timer);
        socket.destroy();
        resolve(Buffer.from(answer));
      };
      socket.on("data", onData);
      onData(Buffer.alloc(0));
      socket.on("end", () => fail(new Error(`${resolver} closed before answering`)));
      socket.resume();
    }, fail);
  });
}

/** Why `answer` is not the response to our query (id `id`, question `q`), or undefined when it is. */
export function answerProblem(answer: Buffer, id: number, q: DnsQuestion): string | undefined {
  if (answer.length < 12) return "truncated DNS answer";
  if (answer.readUInt16BE(0) !== id) return "DNS answer with a different id";
  if ((answer.readUInt16BE(2) & 0x8000) === 0) return "DNS message is not a response";
  const question = answer.subarray(12, 12 + q.questionBytes.length);
  if (answer.readUInt16BE(4) !== 1 || !question.equals(q.questionBytes)) return "DNS answer for another question";
  return undefined;
}

export async function startDnsServer(opts: DnsServerOptions): Promise<dgram.Socket> {
  const upstream = opts.upstream ?? upstreamFromResolvConf();
  const server = dgram.createSocket("udp4");
  let pending = 0;

  server.on("message", (msg, rinfo) => {
    const send = (buf: Buffer) => server.send(buf, rinfo.port, rinfo.address);
    const q = parseQuery(msg);
    if (!q) return;
    if (q.klass !== 1) return send(buildResponse(q, RCODE_NOTIMP));
    let verdict: ReturnType<typeof decide>;
    try {
      verdict = decide(q, opts.state, opts.hosts);
    } catch (err) {
      opts.log(`dns: ${q.name}: ${(err as Error).message}`);
      return send(buildResponse(q, RCODE_SERVFAIL));
    }
    if (verdict !== "relay") return send(buildResponse(q, verdict.rcode, verdict.answers));
    const resolver = upstream[0];
    const workerd = opts.workerd();
    if (resolver === undefined || workerd === undefined || pending >= MAX_PENDING_UPSTREAM) {
      return send(buildResponse(q, RCODE_SERVFAIL));
    }
    pending++;
    relayThroughWorkerd(msg, q, workerd, resolver, opts.upstreamPort ?? 53)
      .then((answer) => {
        for (const { name, ip } of readARecords(answer)) opts.hosts.learn(name, ip);
        answer.writeUInt16BE(q.id, 0);
        send(answer);
      })
      .catch((err: Error) => {
        opts.log(`dns: ${q.name}: ${err.message}`);
        send(buildResponse(q, RCODE_SERVFAIL));
      })
      .finally(() => {
        pending--;
      });
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.bind(opts.port, opts.host ?? "0.0.0.0", () => {
      server.off("error", reject);
      resolve();
    });
  });
  server.on("error", (err) => opts.log(`dns: server error: ${err.message}`));
  opts.log(`dns: answering on udp ${opts.host ?? "0.0.0.0"}:${opts.port} (upstream: ${upstream.join(", ") || "none"})`);
  return server;
}
