/**
 * Hostname bookkeeping for egress: synthetic addresses, learned addresses and allow-list globs.
 *
 * Why: with `--dns-enabled` the sidecar answers the app's DNS. Hostnames workerd intercepts (the
 * `dns.allowHostnames` of `PUT /egress`) get a synthetic IPv4 from 100.64.0.0/10 so they resolve
 * offline; when the app then connects, the egress listener maps the destination IP back to the
 * hostname for workerd's `X-Hostname`. Real answers relayed from upstream DNS are remembered too.
 * Every name comes from the app (Host header, SNI, DNS question) or from upstream DNS, so names are
 * checked (`isSafeHostname`) before they go anywhere, and the table is bounded: at most
 * `MAX_SYNTHETIC` synthetic names (then SERVFAIL) and `MAX_LEARNED` learned addresses (oldest dropped).
 * Boundary: in-memory maps and pure matching; no sockets.
 */

const SYNTHETIC_BASE = (100 << 24) | (64 << 16); // 100.64.0.0
const SYNTHETIC_SIZE = 1 << 22; // /10

export function ipv4ToInt(ip: string): number | undefined {
  const parts = ip.split(".");
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return undefined;
    const v = Number(part);
    if (v > 255) return undefined;
    n = n * 256 + v;
  }
  return n >>> 0;
}

export function intToIpv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");
}

/** Upper bounds of the host table (an app asking for endless names costs bounded memory). */
export const MAX_SYNTHETIC = 65_536;
export const MAX_LEARNED = 4096;

/**
 * Whether `host` may be sent to workerd as `X-Hostname`/`X-Tls-Sni` or a CONNECT authority: an ASCII
 * DNS name (letters, digits, `-`, `_`, `*` for globs, dots between non-empty labels, at most 253
 * characters), an IPv4 literal, or an IPv6 literal (hex, `:` and `.`). Anything else (CR, LF, spaces,
 * colons in names, non-ASCII) is refused, so nothing the app sends can add a header or a line.
 */
export function isSafeHostname(host: string): boolean {
  if (host.length === 0 || host.length > 253) return false;
  if (/^[0-9a-f:.]+$/i.test(host) && host.includes(":")) return true; // IPv6 literal
  return /^[a-z0-9_*-]+(\.[a-z0-9_*-]+)*$/i.test(host);
}

export function isSynthetic(ip: string): boolean {
  const n = ipv4ToInt(ip);
  return n !== undefined && n >>> 22 === SYNTHETIC_BASE >>> 22;
}

export function isIpLiteral(host: string): boolean {
  return ipv4ToInt(host) !== undefined || host.includes(":");
}

/** Lower-case, strip a trailing dot and brackets; what workerd's normalizeHostname does for plain names. */
export function normalizeHostname(host: string): string {
  return host
    .trim()
    .replace(/^\[|\]$/g, "")
    .replace(/\.$/, "")
    .toLowerCase();
}

/**
 * Same semantics as workerd's `hostnameGlobMatches`: `*` matches any run of characters (dots too),
 * everything else literally.
 */
export function hostnameGlobMatches(pattern: string, hostname: string): boolean {
  let p = 0;
  let h = 0;
  let star = -1;
  let restart = 0;
  while (h < hostname.length) {
    if (p < pattern.length && pattern[p] === "*") {
      star = p++;
      restart = h;
    } else if (p < pattern.length && pattern[p] === hostname[h]) {
      p++;
      h++;
    } else if (star >= 0) {
      p = star + 1;
      h = ++restart;
    } else {
      return false;
    }
  }
  while (p < pattern.length && pattern[p] === "*") p++;
  return p === pattern.length;
}

export class HostTable {
  private next = 1;
  private readonly byName = new Map<string, string>();
  private readonly byIp = new Map<string, string>();
  /** Learned (non-synthetic) names in insertion order, for eviction. */
  private readonly learned = new Map<string, string>();

  /** The synthetic address for `hostname`, allocated on first use (stable for the sidecar's life). */
  synthetic(hostname: string): string {
    const name = normalizeHostname(hostname);
    const known = this.byName.get(name);
    if (known !== undefined && isSynthetic(known)) return known;
    if (this.next > MAX_SYNTHETIC || this.next >= SYNTHETIC_SIZE - 1) {
      throw new Error(`more than ${MAX_SYNTHETIC} intercepted names asked for; synthetic address pool exhausted`);
    }
    const ip = intToIpv4((SYNTHETIC_BASE + this.next++) >>> 0);
    this.byName.set(name, ip);
    this.byIp.set(ip, name);
    return ip;
  }

  /** Remember a real address seen in an upstream DNS answer. */
  learn(hostname: string, ip: string): void {
    const name = normalizeHostname(hostname);
    if (!isSafeHostname(name) || ipv4ToInt(ip) === undefined || isSynthetic(ip)) return;
    const known = this.byName.get(name);
    if (known !== undefined && isSynthetic(known)) return; // an intercepted name keeps its synthetic address
    if (this.learned.has(name)) this.forget(name);
    while (this.learned.size >= MAX_LEARNED) {
      const oldest = this.learned.keys().next().value;
      if (oldest === undefined) break;
      this.forget(oldest);
    }
    this.learned.set(name, ip);
    this.byName.set(name, ip);
    this.byIp.set(ip, name);
  }

  /** Number of names held (synthetic + learned); bounded by MAX_SYNTHETIC + MAX_LEARNED. */
  get size(): number {
    return this.byName.size;
  }

  private forget(name: string): void {
    const ip = this.learned.get(name);
    this.learned.delete(name);
    this.byName.delete(name);
    if (ip !== undefined && this.byIp.get(ip) === name) this.byIp.delete(ip);
  }

  hostnameFor(ip: string): string | undefined {
    return this.byIp.get(ip);
  }

  addressFor(hostname: string): string | undefined {
    return this.byName.get(normalizeHostname(hostname));
  }
}
