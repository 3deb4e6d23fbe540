/**
 * Sidecar flag parsing: workerd's exact Cmd, variants, and unknown flags that must never be fatal.
 */
import { describe, expect, it } from "vitest";
import { parseHostPort, parseSidecarArgs } from "./args.js";

describe("parseSidecarArgs", () => {
  it("reads the exact Cmd workerd passes", () => {
    const a = parseSidecarArgs([
      "--http-egress-port",
      "43211",
      "--http-ingress-address",
      "0.0.0.0:39001",
      "--docker-gateway-cidr",
      "172.17.0.0/16",
      "--dns-enabled",
      "--tls-intercept",
      "--disable-ipv6",
    ]);
    expect(a).toEqual({
      httpEgressPort: 43211,
      ingress: { host: "0.0.0.0", port: 39001 },
      gatewayCidr: "172.17.0.0/16",
      dnsEnabled: true,
      tlsIntercept: true,
      disableIpv6: true,
      unknown: [],
    });
  });

  it("accepts --flag=value and boolean values", () => {
    const a = parseSidecarArgs(["--http-egress-port=1", "--dns-enabled=false", "--tls-intercept=true"]);
    expect(a.httpEgressPort).toBe(1);
    expect(a.dnsEnabled).toBe(false);
    expect(a.tlsIntercept).toBe(true);
  });

  it("keeps unknown flags (and their values) without failing", () => {
    const a = parseSidecarArgs([
      "--future-thing",
      "x",
      "--another",
      "--http-egress-port",
      "99999",
      "--docker-gateway-cidr",
    ]);
    expect(a.unknown).toEqual([
      "--future-thing x",
      "--another",
      "--http-egress-port 99999 (not a port)",
      "--docker-gateway-cidr (missing value)",
    ]);
    expect(a.httpEgressPort).toBeUndefined();
    expect(a.ingress).toEqual({ host: "0.0.0.0", port: 39001 });
  });
});

describe("parseHostPort", () => {
  it("parses v4, v6 and bare ports", () => {
    expect(parseHostPort("127.0.0.1:8080")).toEqual({ host: "127.0.0.1", port: 8080 });
    expect(parseHostPort("[::1]:80")).toEqual({ host: "::1", port: 80 });
    expect(parseHostPort(":39001")).toEqual({ host: "0.0.0.0", port: 39001 });
    expect(parseHostPort("nope")).toBeUndefined();
    expect(parseHostPort("h:0")).toBeUndefined();
  });
});
