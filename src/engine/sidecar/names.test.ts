/**
 * Hostname globs (workerd's semantics) and the synthetic/learned address table.
 */
import { describe, expect, it } from "vitest";
import {
  HostTable,
  hostnameGlobMatches,
  isSafeHostname,
  isSynthetic,
  MAX_LEARNED,
  MAX_SYNTHETIC,
  normalizeHostname,
} from "./names.js";

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

  it("bounds what it holds: learned names are evicted oldest first, synthetic names stop at the limit", () => {
    const t = new HostTable();
    for (let i = 0; i < MAX_LEARNED + 100; i++)
      t.learn(`n${i}.example`, `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`);
    expect(t.size).toBe(MAX_LEARNED);
    expect(t.addressFor("n0.example")).toBeUndefined();
    expect(t.addressFor(`n${MAX_LEARNED + 99}.example`)).toBeDefined();
    for (let i = 0; i < MAX_SYNTHETIC; i++) t.synthetic(`s${i}.test`);
    expect(() => t.synthetic("one-more.test")).toThrow(/exhausted/);
    expect(t.size).toBe(MAX_LEARNED + MAX_SYNTHETIC);
  });

  it("never learns unsafe names or synthetic addresses", () => {
    const t = new HostTable();
    const ip = t.synthetic("allowed.test");
    t.learn("allowed.test", "6.6.6.6");
    expect(t.addressFor("allowed.test")).toBe(ip);
    t.learn("evil.test", ip);
    expect(t.hostnameFor(ip)).toBe("allowed.test");
    t.learn("bad\r\nname", "7.7.7.7");
    expect(t.hostnameFor("7.7.7.7")).toBeUndefined();
  });
});

describe("isSafeHostname", () => {
  it.each([
    ["api.example.com", true],
    ["*.cdn.test", true],
    ["under_score.test", true],
    ["10.0.0.1", true],
    ["::1", true],
    ["a.test\r\nX: y", false],
    ["a b", false],
    ["a..b", false],
    ["", false],
    ["ä.test", false],
    ["x".repeat(254), false],
  ])("%j -> %s", (host, ok) => {
    expect(isSafeHostname(host)).toBe(ok);
  });
});
