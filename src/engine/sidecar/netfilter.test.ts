/**
 * The firewall's rule set (exact text, since the kernel is unforgiving) and what it must never contain:
 * an exemption the app can forge (uid/gid owner), a direct way out other than workerd, UDP past the
 * rules with the internet on, or a control port reachable over loopback.
 */
import { describe, expect, it } from "vitest";
import { type FirewallPlan, ipv4Rules, ipv6Rules, NO_HOOKS, sidecarCgroupPath } from "./netfilter.js";

const plan: FirewallPlan = {
  tcpPort: 15001,
  dnsPort: 15053,
  controlPort: 39001,
  workerd: { ip: "172.17.0.1", port: 41000 },
  cgroupPath: "/docker/abc123",
};

describe("IPv4 rules", () => {
  it("redirect TCP and DNS, and let only the sidecar's cgroup reach workerd's egress listener directly", () => {
    const lines = ipv4Rules(plan, NO_HOOKS).split("\n");
    const nat = lines.slice(0, lines.indexOf("COMMIT") + 1);
    expect(nat).toEqual([
      "*nat",
      ":MOORAGE_OUT - [0:0]",
      "-A OUTPUT -j MOORAGE_OUT",
      "-A MOORAGE_OUT -o lo -j RETURN",
      "-A MOORAGE_OUT -d 127.0.0.0/8 -j RETURN",
      "-A MOORAGE_OUT -m cgroup --path /docker/abc123 -p tcp -d 172.17.0.1/32 --dport 41000 -j RETURN",
      "-A MOORAGE_OUT -p udp --dport 53 -j REDIRECT --to-ports 15053",
      "-A MOORAGE_OUT -p tcp -j REDIRECT --to-ports 15001",
      "COMMIT",
    ]);
  });

  it("reject everything else leaving the namespace, and guard the control port, whatever the internet setting", () => {
    const text = ipv4Rules(plan, NO_HOOKS);
    const filter = text.split("\n").slice(text.split("\n").indexOf("*filter"));
    expect(filter).toEqual([
      "*filter",
      ":MOORAGE_FILTER - [0:0]",
      ":MOORAGE_IN - [0:0]",
      "-A OUTPUT -j MOORAGE_FILTER",
      "-A INPUT -j MOORAGE_IN",
      "-A MOORAGE_FILTER -o lo -j RETURN",
      "-A MOORAGE_FILTER -d 127.0.0.0/8 -j RETURN",
      "-A MOORAGE_FILTER -m conntrack --ctstate ESTABLISHED,RELATED --ctdir REPLY -j RETURN",
      "-A MOORAGE_FILTER -m cgroup --path /docker/abc123 -p tcp -d 172.17.0.1/32 --dport 41000 -j RETURN",
      "-A MOORAGE_FILTER -p tcp -j REJECT --reject-with tcp-reset",
      "-A MOORAGE_FILTER -p udp -j REJECT --reject-with icmp-port-unreachable",
      "-A MOORAGE_FILTER -j REJECT --reject-with icmp-admin-prohibited",
      "-A MOORAGE_IN -i lo -p tcp --dport 39001 -j REJECT --reject-with tcp-reset",
      "-A MOORAGE_IN -i lo -m conntrack --ctstate DNAT --ctdir REPLY -j RETURN",
      "-A MOORAGE_IN -i lo -m addrtype ! --src-type LOCAL -j DROP",
      "COMMIT",
      "",
    ]);
  });

  it("never exempt by uid or gid (the app can setgid/setuid as root)", () => {
    const text = ipv4Rules(plan, NO_HOOKS) + ipv6Rules(plan, NO_HOOKS);
    expect(text).not.toMatch(/--(gid|uid)-owner/);
    expect(text).not.toContain("-m owner");
  });

  it("have no way out before workerd's port is known, and without a cgroup exempt by destination only", () => {
    const early = ipv4Rules({ ...plan, workerd: undefined }, NO_HOOKS);
    expect(early).not.toContain("--dport 41000");
    expect(early.match(/-j RETURN/g)?.length).toBe(6); // loopback (nat, filter), replies (inbound, redirected)
    const noCgroup = ipv4Rules({ ...plan, cgroupPath: undefined }, NO_HOOKS);
    expect(noCgroup).toContain("-A MOORAGE_OUT -p tcp -d 172.17.0.1/32 --dport 41000 -j RETURN");
  });

  it("hook the built-in chains only once", () => {
    const again = ipv4Rules(plan, { nat: true, filter: true, input: true, ip6: true });
    expect(again).not.toContain("-A OUTPUT");
    expect(again).not.toContain("-A INPUT");
    expect(ipv4Rules({ ...plan, dnsPort: undefined }, NO_HOOKS)).not.toContain("--dport 53");
  });

  it("refuse values that would change the rule text", () => {
    expect(() => ipv4Rules({ ...plan, cgroupPath: "/x -j ACCEPT" }, NO_HOOKS)).toThrow(/cgroup path/);
    expect(() => ipv4Rules({ ...plan, workerd: { ip: "1.2.3.4\n-A", port: 1 } }, NO_HOOKS)).toThrow(/address/);
    expect(() => ipv4Rules({ ...plan, tcpPort: 70000 }, NO_HOOKS)).toThrow(/port/);
  });
});

describe("IPv6 rules", () => {
  it("keep IPv6 on loopback and the control port closed to it", () => {
    expect(ipv6Rules(plan, NO_HOOKS).split("\n")).toEqual([
      "*filter",
      ":MOORAGE_FILTER - [0:0]",
      ":MOORAGE_IN - [0:0]",
      "-A OUTPUT -j MOORAGE_FILTER",
      "-A INPUT -j MOORAGE_IN",
      "-A MOORAGE_FILTER -o lo -j RETURN",
      "-A MOORAGE_FILTER -m conntrack --ctstate ESTABLISHED,RELATED --ctdir REPLY -j RETURN",
      "-A MOORAGE_FILTER -p tcp -j REJECT --reject-with tcp-reset",
      "-A MOORAGE_FILTER -j REJECT --reject-with icmp6-adm-prohibited",
      "-A MOORAGE_IN -i lo -p tcp --dport 39001 -j REJECT --reject-with tcp-reset",
      "-A MOORAGE_IN -i lo -m addrtype ! --src-type LOCAL -j DROP",
      "COMMIT",
      "",
    ]);
  });
});

describe("sidecarCgroupPath", () => {
  it("takes the unified-hierarchy path, and `/` only where the kernel resolves it in the caller's namespace", () => {
    const hybrid = "4:memory:/docker/abc\n0::/docker/abc\n";
    expect(sidecarCgroupPath(hybrid, "6.18.44")).toBe("/docker/abc");
    expect(sidecarCgroupPath("0::/\n", "6.1.0-18-amd64")).toBe("/");
    expect(sidecarCgroupPath("0::/\n", "5.15.0")).toBeUndefined();
    expect(sidecarCgroupPath("4:memory:/docker/abc\n", "6.1.0")).toBeUndefined();
    expect(sidecarCgroupPath("", "6.1.0")).toBeUndefined();
  });
});
