/**
 * The sidecar's DNS responder (active with `--dns-enabled`).
 *
 * Why: the app container shares the sidecar's network namespace and its resolver points at public
 * servers that are unreachable offline. The firewall redirects the app's UDP/53 here. Names workerd
 * intercepts get a synthetic address (so `fetch("http://api.example.com/")` resolves and reaches the
 * interception path); other names are relayed upstream when the internet is enabled (and their real
 * addresses remembered), and get NXDOMAIN when it is not. AAAA queries get an empty answer so clients
 * fall back to IPv4 quickly.
 * Boundary: UDP only; DNS over TCP is not redirected (clients retry over UDP first anyway).
 */
import dgram from "node:dgram";
import { readFileSync } from "node:fs";
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
import type { HostTable } from "./names.js";
import type { EgressState } from "./state.js";

const UPSTREAM_TIMEOUT_MS = 2000;
const MAX_PENDING_UPSTREAM = 256;

export interface DnsServerOptions {
  port: number;
  host?: string;
  state: EgressState;
  hosts: HostTable;
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
      .filter((ip): ip is string => ip !== undefined && !ip.startsWith("127.") && !ip.includes(":"));
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

export async function startDnsServer(opts: DnsServerOptions): Promise<dgram.Socket> {
  const upstream = opts.upstream ?? upstreamFromResolvConf();
  const server = dgram.createSocket("udp4");
  // One socket for all relayed queries; replies are matched by (our id) -> (client, their id).
  const relay = dgram.createSocket("udp4");
  const pending = new Map<number, { reply: (msg: Buffer) => void; timer: NodeJS.Timeout }>();
  let nextId = Math.floor(Math.random() * 0xffff);

  relay.on("message", (msg) => {
    if (msg.length < 2) return;
    const entry = pending.get(msg.readUInt16BE(0));
    if (!entry) return;
    pending.delete(msg.readUInt16BE(0));
    clearTimeout(entry.timer);
    for (const { name, ip } of readARecords(msg)) opts.hosts.learn(name, ip);
    entry.reply(msg);
  });
  relay.on("error", (err) => opts.log(`dns: upstream socket error: ${err.message}`));

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
    const target = upstream[0];
    if (target === undefined || pending.size >= MAX_PENDING_UPSTREAM) return send(buildResponse(q, RCODE_SERVFAIL));
    nextId = (nextId + 1) & 0xffff;
    const id = nextId;
    const copy = Buffer.from(msg);
    copy.writeUInt16BE(id, 0);
    const timer = setTimeout(() => {
      pending.delete(id);
      send(buildResponse(q, RCODE_SERVFAIL));
    }, UPSTREAM_TIMEOUT_MS);
    pending.set(id, {
      timer,
      reply: (answer) => {
        const out = Buffer.from(answer);
        out.writeUInt16BE(q.id, 0);
        send(out);
      },
    });
    relay.send(copy, opts.upstreamPort ?? 53, target);
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.bind(opts.port, opts.host ?? "0.0.0.0", () => {
      server.off("error", reject);
      resolve();
    });
  });
  server.on("error", (err) => opts.log(`dns: server error: ${err.message}`));
  server.on("close", () => relay.close());
  opts.log(`dns: answering on udp ${opts.host ?? "0.0.0.0"}:${opts.port} (upstream: ${upstream.join(", ") || "none"})`);
  return server;
}
