/**
 * Egress interception: every outbound TCP connection of the app lands here (firewall REDIRECT) and
 * is handed to workerd's egress listener with proxy-everything's protocol.
 *
 * Why: workerd decides per connection whether a Worker handles it (outbound handlers, allow/deny
 * lists) or it passes through. The sidecar classifies the first bytes (HTTP request head -> Host,
 * TLS ClientHello -> SNI, otherwise raw), recovers the dialled IP:port (conntrack, else Host/SNI and
 * the synthetic-address table), and sends `CONNECT ip:port` to the docker gateway at the egress port
 * with `X-Hostname` or `X-Tls-Sni`. Answers (workerd `EgressHttpService::connect`):
 *   200 -> workerd speaks HTTP inside the tunnel: replay the app's bytes (for TLS, terminate it first
 *          with a leaf from the local CA and forward the plaintext);
 *   202 -> "send bytes as-is": workerd already connected to the real destination, or will close
 *          when the internet is disabled;
 *   anything else, refusal or close -> close the app's connection.
 * Everything the app sends is untrusted: a Host header or SNI that is not a plain hostname (CR/LF,
 * spaces, non-ASCII...) is refused before anything reaches workerd (`connectHead` re-checks the head it
 * builds), a pass-through (202) to an address on the docker bridge network (other containers, ports the
 * engine publishes on the gateway, this sidecar's own control port) is closed instead of spliced, and
 * the number of connections is bounded.
 * Boundary: TCP only (the firewall rejects UDP other than DNS); IPv4 only (IPv6 stays on loopback).
 */
import net from "node:net";
import tls from "node:tls";
import { type OriginalDestination, originalDestination } from "./conntrack.js";
import { cidrContains } from "./gateway.js";
import { headEnd, looksLikeHttpRequest, parseRequestHead, parseResponseHead, readHead } from "./http-head.js";
import { type HostTable, isIpLiteral, isSafeHostname, isSynthetic, normalizeHostname } from "./names.js";
import { destroyBoth, splice } from "./pipe.js";
import type { EgressState } from "./state.js";
import type { LocalCa } from "./tls-ca.js";
import { parseClientHello } from "./tls-sni.js";

const SNIFF_LIMIT = 64 * 1024;
/** How long to wait for the app's first bytes before treating the stream as raw TCP. */
const SNIFF_RAW_AFTER_MS = 750;
/** Give up on a connection that sends nothing and whose destination is unknown. */
const SNIFF_GIVE_UP_MS = 10_000;
const CONNECT_TIMEOUT_MS = 10_000;
/** Concurrent intercepted connections; beyond this new ones are refused by the kernel's backlog. */
export const MAX_EGRESS_CONNECTIONS = 512;

export type Sniffed =
  | { kind: "http"; host: string | undefined; hostPort: number | undefined; bytes: Buffer }
  | { kind: "tls"; sni: string | undefined; bytes: Buffer }
  | { kind: "raw"; bytes: Buffer };

export interface EgressTarget {
  /** `ip:port` (or `host:port` when no address is known) for the CONNECT line. */
  authority: string;
  header: { name: "X-Hostname" | "X-Tls-Sni"; value: string } | undefined;
}

export interface EgressEvent {
  at: string;
  kind: Sniffed["kind"];
  authority: string;
  hostname: string | undefined;
  /** workerd's answer status, or what went wrong. */
  outcome: string;
}

export interface EgressOptions {
  host: string;
  port: number;
  state: EgressState;
  hosts: HostTable;
  /** The docker bridge gateway, where workerd's egress listener is. */
  gateway: () => string | undefined;
  /** The docker bridge subnet (`--docker-gateway-cidr`): pass-through into it is refused. */
  bridgeCidr?: string | undefined;
  log: (msg: string) => void;
}

export class EgressInterceptor {
  readonly events: EgressEvent[] = [];
  readonly counts: Record<string, number> = {};
  private server: net.Server | undefined;
  private ca: LocalCa | undefined;

  constructor(private readonly opts: EgressOptions) {}

  /** The CA arrives after start-up (openssl runs in the background); TLS is passed through until then. */
  setCa(ca: LocalCa | undefined): void {
    this.ca = ca;
  }

  async listen(): Promise<void> {
    const server = net.createServer({ allowHalfOpen: true, noDelay: true, pauseOnConnect: true }, (socket) => {
      this.handle(socket).catch((err: Error) => {
        this.record({ kind: "raw", authority: "?", hostname: undefined, outcome: `error: ${err.message}` });
        socket.destroy();
      });
    });
    server.maxConnections = MAX_EGRESS_CONNECTIONS;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.opts.port, this.opts.host, () => {
        server.off("error", reject);
        resolve();
      });
    });
    this.server = server;
  }

  close(): void {
    this.server?.close();
  }

  /** Where the listener is bound (after `listen()`). */
  address(): net.AddressInfo | undefined {
    return (this.server?.address() as net.AddressInfo | null) ?? undefined;
  }

  private record(e: Omit<EgressEvent, "at">): void {
    this.events.push({ at: new Date().toISOString(), ...e });
    if (this.events.length > 50) this.events.shift();
    const key = `${e.kind}:${e.outcome.split(":")[0]}`;
    this.counts[key] = (this.counts[key] ?? 0) + 1;
  }

  private async handle(app: net.Socket): Promise<void> {
    app.on("error", () => app.destroy());
    const dstPromise = originalDestination(app.remoteAddress ?? "", app.remotePort ?? 0, this.opts.port);
    const sniffed = await sniff(app, dstPromise);
    const dst = await dstPromise;
    const claimed = claimedHostname(sniffed);
    if (claimed !== undefined && !isSafeHostname(claimed)) {
      this.record({
        kind: sniffed.kind,
        authority: dst ? `${dst.ip}:${dst.port}` : "?",
        hostname: JSON.stringify(claimed.slice(0, 80)),
        outcome: "refused: not a valid hostname",
      });
      app.destroy();
      return;
    }
    const target = resolveTarget(sniffed, dst, this.opts.hosts);
    const hostname = target?.header?.value;
    if (!target) {
      this.record({ kind: sniffed.kind, authority: "?", hostname, outcome: "dropped: destination unknown" });
      app.destroy();
      return;
    }
    const egressPort = this.opts.state.current.port;
    const gateway = this.opts.gateway();
    if (egressPort === undefined || gateway === undefined) {
      this.record({
        kind: sniffed.kind,
        authority: target.authority,
        hostname,
        outcome: "dropped: workerd egress port unknown",
      });
      app.destroy();
      return;
    }

    let head: string;
    try {
      head = connectHead(target);
    } catch (err) {
      this.record({
        kind: sniffed.kind,
        authority: "?",
        hostname: undefined,
        outcome: `refused: ${(err as Error).message}`,
      });
      app.destroy();
      return;
    }
    const upstream = net.connect({ host: gateway, port: egressPort, allowHalfOpen: true, noDelay: true });
    upstream.setTimeout(CONNECT_TIMEOUT_MS, () => upstream.destroy(new Error("timed out waiting for workerd")));
    upstream.write(head);
    let answer: Awaited<ReturnType<typeof readHead>>;
    try {
      answer = await readHead(upstream, CONNECT_TIMEOUT_MS);
    } catch (err) {
      this.record({
        kind: sniffed.kind,
        authority: target.authority,
        hostname,
        outcome: `closed: ${(err as Error).message}`,
      });
      destroyBoth(app, upstream);
      return;
    }
    upstream.setTimeout(0);
    const status = parseResponseHead(answer.head)?.status ?? 0;
    this.record({ kind: sniffed.kind, authority: target.authority, hostname, outcome: String(status) });

    if (status === 202 && intoBridge(target.authority, this.opts.bridgeCidr)) {
      // workerd would connect on the app's behalf to another container or a port published on the
      // gateway (another sidecar's control port among them): not internet, never passed through.
      this.record({ kind: sniffed.kind, authority: target.authority, hostname, outcome: "refused: docker network" });
      destroyBoth(app, upstream);
      return;
    }
    if (status === 202 || (status === 200 && sniffed.kind !== "tls")) {
      splice(app, upstream, sniffed.bytes, answer.rest);
      return;
    }
    if (status === 200 && sniffed.kind === "tls") {
      await this.terminateTls(app, upstream, sniffed, target, answer.rest);
      return;
    }
    destroyBoth(app, upstream);
  }

  private async terminateTls(
    app: net.Socket,
    upstream: net.Socket,
    sniffed: Extract<Sniffed, { kind: "tls" }>,
    target: EgressTarget,
    upstreamRest: Buffer,
  ): Promise<void> {
    const name = sniffed.sni ?? target.authority.replace(/:\d+$/, "");
    if (!this.ca) {
      this.opts.log(`egress: cannot intercept TLS for ${name}: no local CA (openssl missing in the sidecar image)`);
      destroyBoth(app, upstream);
      return;
    }
    let secureContext: tls.SecureContext;
    try {
      secureContext = await this.ca.contextFor(name);
    } catch (err) {
      this.opts.log(`egress: cannot mint a certificate for ${name}: ${(err as Error).message}`);
      destroyBoth(app, upstream);
      return;
    }
    // Put the ClientHello back; TLSSocket feeds a wrapped socket's buffered bytes to the TLS engine.
    app.unshift(sniffed.bytes);
    const secure = new tls.TLSSocket(app, { isServer: true, secureContext });
    secure.on("error", () => destroyBoth(secure, upstream));
    splice(secure, upstream, undefined, upstreamRest);
  }
}

/** Reads the app's first bytes until they classify as HTTP (complete head), TLS (first record) or raw. */
export function sniff(app: net.Socket, dst: Promise<OriginalDestination | undefined>): Promise<Sniffed> {
  return new Promise((resolve) => {
    let buf = Buffer.alloc(0);
    let settled = false;
    let rawTimer: NodeJS.Timeout | undefined;
    // Server-speaks-first protocols send nothing: with a known destination, treat them as raw soon.
    void dst.then((d) => {
      if (d && !settled && buf.length === 0)
        rawTimer = setTimeout(() => done({ kind: "raw", bytes: buf }), SNIFF_RAW_AFTER_MS);
    });
    const giveUp = setTimeout(() => done(classifyFinal(buf)), SNIFF_GIVE_UP_MS);
    const onData = (chunk: Buffer) => {
      buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
      if (rawTimer) clearTimeout(rawTimer);
      const c = classify(buf);
      if (c) done(c);
    };
    const onEnd = () => done(classifyFinal(buf));
    function done(result: Sniffed) {
      if (settled) return;
      settled = true;
      clearTimeout(giveUp);
      if (rawTimer) clearTimeout(rawTimer);
      app.off("data", onData).off("end", onEnd);
      app.pause();
      resolve(result);
    }
    app.on("data", onData).on("end", onEnd);
    app.resume();
  });
}

/** Classification once enough bytes arrived; undefined means "need more". Pure. */
export function classify(buf: Buffer): Sniffed | undefined {
  const tlsResult = parseClientHello(buf);
  if (tlsResult.kind === "tls") return { kind: "tls", sni: tlsResult.sni, bytes: buf };
  if (tlsResult.kind === "need-more" && buf.length < SNIFF_LIMIT) return undefined;
  if (looksLikeHttpRequest(buf)) {
    const end = headEnd(buf);
    if (end < 0) return buf.length < SNIFF_LIMIT ? undefined : { kind: "raw", bytes: buf };
    const req = parseRequestHead(buf.subarray(0, end));
    if (!req) return { kind: "raw", bytes: buf };
    const { host, port } = splitHostHeader(req.headers.host);
    return { kind: "http", host, hostPort: port, bytes: buf };
  }
  return { kind: "raw", bytes: buf };
}

function classifyFinal(buf: Buffer): Sniffed {
  return classify(buf) ?? { kind: "raw", bytes: buf };
}

/** The hostname the app's own bytes claim (Host header or SNI), before any normalization. */
function claimedHostname(s: Sniffed): string | undefined {
  if (s.kind === "http") return s.host;
  if (s.kind === "tls") return s.sni;
  return undefined;
}

/** Whether a CONNECT authority's address lies in the docker bridge subnet. */
export function intoBridge(authority: string, cidr: string | undefined): boolean {
  const ip = authority.replace(/:\d+$/, "");
  return cidr !== undefined && cidrContains(cidr, ip);
}

/**
 * The CONNECT head sent to workerd. Every value in it was checked already; this refuses (throws) once
 * more if any of them could end a line, so no app-controlled byte can add a header.
 */
export function connectHead(target: EgressTarget): string {
  const authority = target.authority;
  const m = /^(\[[0-9a-f:.]+\]|[^:\s]+|[0-9a-f:.]+):(\d{1,5})$/i.exec(authority);
  if (!m || !isSafeHostname((m[1] ?? "").replace(/^\[|\]$/g, ""))) {
    throw new Error(`refusing CONNECT authority ${JSON.stringify(authority)}`);
  }
  if (target.header && !isSafeHostname(target.header.value)) {
    throw new Error(`refusing ${target.header.name} ${JSON.stringify(target.header.value)}`);
  }
  const headerLine = target.header ? `${target.header.name}: ${target.header.value}\r\n` : "";
  return `CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n${headerLine}\r\n`;
}

export function splitHostHeader(value: string | undefined): { host: string | undefined; port: number | undefined } {
  if (!value) return { host: undefined, port: undefined };
  const m = /^(\[[^\]]+\]|[^:]+)(?::(\d{1,5}))?$/.exec(value.trim());
  if (!m) return { host: undefined, port: undefined };
  return { host: normalizeHostname(m[1] ?? ""), port: m[2] ? Number(m[2]) : undefined };
}

/** Where to CONNECT and which hostname hint to send. Pure. */
export function resolveTarget(
  s: Sniffed,
  dst: OriginalDestination | undefined,
  hosts: HostTable,
): EgressTarget | undefined {
  const nameFromIp = dst && isSynthetic(dst.ip) ? hosts.hostnameFor(dst.ip) : undefined;
  if (s.kind === "http") {
    const hostname = s.host ?? nameFromIp;
    const port = dst?.port ?? s.hostPort ?? 80;
    const ip = dst?.ip ?? (hostname && (isIpLiteral(hostname) ? hostname : hosts.addressFor(hostname)));
    const where = ip ?? hostname;
    if (where === undefined) return undefined;
    return { authority: `${where}:${port}`, header: hostname ? { name: "X-Hostname", value: hostname } : undefined };
  }
  if (s.kind === "tls") {
    const hostname = s.sni ?? nameFromIp;
    const port = dst?.port ?? 443;
    const ip = dst?.ip ?? (hostname && (isIpLiteral(hostname) ? hostname : hosts.addressFor(hostname)));
    const where = ip ?? hostname;
    if (where === undefined) return undefined;
    return { authority: `${where}:${port}`, header: hostname ? { name: "X-Tls-Sni", value: hostname } : undefined };
  }
  if (!dst) return undefined;
  return { authority: `${dst.ip}:${dst.port}`, header: undefined };
}
