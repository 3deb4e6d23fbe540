/**
 * Hostname bookkeeping for egress: synthetic addresses, learned addresses and allow-list globs.
 *
 * Why: with `--dns-enabled` the sidecar answers the app's DNS. Hostnames workerd intercepts (the
 * `dns.allowHostnames` of `PUT /egress`) get a synthetic IPv4 from 100.64.0.0/10 so they resolve
 * offline; when the app then connects, the egress listener maps the destination IP back to the
 * hostname for workerd's `X-Hostname`. Real answers relayed from upstream DNS are remembered too.
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

  /** The synthetic address for `hostname`, allocated on first use (stable for the sidecar's life). */
  synthetic(hostname: string): string {
    const name = normalizeHostname(hostname);
    const known = this.byName.get(name);
    if (known !== undefined && isSynthetic(known)) return known;
    if (this.next >= SYNTHETIC_SIZE - 1) throw new Error("synthetic address pool exhausted");
    const ip = intToIpv4((SYNTHETIC_BASE + this.next++) >>> 0);
    this.byName.set(name, ip);
    this.byIp.set(ip, name);
    return ip;
  }

  /** Remember a real address seen in an upstream DNS answer. */
  learn(hostname: string, ip: string): void {
    const name = normalizeHostname(hostname);
    if (!this.byName.has(name)) this.byName.set(name, ip);
    this.byIp.set(ip, name);
  }

  hostnameFor(ip: string): string | undefined {
    return this.byIp.get(ip);
  }

  addressFor(hostname: string): string | undefined {
    return this.byName.get(normalizeHostname(hostname));
  }
}
