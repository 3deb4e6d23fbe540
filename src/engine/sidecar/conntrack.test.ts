/**
 * Recovering a REDIRECTed connection's original destination from conntrack text.
 */
import { describe, expect, it } from "vitest";
import { findOriginalDestination } from "./conntrack.js";

const TABLE = [
  "ipv4     2 tcp      6 110 TIME_WAIT src=172.17.0.2 dst=10.9.9.9 sport=40000 dport=443 src=127.0.0.1 dst=172.17.0.2 sport=15001 dport=40000 [ASSURED] mark=0 zone=0 use=2",
  "ipv4     2 tcp      6 431999 ESTABLISHED src=172.17.0.2 dst=100.64.0.1 sport=40000 dport=80 src=127.0.0.1 dst=172.17.0.2 sport=15001 dport=40000 [ASSURED] mark=0 zone=0 use=2",
  "ipv4     2 udp      17 29 src=172.17.0.2 dst=1.1.1.1 sport=40000 dport=53 src=127.0.0.1 dst=172.17.0.2 sport=15053 dport=40000 mark=0 zone=0 use=2",
  "ipv4     2 tcp      6 431999 ESTABLISHED src=172.17.0.2 dst=172.17.0.1 sport=41000 dport=5555 src=172.17.0.1 dst=172.17.0.2 sport=5555 dport=41000 [ASSURED] mark=0 zone=0 use=2",
].join("\n");

describe("findOriginalDestination", () => {
  it("prefers the live flow over a TIME_WAIT one on the same source port", () => {
    expect(findOriginalDestination(TABLE, "172.17.0.2", 40000, 15001)).toEqual({ ip: "100.64.0.1", port: 80 });
  });

  it("only accepts flows redirected to the listener", () => {
    expect(findOriginalDestination(TABLE, "172.17.0.2", 41000, 15001)).toBeUndefined();
    expect(findOriginalDestination(TABLE, "172.17.0.2", 41000)).toEqual({ ip: "172.17.0.1", port: 5555 });
  });

  it("returns undefined when nothing matches", () => {
    expect(findOriginalDestination(TABLE, "172.17.0.3", 40000)).toBeUndefined();
  });
});
