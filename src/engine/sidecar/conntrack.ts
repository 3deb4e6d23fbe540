/**
 * The original destination of a REDIRECTed connection, read from the kernel's conntrack table.
 *
 * Why: REDIRECT rewrites the destination to the sidecar's listener, and Node cannot call
 * getsockopt(SO_ORIGINAL_DST). The namespace's `/proc/net/nf_conntrack` (present when the kernel has
 * CONFIG_NF_CONNTRACK_PROCFS) still holds the original tuple, keyed by the app's source address and
 * port. With it the sidecar knows the exact IP:port the app dialled, which raw TCP needs and which
 * makes HTTP/TLS exact; without it, HTTP falls back to the Host header and TLS to SNI:443.
 * Boundary: read-only lookup; returns undefined when the table or the entry is missing.
 */
import { readFile } from "node:fs/promises";

export const CONNTRACK_PATH = "/proc/net/nf_conntrack";

export interface OriginalDestination {
  ip: string;
  port: number;
}

const CLOSED_STATES = /\b(TIME_WAIT|CLOSE|CLOSE_WAIT|LAST_ACK)\b/;

/**
 * Finds the original destination in conntrack text for a TCP flow from `srcIp:srcPort` that was
 * redirected to `listenerPort` (the reply tuple's source port). Live flows win over closing ones,
 * since a source port may be reused while an older flow lingers in TIME_WAIT. Pure.
 */
export function findOriginalDestination(
  table: string,
  srcIp: string,
  srcPort: number,
  listenerPort?: number,
): OriginalDestination | undefined {
  let closing: OriginalDestination | undefined;
  for (const line of table.split("\n")) {
    if (!line.includes(" tcp ") || !line.includes(`src=${srcIp} `) || !line.includes(` sport=${srcPort} `)) continue;
    // Tuples in order: original direction (src=A dst=B sport=a dport=b), then the reply direction.
    const tuples = [...line.matchAll(/src=(\S+) dst=(\S+) sport=(\d+) dport=(\d+)/g)];
    const orig = tuples[0];
    const reply = tuples[1];
    if (!orig || orig[1] !== srcIp || Number(orig[3]) !== srcPort) continue;
    if (listenerPort !== undefined && reply && Number(reply[3]) !== listenerPort) continue;
    const found = { ip: orig[2] ?? "", port: Number(orig[4]) };
    if (!CLOSED_STATES.test(line)) return found;
    closing ??= found;
  }
  return closing;
}

let available: boolean | undefined;

export async function originalDestination(
  srcIp: string,
  srcPort: number,
  listenerPort?: number,
): Promise<OriginalDestination | undefined> {
  if (available === false) return undefined;
  try {
    const table = await readFile(CONNTRACK_PATH, "utf8");
    available = true;
    return findOriginalDestination(table, srcIp.replace(/^::ffff:/, ""), srcPort, listenerPort);
  } catch {
    available = false;
    return undefined;
  }
}

export async function conntrackAvailable(): Promise<boolean> {
  try {
    await readFile(CONNTRACK_PATH, "utf8");
    return true;
  } catch {
    return false;
  }
}
