/**
 * Hostname globs (workerd's semantics) and the synthetic/learned address table.
 */
import { describe, expect, it } from "vitest";
import { HostTable, hostnameGlobMatches, isSynthetic, normalizeHostname } from "./names.js";

describe("hostnameGlobMatches (workerd semantics)", () => {
  it.each([
    ["*", "anything.example.com", true],
    ["cloudflare.com", "cloudflare.com", true],
    ["cloudflare.com", "www.cloudflare.com", false],
    ["*.cloudflare.com", "www.cloudflare.com", true],
    ["*.cloudflare.com", "cloudflare.com", false],
    ["cloudflare.*.com", "cloudflare.dev.com", true],
    ["cloudflare.*.com", "cloudflare.a.b.com", true],
    ["cloudflare", "cloudflare.com", false],
    ["a*b*c", "axxbyyc", true],
    ["a*b*c", "axxbyy", false],
  ])("%s vs %s -> %s", (pattern, host, expected) => {
    expect(hostnameGlobMatches(pattern, host)).toBe(expected);
  });
});

describe("HostTable", () => {
  it("gives each name one stable synthetic address in 100.64.0.0/10 and maps it back", () => {
    const t = new HostTable();
    const a = t.synthetic("API.example.com.");
    expect(a).toBe("100.64.0.1");
    expect(t.synthetic("api.example.com")).toBe(a);
    expect(t.synthetic("other.test")).toBe("100.64.0.2");
    expect(t.hostnameFor(a)).toBe("api.example.com");
    expect(isSynthetic(a)).toBe(true);
    expect(isSynthetic("100.128.0.1")).toBe(false);
    expect(isSynthetic("172.17.0.1")).toBe(false);
  });

  it("remembers real addresses learned from upstream DNS", () => {
    const t = new HostTable();
    t.learn("real.example", "93.184.216.34");
    expect(t.addressFor("REAL.example")).toBe("93.184.216.34");
    expect(t.hostnameFor("93.184.216.34")).toBe("real.example");
  });

  it("normalizes like a URL hostname", () => {
    expect(normalizeHostname(" [::1] ")).toBe("::1");
    expect(normalizeHostname("Example.COM.")).toBe("example.com");
  });
});
