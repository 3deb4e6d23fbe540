/**
 * Firewall rules that steer the app container's traffic into the sidecar, without TPROXY.
 *
 * Why: the app container joins the sidecar's network namespace, so rules in this namespace's
 * `nat OUTPUT` chain see every packet the app sends. TCP leaving the namespace is REDIRECTed to the
 * egress listener, UDP/53 to the DNS responder (with `--dns-enabled`). Loopback traffic and the
 * sidecar's own sockets (it runs with a dedicated group id) are left alone. When the internet is
 * disabled, a `filter OUTPUT` rule rejects whatever was not redirected (UDP other than DNS, ICMP...),
 * so nothing leaks around workerd. Plain REDIRECT works on kernels without TPROXY (WSL2, minimal VMs).
 * Boundary: builds rule text and runs `iptables-restore`; needs CAP_NET_ADMIN (workerd grants it).
 */
import { spawn } from "node:child_process";

export const NAT_CHAIN = "MOORAGE_OUT";
export const FILTER_CHAIN = "MOORAGE_FILTER";

export interface RedirectPlan {
  /** Group id of the sidecar process; its traffic is never redirected. */
  sidecarGid: number;
  /** Local port of the egress listener (all outbound TCP goes there). */
  tcpPort: number;
  /** Local port of the DNS responder, or undefined to leave DNS alone. */
  dnsPort: number | undefined;
}

/** `iptables-restore --noflush` input that (re)creates the nat chain and hooks it into OUTPUT once. */
export function natRules(plan: RedirectPlan, hooked: boolean): string {
  const lines = ["*nat", `:${NAT_CHAIN} - [0:0]`];
  if (!hooked) lines.push(`-A OUTPUT -j ${NAT_CHAIN}`);
  lines.push(
    `-A ${NAT_CHAIN} -o lo -j RETURN`,
    `-A ${NAT_CHAIN} -d 127.0.0.0/8 -j RETURN`,
    `-A ${NAT_CHAIN} -m owner --gid-owner ${plan.sidecarGid} -j RETURN`,
  );
  if (plan.dnsPort !== undefined) {
    lines.push(`-A ${NAT_CHAIN} -p udp --dport 53 -j REDIRECT --to-ports ${plan.dnsPort}`);
  }
  lines.push(`-A ${NAT_CHAIN} -p tcp -j REDIRECT --to-ports ${plan.tcpPort}`, "COMMIT", "");
  return lines.join("\n");
}

/** Filter rules: with the internet disabled, reject anything that was not redirected into the sidecar. */
export function filterRules(sidecarGid: number, internetEnabled: boolean, hooked: boolean): string {
  const lines = ["*filter", `:${FILTER_CHAIN} - [0:0]`];
  if (!hooked) lines.push(`-A OUTPUT -j ${FILTER_CHAIN}`);
  if (!internetEnabled) {
    // `-o` still names the pre-REDIRECT device in this hook, so redirected packets are matched by
    // their new destination (127.0.0.1) instead.
    // Replies to inbound connections (e.g. the host reaching the container's bridge address) are not egress.
    lines.push(
      `-A ${FILTER_CHAIN} -m conntrack --ctstate ESTABLISHED,RELATED -j RETURN`,
      `-A ${FILTER_CHAIN} -o lo -j RETURN`,
      `-A ${FILTER_CHAIN} -d 127.0.0.0/8 -j RETURN`,
      `-A ${FILTER_CHAIN} -m owner --gid-owner ${sidecarGid} -j RETURN`,
      `-A ${FILTER_CHAIN} -p udp -j REJECT --reject-with icmp-port-unreachable`,
      `-A ${FILTER_CHAIN} -j REJECT --reject-with icmp-net-prohibited`,
    );
  }
  lines.push("COMMIT", "");
  return lines.join("\n");
}

export function runIptablesRestore(rules: string, binary = "iptables-restore"): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, ["--noflush", "--wait"], { stdio: ["pipe", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    child.on("error", (err) => reject(new Error(`${binary}: ${err.message}`)));
    child.on("close", (code) => {
      if (code === 0) resolve();
      else reject(new Error(`${binary} exited with ${code}: ${stderr.trim()}`));
    });
    child.stdin.end(rules);
  });
}

/** Owns the rules for this namespace: installs them once, then swaps the filter chain on updates. */
export class Firewall {
  private natHooked = false;
  private filterHooked = false;

  constructor(
    private readonly plan: RedirectPlan,
    private readonly binary = "iptables-restore",
  ) {}

  async install(internetEnabled: boolean): Promise<void> {
    await runIptablesRestore(natRules(this.plan, this.natHooked), this.binary);
    this.natHooked = true;
    await this.setInternet(internetEnabled);
  }

  async setInternet(enabled: boolean): Promise<void> {
    await runIptablesRestore(filterRules(this.plan.sidecarGid, enabled, this.filterHooked), this.binary);
    this.filterHooked = true;
  }
}
