/**
 * The firewall of the network namespace the app container shares with the sidecar (IPv4 and IPv6).
 *
 * Why: the app joins the sidecar's namespace and runs as root with Docker's default capabilities
 * (CAP_SETUID/SETGID, CAP_NET_RAW, no CAP_NET_ADMIN), so it can change its uid/gid, open raw sockets and
 * talk to anything on loopback, but it cannot change these rules. The rules therefore must not trust
 * anything the app can choose. They say:
 *   - the only thing that leaves the namespace un-redirected is TCP to workerd's egress listener (the
 *     enforcer of every egress rule), and only from the sidecar's own cgroup when the kernel can match it
 *     (`-m cgroup --path`, which the app cannot join: cgroupfs is read-only in its container);
 *   - every other TCP connection is REDIRECTed to the sidecar's egress listener, UDP/53 to its DNS
 *     responder, and everything else (other UDP such as QUIC, ICMP, raw IP) is rejected, whether or not
 *     the internet is enabled: with the internet on, workerd connects on the app's behalf (its 202
 *     pass-through), so nothing ever needs to leave directly;
 *   - the control port (ingress CONNECT, PUT /egress, GET /ca) accepts nothing that arrives over loopback,
 *     i.e. nothing from inside the namespace; workerd's connections arrive from the bridge (docker-proxy);
 *   - packets on loopback whose source is not a local address are dropped unless they answer a redirected
 *     connection (a raw socket forged them);
 *   - IPv6 leaves nothing but loopback, and its loopback cannot reach the control port either.
 * Replies to connections opened from outside (workerd -> control port) are allowed by conntrack state in
 * the reply direction only. Plain REDIRECT works on kernels without TPROXY (WSL2, minimal VMs).
 * Boundary: builds rule text (pure) and runs `iptables-restore`/`ip6tables-restore`; needs CAP_NET_ADMIN
 * (workerd grants it to the sidecar). Chains are Moorage's own and are replaced whole on every change.
 */
import { loadRules } from "./load-rules.js";

/** `iptables-restore` keeps every table's other chains (`--noflush`) and waits for the xtables lock. */
const RESTORE_ARGS = ["--noflush", "--wait"];

export const NAT_CHAIN = "MOORAGE_OUT";
export const FILTER_CHAIN = "MOORAGE_FILTER";
export const INPUT_CHAIN = "MOORAGE_IN";

export interface FirewallPlan {
  /** Local port of the egress listener (all outbound TCP goes there). */
  tcpPort: number;
  /** Local port of the DNS responder, or undefined to reject DNS like any other UDP. */
  dnsPort: number | undefined;
  /** The sidecar's control port (workerd's 39001): never reachable from inside the namespace. */
  controlPort: number;
  /** workerd's egress listener (docker gateway + port), once known: the only way out. */
  workerd: { ip: string; port: number } | undefined;
  /**
   * The sidecar's own cgroup (v2 path as `-m cgroup --path` resolves it), when the kernel can match it:
   * then only the sidecar's sockets may reach workerd directly; otherwise any socket may (it still only
   * reaches the enforcer).
   */
  cgroupPath: string | undefined;
}

/** Which chains are already hooked into the built-in chains (hooks are added once, chains replaced). */
export interface Hooks {
  nat: boolean;
  filter: boolean;
  input: boolean;
  ip6: boolean;
}

export const NO_HOOKS: Hooks = { nat: false, filter: false, input: false, ip6: false };

function workerdMatch(plan: FirewallPlan): string | undefined {
  if (!plan.workerd) return undefined;
  const owner = plan.cgroupPath === undefined ? "" : `-m cgroup --path ${plan.cgroupPath} `;
  return `${owner}-p tcp -d ${plan.workerd.ip}/32 --dport ${plan.workerd.port}`;
}

/** `iptables-restore --noflush` input for IPv4: nat steering, the egress filter and the control-port guard. */
export function ipv4Rules(plan: FirewallPlan, hooks: Hooks): string {
  assertPlan(plan);
  const toWorkerd = workerdMatch(plan);
  const nat = ["*nat", `:${NAT_CHAIN} - [0:0]`];
  if (!hooks.nat) nat.push(`-A OUTPUT -j ${NAT_CHAIN}`);
  nat.push(`-A ${NAT_CHAIN} -o lo -j RETURN`, `-A ${NAT_CHAIN} -d 127.0.0.0/8 -j RETURN`);
  if (toWorkerd) nat.push(`-A ${NAT_CHAIN} ${toWorkerd} -j RETURN`);
  if (plan.dnsPort !== undefined) nat.push(`-A ${NAT_CHAIN} -p udp --dport 53 -j REDIRECT --to-ports ${plan.dnsPort}`);
  nat.push(`-A ${NAT_CHAIN} -p tcp -j REDIRECT --to-ports ${plan.tcpPort}`, "COMMIT");

  const filter = ["*filter", `:${FILTER_CHAIN} - [0:0]`, `:${INPUT_CHAIN} - [0:0]`];
  if (!hooks.filter) filter.push(`-A OUTPUT -j ${FILTER_CHAIN}`);
  if (!hooks.input) filter.push(`-A INPUT -j ${INPUT_CHAIN}`);
  // `-o` still names the pre-REDIRECT device in this hook, so redirected packets are matched by their
  // new destination (127.0.0.1) instead.
  filter.push(
    `-A ${FILTER_CHAIN} -o lo -j RETURN`,
    `-A ${FILTER_CHAIN} -d 127.0.0.0/8 -j RETURN`,
    // Replies on connections opened from outside (workerd reaching the control port or a host reaching
    // the bridge address); an outbound connection's own packets are in the ORIGINAL direction.
    `-A ${FILTER_CHAIN} -m conntrack --ctstate ESTABLISHED,RELATED --ctdir REPLY -j RETURN`,
  );
  if (toWorkerd) filter.push(`-A ${FILTER_CHAIN} ${toWorkerd} -j RETURN`);
  filter.push(
    `-A ${FILTER_CHAIN} -p tcp -j REJECT --reject-with tcp-reset`,
    `-A ${FILTER_CHAIN} -p udp -j REJECT --reject-with icmp-port-unreachable`,
    `-A ${FILTER_CHAIN} -j REJECT --reject-with icmp-admin-prohibited`,
    // Nothing inside the namespace (the app included) reaches the control port: local traffic arrives on lo.
    `-A ${INPUT_CHAIN} -i lo -p tcp --dport ${plan.controlPort} -j REJECT --reject-with tcp-reset`,
    // A packet on loopback comes from a local address, unless it answers a REDIRECTed connection (its source
    // is then the address the app dialled) or a raw socket forged it (e.g. to inject into the sidecar's
    // connection to workerd, whose sequence numbers the app can sniff on eth0).
    `-A ${INPUT_CHAIN} -i lo -m conntrack --ctstate DNAT --ctdir REPLY -j RETURN`,
    `-A ${INPUT_CHAIN} -i lo -m addrtype ! --src-type LOCAL -j DROP`,
    "COMMIT",
  );
  return [...nat, ...filter, ""].join("\n");
}

/** `ip6tables-restore --noflush` input: IPv6 stays on loopback, and loopback cannot reach the control port. */
export function ipv6Rules(plan: FirewallPlan, hooks: Hooks): string {
  assertPlan(plan);
  const lines = ["*filter", `:${FILTER_CHAIN} - [0:0]`, `:${INPUT_CHAIN} - [0:0]`];
  if (!hooks.ip6) lines.push(`-A OUTPUT -j ${FILTER_CHAIN}`, `-A INPUT -j ${INPUT_CHAIN}`);
  lines.push(
    `-A ${FILTER_CHAIN} -o lo -j RETURN`,
    `-A ${FILTER_CHAIN} -m conntrack --ctstate ESTABLISHED,RELATED --ctdir REPLY -j RETURN`,
    `-A ${FILTER_CHAIN} -p tcp -j REJECT --reject-with tcp-reset`,
    `-A ${FILTER_CHAIN} -j REJECT --reject-with icmp6-adm-prohibited`,
    `-A ${INPUT_CHAIN} -i lo -p tcp --dport ${plan.controlPort} -j REJECT --reject-with tcp-reset`,
    `-A ${INPUT_CHAIN} -i lo -m addrtype ! --src-type LOCAL -j DROP`,
    "COMMIT",
    "",
  );
  return lines.join("\n");
}

/** Values reach iptables-restore verbatim: refuse anything that could add a rule or an option. */
function assertPlan(plan: FirewallPlan): void {
  const ports = [plan.tcpPort, plan.controlPort, plan.dnsPort, plan.workerd?.port].filter((p) => p !== undefined);
  for (const p of ports) {
    if (!Number.isInteger(p) || p < 1 || p > 65535) throw new Error(`firewall: bad port ${String(p)}`);
  }
  if (plan.workerd && !/^\d{1,3}(\.\d{1,3}){3}$/.test(plan.workerd.ip)) {
    throw new Error(`firewall: bad workerd address ${JSON.stringify(plan.workerd.ip)}`);
  }
  if (plan.cgroupPath !== undefined && !/^\/[A-Za-z0-9_.:@/-]*$/.test(plan.cgroupPath)) {
    throw new Error(`firewall: bad cgroup path ${JSON.stringify(plan.cgroupPath)}`);
  }
}

/**
 * The sidecar's own cgroup v2 path, as `-m cgroup --path` resolves it, or undefined when it cannot be used
 * safely. `/proc/self/cgroup`'s `0::<path>` line is the unified-hierarchy path as this process's cgroup
 * namespace sees it; the kernel resolves `--path` in the caller's namespace too (Linux >= 6.0), so a
 * private namespace's `/` still names just this container. On older kernels `/` would mean the host's
 * root (every process), so it is refused.
 */
export function sidecarCgroupPath(procSelfCgroup: string, kernelRelease: string): string | undefined {
  const line = procSelfCgroup.split("\n").find((l) => l.startsWith("0::"));
  const path = line?.slice(3).trim();
  if (!path?.startsWith("/") || path.includes(" ")) return undefined;
  if (path === "/") {
    const [major = 0] = kernelRelease.split(".").map((n) => Number.parseInt(n, 10));
    return major >= 6 ? "/" : undefined;
  }
  return path;
}

export interface FirewallBinaries {
  ipv4: string;
  ipv6: string;
}

/** Owns the rules for this namespace: installs them, then replaces the chains when workerd's port changes. */
export class Firewall {
  private hooks: Hooks = { ...NO_HOOKS };
  private plan: FirewallPlan;
  /** How IPv6 is held: by rules, or because the kernel has it switched off in this namespace. */
  ipv6 = "not installed";

  constructor(
    plan: FirewallPlan,
    private readonly ipv6Disabled: () => boolean,
    private readonly bin: FirewallBinaries = { ipv4: "iptables-restore", ipv6: "ip6tables-restore" },
  ) {
    this.plan = { ...plan };
  }

  get current(): Readonly<FirewallPlan> {
    return this.plan;
  }

  async install(): Promise<void> {
    await loadRules(this.bin.ipv4, RESTORE_ARGS, ipv4Rules(this.plan, this.hooks));
    this.hooks = { ...this.hooks, nat: true, filter: true, input: true };
    try {
      await loadRules(this.bin.ipv6, RESTORE_ARGS, ipv6Rules(this.plan, this.hooks));
      this.hooks.ip6 = true;
      this.ipv6 = "rules: loopback only";
    } catch (err) {
      // No IPv6 netfilter in this kernel: acceptable only when IPv6 itself is off in the namespace.
      if (!this.ipv6Disabled()) throw new Error(`IPv6 is on and cannot be filtered: ${(err as Error).message}`);
      this.ipv6 = "off in this namespace (no IPv6 rules needed)";
    }
  }

  /** workerd's egress listener moved (PUT /egress with a new port): swap the IPv4 chains. */
  async setWorkerd(workerd: { ip: string; port: number } | undefined): Promise<void> {
    if (workerd?.ip === this.plan.workerd?.ip && workerd?.port === this.plan.workerd?.port) return;
    const next = { ...this.plan, workerd };
    await loadRules(this.bin.ipv4, RESTORE_ARGS, ipv4Rules(next, this.hooks));
    this.plan = next;
  }
}
