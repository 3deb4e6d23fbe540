/**
 * Where workerd's egress listener is: the namespace's default gateway (the docker bridge).
 *
 * Why: workerd binds its egress listener on the bridge gateway IP and only tells the sidecar the
 * bridge subnet (`--docker-gateway-cidr`). The kernel's routing table inside the namespace names the
 * gateway exactly; the subnet's first host is docker's convention and serves as the fallback.
 * Boundary: pure parsing.
 */
import { intToIpv4, ipv4ToInt } from "./names.js";

/** Default IPv4 gateway of this namespace (the docker bridge), from /proc/net/route. */
export function defaultGateway(routeTable: string): string | undefined {
  for (const line of routeTable.split("\n").slice(1)) {
    const cols = line.trim().split(/\s+/);
    if (cols[1] === "00000000" && cols[2] && cols[2] !== "00000000") {
      const le = Number.parseInt(cols[2], 16); // little-endian hex
      return intToIpv4(((le & 255) << 24) | (((le >>> 8) & 255) << 16) | (((le >>> 16) & 255) << 8) | (le >>> 24));
    }
  }
  return undefined;
}

/** First host address of a CIDR (docker's convention for the bridge gateway). */
export function firstHost(cidr: string | undefined): string | undefined {
  const [net, bits] = (cidr ?? "").split("/");
  const n = net === undefined ? undefined : ipv4ToInt(net);
  if (n === undefined || bits === undefined) return undefined;
  const mask = Number(bits) === 0 ? 0 : (~0 << (32 - Number(bits))) >>> 0;
  return intToIpv4(((n & mask) + 1) >>> 0);
}

/** Whether IPv4 `ip` lies inside `cidr` (`a.b.c.d/n`); false for anything unparsable. */
export function cidrContains(cidr: string, ip: string): boolean {
  const [net, bitsText] = cidr.split("/");
  const n = net === undefined ? undefined : ipv4ToInt(net);
  const a = ipv4ToInt(ip);
  const bits = Number(bitsText);
  if (n === undefined || a === undefined || !Number.isInteger(bits) || bits < 0 || bits > 32) return false;
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  return (n & mask) >>> 0 === (a & mask) >>> 0;
}
