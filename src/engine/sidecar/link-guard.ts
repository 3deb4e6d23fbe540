/**
 * The link-layer guard: an nftables `netdev` egress chain on the namespace's bridge interface (eth0).
 *
 * Why: iptables sees only what goes through the IP stack. Root in the app container has CAP_NET_RAW
 * (a Docker default), so it can open an AF_PACKET socket, write whole Ethernet frames to eth0 (with
 * PACKET_QDISC_BYPASS, skipping tc too) and reach any address the host routes to, past every iptables
 * rule. The netdev egress hook (Linux >= 5.16; AF_PACKET's bypass path since 5.18) sees every frame that
 * leaves the device, however it was written, so a drop-by-default chain there is the floor under the
 * iptables rules (netfilter.ts). It lets out only:
 *   - ARP for this namespace's own address (so the app cannot claim another container's address);
 *   - TCP to workerd's egress listener (docker gateway + the `PUT /egress` port);
 *   - TCP to the gateway that is not a bare SYN: replies on connections the host opened into the namespace
 *     (workerd's control connections through docker-proxy, a host process reaching the bridge address). A
 *     connection to anywhere can never be opened this way, and the host answers stray segments with RST.
 *     (nftables has no conntrack in the netdev family, so "reply" is told by the SYN flag.)
 * Everything else, IPv6 included, is dropped.
 * Boundary: builds the nft script (pure) and runs `nft -f -`; needs CAP_NET_ADMIN and the `nft` binary
 * (shipped in Moorage's sidecar image). When the kernel lacks the hook the sidecar says so in its log and
 * `GET /status` (the iptables rules still hold for everything but hand-written frames).
 */
import { loadRules } from "./load-rules.js";

export const LINK_TABLE = "moorage_link";
/** `nft` reads the script from stdin. */
const NFT_ARGS = ["-f", "-"];

export interface LinkPlan {
  /** The interface to the docker bridge (eth0). */
  device: string;
  /** This namespace's IPv4 address on it. */
  ownIp: string;
  /** The docker bridge gateway (where workerd and docker-proxy are). */
  gateway: string;
  /** workerd's egress port, once `PUT /egress` named it. */
  workerdPort: number | undefined;
}

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

/** One nft transaction that (re)creates the table atomically: declare, delete, define. */
export function linkRules(plan: LinkPlan): string {
  if (!/^[A-Za-z0-9_.-]{1,15}$/.test(plan.device))
    throw new Error(`link guard: bad device ${JSON.stringify(plan.device)}`);
  for (const ip of [plan.ownIp, plan.gateway]) {
    if (!IPV4.test(ip)) throw new Error(`link guard: bad address ${JSON.stringify(ip)}`);
  }
  const p = plan.workerdPort;
  if (p !== undefined && (!Number.isInteger(p) || p < 1 || p > 65535)) throw new Error(`link guard: bad port ${p}`);
  const rules = [
    `    type filter hook egress device "${plan.device}" priority 0; policy drop;`,
    `    meta protocol arp arp saddr ip ${plan.ownIp} accept`,
  ];
  if (plan.workerdPort !== undefined) {
    rules.push(`    ip saddr ${plan.ownIp} ip daddr ${plan.gateway} tcp dport ${plan.workerdPort} accept`);
  }
  rules.push(`    ip saddr ${plan.ownIp} ip daddr ${plan.gateway} tcp flags & (syn | ack) != syn accept`);
  return [
    `table netdev ${LINK_TABLE}`,
    `delete table netdev ${LINK_TABLE}`,
    `table netdev ${LINK_TABLE} {`,
    "  chain egress {",
    ...rules,
    "  }",
    "}",
    "",
  ].join("\n");
}

/** Owns the link-layer chain: installs it, then re-creates it when workerd's port changes. */
export class LinkGuard {
  constructor(
    private plan: LinkPlan,
    private readonly binary = "nft",
  ) {}

  async install(): Promise<void> {
    await loadRules(this.binary, NFT_ARGS, linkRules(this.plan));
  }

  async setWorkerdPort(port: number | undefined): Promise<void> {
    if (port === this.plan.workerdPort) return;
    const next = { ...this.plan, workerdPort: port };
    await loadRules(this.binary, NFT_ARGS, linkRules(next));
    this.plan = next;
  }
}
