/**
 * Finding workerd's egress listener (the namespace's default gateway).
 */
import { describe, expect, it } from "vitest";
import { defaultGateway, firstHost } from "./gateway.js";

const ROUTE = `Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT
eth0\t00000000\t010011AC\t0003\t0\t0\t0\t00000000\t0\t0\t0
eth0\t000011AC\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0
`;

describe("gateway", () => {
  it("reads the default gateway from /proc/net/route", () => {
    expect(defaultGateway(ROUTE)).toBe("172.17.0.1");
    expect(defaultGateway("Iface\tDestination\n")).toBeUndefined();
  });

  it("falls back to the subnet's first host", () => {
    expect(firstHost("172.17.0.0/16")).toBe("172.17.0.1");
    expect(firstHost("10.88.5.0/24")).toBe("10.88.5.1");
    expect(firstHost(undefined)).toBeUndefined();
  });
});
