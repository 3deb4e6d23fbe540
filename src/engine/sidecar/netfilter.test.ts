/**
 * The iptables rules the sidecar installs (exact text, since the kernel is unforgiving).
 */
import { describe, expect, it } from "vitest";
import { filterRules, natRules } from "./netfilter.js";

describe("netfilter rules", () => {
  it("redirects TCP and DNS, exempting loopback and the sidecar's group, hooking OUTPUT once", () => {
    const first = natRules({ sidecarGid: 39001, tcpPort: 15001, dnsPort: 15053 }, false);
    expect(first.split("\n")).toEqual([
      "*nat",
      ":MOORAGE_OUT - [0:0]",
      "-A OUTPUT -j MOORAGE_OUT",
      "-A MOORAGE_OUT -o lo -j RETURN",
      "-A MOORAGE_OUT -d 127.0.0.0/8 -j RETURN",
      "-A MOORAGE_OUT -m owner --gid-owner 39001 -j RETURN",
      "-A MOORAGE_OUT -p udp --dport 53 -j REDIRECT --to-ports 15053",
      "-A MOORAGE_OUT -p tcp -j REDIRECT --to-ports 15001",
      "COMMIT",
      "",
    ]);
    const again = natRules({ sidecarGid: 39001, tcpPort: 15001, dnsPort: undefined }, true);
    expect(again).not.toContain("-A OUTPUT");
    expect(again).not.toContain("--dport 53");
  });

  it("rejects non-redirected traffic only while the internet is disabled", () => {
    const off = filterRules(39001, false, false);
    expect(off).toContain("-A OUTPUT -j MOORAGE_FILTER");
    expect(off).toContain("-A MOORAGE_FILTER -d 127.0.0.0/8 -j RETURN");
    expect(off).toContain("-A MOORAGE_FILTER -m conntrack --ctstate ESTABLISHED,RELATED -j RETURN");
    expect(off).toContain("-A MOORAGE_FILTER -j REJECT --reject-with icmp-net-prohibited");
    const on = filterRules(39001, true, true);
    expect(on).not.toContain("REJECT");
    expect(on).not.toContain("-A OUTPUT");
  });
});
