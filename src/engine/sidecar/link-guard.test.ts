/**
 * The link-layer guard's nft script: drop by default at the device, let out only what workerd needs.
 */
import { describe, expect, it } from "vitest";
import { type LinkPlan, linkRules } from "./link-guard.js";

const plan: LinkPlan = {
  device: "eth0",
  ownIp: "172.17.0.5",
  gateway: "172.17.0.1",
  workerdPort: 41000,
};

describe("linkRules", () => {
  it("re-creates one netdev egress chain atomically, dropping everything but ARP, workerd and replies to the host", () => {
    expect(linkRules(plan).split("\n")).toEqual([
      "table netdev moorage_link",
      "delete table netdev moorage_link",
      "table netdev moorage_link {",
      "  chain egress {",
      '    type filter hook egress device "eth0" priority 0; policy drop;',
      "    meta protocol arp arp saddr ip 172.17.0.5 accept",
      "    ip saddr 172.17.0.5 ip daddr 172.17.0.1 tcp dport 41000 accept",
      "    ip saddr 172.17.0.5 ip daddr 172.17.0.1 tcp flags & (syn | ack) != syn accept",
      "  }",
      "}",
      "",
    ]);
  });

  it("lets nothing reach workerd before its port is known", () => {
    expect(linkRules({ ...plan, workerdPort: undefined })).not.toContain("dport");
  });

  it("refuses values that would change the script", () => {
    expect(() => linkRules({ ...plan, device: 'eth0" accept' })).toThrow(/device/);
    expect(() => linkRules({ ...plan, ownIp: "0.0.0.0/0" })).toThrow(/address/);
    expect(() => linkRules({ ...plan, workerdPort: 0 })).toThrow(/port/);
  });
});
