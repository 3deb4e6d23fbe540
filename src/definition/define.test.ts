import { afterEach, describe, expect, it, vi } from "vitest";
import { MoorageError } from "../errors.js";
import {
  DEFER_VALIDATION,
  deferredDeclaration,
  defineContainer,
  isDefinedContainer,
  normalizeContainer,
} from "./define.js";
import type { ContainerConfig } from "./types.js";

/** Calls normalizeContainer with `extra` merged over a minimal valid config. */
function define(extra: Record<string, unknown>, exportName = "transcoder") {
  return normalizeContainer({ image: "./containers/transcoder", ...extra } as ContainerConfig, exportName);
}

describe("defineContainer: defaults and normalization", () => {
  it("fills defaults into one normalized shape", () => {
    const d = defineContainer({ image: "./containers/transcoder" });
    expect(isDefinedContainer(d)).toBe(true);
    expect({ ...d }).toEqual({
      image: {
        kind: "dockerfile",
        dockerfile: "./containers/transcoder/Dockerfile",
        context: "./containers/transcoder",
      },
      defaultPort: 8080,
      requiredPorts: [8080],
      instanceType: "lite",
      sleepAfterSeconds: 600,
      readyTimeoutSeconds: 30,
      env: {},
      secrets: [],
      secretsStore: {},
      labels: {},
      buildArgs: {},
      enableInternet: true,
      allowedHosts: [],
      deniedHosts: [],
      interceptHttps: false,
      readyOn: [],
    });
  });

  it("survives JSON, so codegen can inline it", () => {
    const d = defineContainer({ image: "./c", sleepAfter: "5m", hardTimeout: "1h", readyOn: [{ path: "/ready" }] });
    const copy = JSON.parse(JSON.stringify(d));
    expect(copy).toEqual({ ...d });
    expect(copy.hardTimeoutSeconds).toBe(3600);
    expect(defineContainer({ image: "./c", stopTimeout: "2s" }).stopTimeoutSeconds).toBe(2);
    expect(copy.readyOn).toEqual([{ path: "/ready", port: 8080, status: 200 }]);
  });

  it("accepts every field of the container layer", () => {
    const d = define({
      defaultPort: 8080,
      requiredPorts: [8080, 9090],
      entrypoint: ["node", "server.js"],
      instanceType: { vcpu: 1, memoryMib: 4096, diskMb: 8000 },
      maxInstances: 5,
      sleepAfter: 90,
      hardTimeout: "2h",
      readyTimeout: "10s",
      env: { MODE: "fast" },
      secrets: ["API_KEY"],
      secretsStore: { STRIPE_KEY: "STRIPE_SECRET" },
      labels: { team: "media" },
      buildArgs: { NODE_VERSION: "22" },
      enableInternet: false,
      allowedHosts: ["*.stripe.com", "api.github.com"],
      deniedHosts: ["*.evil.com"],
      interceptHttps: true,
      readyOn: [{ path: "/ready" }, { path: "/live", port: 9090, status: 204 }],
    });
    expect(d.requiredPorts).toEqual([8080, 9090]);
    expect(d.instanceType).toEqual({ vcpu: 1, memoryMib: 4096, diskMb: 8000 });
    expect(d.sleepAfterSeconds).toBe(90);
    expect(d.hardTimeoutSeconds).toBe(7200);
    expect(d.readyTimeoutSeconds).toBe(10);
    expect(d.readyOn).toEqual([
      { path: "/ready", port: 8080, status: 200 },
      { path: "/live", port: 9090, status: 204 },
    ]);
  });
});

describe("defineContainer: image", () => {
  it.each([
    [
      "./containers/app",
      { kind: "dockerfile", dockerfile: "./containers/app/Dockerfile", context: "./containers/app" },
    ],
    [
      "./containers/app/",
      { kind: "dockerfile", dockerfile: "./containers/app/Dockerfile", context: "./containers/app" },
    ],
    [
      "./containers/app/Dockerfile.dev",
      { kind: "dockerfile", dockerfile: "./containers/app/Dockerfile.dev", context: "./containers/app" },
    ],
    ["containers/app", { kind: "dockerfile", dockerfile: "containers/app/Dockerfile", context: "containers/app" }],
    ["Dockerfile", { kind: "dockerfile", dockerfile: "Dockerfile", context: "." }],
  ])("%s is a local build", (image, expected) => {
    expect(define({ image }).image).toEqual(expected);
  });

  it("takes a registry reference as { registry }", () => {
    expect(define({ image: { registry: "docker.io/acme/transcoder:1.4" } }).image).toEqual({
      kind: "registry",
      reference: "docker.io/acme/transcoder:1.4",
    });
  });

  it.each(["docker.io/acme/transcoder:1.4", "acme/transcoder:latest", "transcoder@sha256:abcd", "ghcr.io/acme/x"])(
    "rejects the plain string %s and says to use { registry }",
    (image) => {
      expect(() => define({ image })).toThrow(/looks like a registry reference; write image: \{ registry: /);
    },
  );

  it.each([
    [{}, /"image" is required/],
    [{ image: "" }, /"image" must be a directory with a Dockerfile/],
    [{ image: 42 }, /"image" must be a directory/],
    [{ image: { registry: "" } }, /"image.registry" must be an image reference/],
    [{ image: { registry: "a b" } }, /"image.registry" must be an image reference/],
    [{ image: { registry: "x/y:1", tag: "1" } }, /"image" object takes only "registry" \(unknown: tag\)/],
  ])("rejects %j", (config, message) => {
    expect(() => normalizeContainer(config as ContainerConfig, "transcoder")).toThrow(message);
  });

  it("ignores buildArgs for a registry image, with a warning", () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const d = define({ image: { registry: "docker.io/acme/x:1" }, buildArgs: { A: "1" } });
    expect(d.buildArgs).toEqual({});
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('"buildArgs" is ignored for a { registry } image'));
  });
  afterEach(() => vi.restoreAllMocks());
});

describe("defineContainer: directed errors name the export, the field and the fix", () => {
  it.each<[string, Record<string, unknown>, RegExp]>([
    ["unknown key", { sleepafter: "5m" }, /unknown field "sleepafter"; did you mean "sleepAfter"\?/],
    [
      "defaultPort range",
      { defaultPort: 70000 },
      /"defaultPort" must be an integer port from 1 to 65535 \(got 70000\)/,
    ],
    ["defaultPort type", { defaultPort: "8080" }, /"defaultPort" must be an integer port/],
    ["requiredPorts empty", { requiredPorts: [] }, /"requiredPorts" must be a non-empty array/],
    ["requiredPorts float", { requiredPorts: [80.5] }, /"requiredPorts\[0\]" must be an integer port/],
    ["requiredPorts dup", { requiredPorts: [8080, 8080] }, /"requiredPorts" lists 8080 twice/],
    [
      "defaultPort outside requiredPorts",
      { defaultPort: 3000, requiredPorts: [8080] },
      /"defaultPort" 3000 is not in "requiredPorts" \(8080\)/,
    ],
    ["entrypoint empty", { entrypoint: [] }, /"entrypoint" must not be empty/],
    ["entrypoint blank item", { entrypoint: ["node", ""] }, /"entrypoint\[1\]" must be a non-empty string/],
    ["instanceType name", { instanceType: "huge" }, /"instanceType" must be one of "lite", "basic", "standard-1"/],
    [
      "instanceType keys",
      { instanceType: { vcpu: 1, memory: 4096 } },
      /custom form takes exactly \{ vcpu, memoryMib, diskMb \}/,
    ],
    [
      "instanceType vcpu",
      { instanceType: { vcpu: 8, memoryMib: 12288, diskMb: 8000 } },
      /vcpu must be between 1 and 4 \(got 8\)/,
    ],
    [
      "instanceType memory per vcpu",
      { instanceType: { vcpu: 2, memoryMib: 4096, diskMb: 8000 } },
      /memoryMib must be at least 3072 per vCPU/,
    ],
    [
      "instanceType disk ratio",
      { instanceType: { vcpu: 1, memoryMib: 4096, diskMb: 10000 } },
      /diskMb must be at most 2000 per GiB of memory/,
    ],
    [
      "instanceType max memory",
      { instanceType: { vcpu: 4, memoryMib: 16384, diskMb: 8000 } },
      /memoryMib must be at most 12288/,
    ],
    [
      "instanceType negative",
      { instanceType: { vcpu: -1, memoryMib: 4096, diskMb: 8000 } },
      /"instanceType.vcpu" must be a positive number/,
    ],
    ["maxInstances", { maxInstances: 0 }, /"maxInstances" must be a positive integer \(got 0\)/],
    ["maxInstances float", { maxInstances: 1.5 }, /"maxInstances" must be a positive integer/],
    ["sleepAfter", { sleepAfter: "5 minutes" }, /"sleepAfter" must look like "30s", "5m" or "1h".*\(got "5 minutes"\)/],
    ["hardTimeout", { hardTimeout: -1 }, /"hardTimeout" must look like "30s", "5m" or "1h"/],
    ["stopTimeout", { stopTimeout: "soon" }, /"stopTimeout" must look like "30s", "5m" or "1h"/],
    ["readyTimeout", { readyTimeout: "1d" }, /"readyTimeout" must look like/],
    [
      "env value",
      { env: { PORT: 8080 } },
      /"env.PORT" must be a string \(got 8080\); wrap numbers and booleans in String\(\)/,
    ],
    ["env name", { env: { "BAD-NAME": "x" } }, /"env" key "BAD-NAME" is not a valid environment variable name/],
    ["env type", { env: ["A=1"] }, /"env" must be an object of string values/],
    ["secrets type", { secrets: "API_KEY" }, /"secrets" must be an array of strings/],
    ["secrets name", { secrets: ["1KEY"] }, /"secrets\[0\]" "1KEY" is not a valid environment variable name/],
    ["secrets dup", { secrets: ["A", "A"] }, /"secrets" lists "A" twice/],
    ["secretsStore name", { secretsStore: { "X-Y": "B" } }, /"secretsStore" key "X-Y" is not a valid/],
    [
      "secretsStore binding",
      { secretsStore: { X: "not a binding" } },
      /binding name "not a binding" is not a valid binding name/,
    ],
    [
      "env/secrets collision",
      { env: { API_KEY: "x" }, secrets: ["API_KEY"] },
      /"API_KEY" is set by both "env" and "secrets"/,
    ],
    [
      "secrets/secretsStore collision",
      { secrets: ["KEY"], secretsStore: { KEY: "STORE" } },
      /"KEY" is set by both "secrets" and "secretsStore"/,
    ],
    ["labels value", { labels: { team: 1 } }, /"labels.team" must be a string/],
    [
      "buildArgs name",
      { buildArgs: { "NODE-VERSION": "22" } },
      /"buildArgs" key "NODE-VERSION" is not a valid build ARG name/,
    ],
    ["enableInternet", { enableInternet: "no" }, /"enableInternet" must be true or false \(got "no"\)/],
    ["interceptHttps", { interceptHttps: 1 }, /"interceptHttps" must be true or false/],
    [
      "allowedHosts url",
      { allowedHosts: ["https://api.github.com/"] },
      /"allowedHosts\[0\]" "https:\/\/api.github.com\/" is not a host or host glob/,
    ],
    ["deniedHosts type", { deniedHosts: "evil.com" }, /"deniedHosts" must be an array of strings/],
    ["readyOn type", { readyOn: { path: "/ready" } }, /"readyOn" must be an array like \[\{ path: "\/ready" \}\]/],
    ["readyOn path", { readyOn: [{ path: "ready" }] }, /"readyOn\[0\].path" must start with "\/"/],
    [
      "readyOn spaces",
      { readyOn: [{ path: "/ready " }] },
      /"readyOn\[0\].path" must start with "\/" and have no surrounding spaces/,
    ],
    [
      "readyOn status",
      { readyOn: [{ path: "/r", status: 600 }] },
      /"readyOn\[0\].status" must be an HTTP status from 100 to 599/,
    ],
    [
      "readyOn port",
      { readyOn: [{ path: "/r", port: 9999 }] },
      /"readyOn\[0\].port" 9999 is not one of the container's ports \(8080\); add it to "requiredPorts"/,
    ],
    ["readyOn key", { readyOn: [{ path: "/r", timeout: 5 }] }, /"readyOn\[0\]" has unknown key\(s\) timeout/],
  ])("%s", (_name, extra, message) => {
    expect(() => define(extra)).toThrow(MoorageError);
    expect(() => define(extra)).toThrow(/^defineContainer\(transcoder\): /);
    expect(() => define(extra)).toThrow(message);
  });

  it("says only defineContainer when the export is not known yet", () => {
    expect(() => defineContainer({ image: "./c", sleepAfter: "soon" } as never)).toThrow(
      /^defineContainer: "sleepAfter"/,
    );
  });

  it("rejects a non-object config", () => {
    expect(() => normalizeContainer("./c" as never, "x")).toThrow(/defineContainer\(x\): expects an object/);
  });
});

describe("deferred validation (used by discovery)", () => {
  afterEach(() => {
    delete (globalThis as Record<symbol, unknown>)[DEFER_VALIDATION];
  });

  it("records the raw config and its call site instead of throwing", () => {
    (globalThis as Record<symbol, unknown>)[DEFER_VALIDATION] = true;
    const d = defineContainer({ image: "./c", sleepAfter: "soon" } as never);
    expect(isDefinedContainer(d)).toBe(true);
    const deferred = deferredDeclaration(d);
    expect(deferred?.config).toEqual({ image: "./c", sleepAfter: "soon" });
    expect(deferred?.stack).toContain("define.test.ts");
  });
});
