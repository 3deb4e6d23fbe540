/**
 * `PUT /egress` bodies and the shared egress state.
 */
import { describe, expect, it } from "vitest";
import { EgressState, MAX_ALLOW_HOSTNAMES, parseEgressBody } from "./state.js";

describe("parseEgressBody", () => {
  it("reads workerd's full body", () => {
    expect(
      parseEgressBody('{"port":4000,"dns":{"allowHostnames":["Allowed.test","*.x"]},"internet":{"enabled":true}}'),
    ).toEqual({
      port: 4000,
      allowHostnames: ["allowed.test", "*.x"],
      internetEnabled: true,
    });
  });

  it("reads the port-only body workerd sends when it recovers a running sidecar", () => {
    expect(parseEgressBody('{"port":4001}')).toEqual({ port: 4001 });
  });

  it("names the bad field", () => {
    expect(() => parseEgressBody("nope")).toThrow(/not JSON/);
    expect(() => parseEgressBody('{"port":"x"}')).toThrow(/"port"/);
    expect(() => parseEgressBody('{"dns":{"allowHostnames":[1]}}')).toThrow(/allowHostnames/);
    expect(() => parseEgressBody('{"internet":{"enabled":"yes"}}')).toThrow(/internet.enabled/);
  });

  it("refuses hostnames that are not globs of a DNS name, and lists beyond the bound", () => {
    expect(() => parseEgressBody('{"dns":{"allowHostnames":["a.test\\r\\nx"]}}')).toThrow(/not a hostname glob/);
    const many = JSON.stringify({
      dns: { allowHostnames: Array.from({ length: MAX_ALLOW_HOSTNAMES + 1 }, (_, i) => `h${i}.test`) },
    });
    expect(() => parseEgressBody(many)).toThrow(/at most 4096/);
  });
});

describe("EgressState", () => {
  it("applies updates, awaits subscribers and matches hostnames with globs", async () => {
    const s = new EgressState({ port: undefined, allowHostnames: [], internetEnabled: false });
    const seen: boolean[] = [];
    s.onChange(async (next) => {
      await new Promise((r) => setTimeout(r, 5));
      seen.push(next.internetEnabled);
    });
    await s.apply({ port: 1, allowHostnames: ["*.example.com"], internetEnabled: true });
    expect(seen).toEqual([true]);
    expect(s.isIntercepted("API.example.com")).toBe(true);
    expect(s.isIntercepted("example.com")).toBe(false);
    await s.apply({ port: 2 });
    expect(s.current).toEqual({ port: 2, allowHostnames: ["*.example.com"], internetEnabled: true });
  });

  it("keeps the previous config when a subscriber (the firewall) cannot apply the update", async () => {
    const s = new EgressState({ port: 1, allowHostnames: [], internetEnabled: false });
    s.onChange(() => {
      throw new Error("firewall down");
    });
    await expect(s.apply({ internetEnabled: true })).rejects.toThrow(/firewall down/);
    expect(s.current.internetEnabled).toBe(false);
  });
});
