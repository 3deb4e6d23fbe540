/**
 * The scheduling fields of `defineContainer`: the `durable_object` policy with named images and `persist`,
 * placement (`regions`, `jurisdiction`) and rollout settings, each normalized, and each mistake refused with a
 * message naming the field and the fix.
 */
import { describe, expect, it } from "vitest";
import { normalizeContainer } from "./define.js";
import type { ContainerConfig } from "./types.js";

const define = (config: Record<string, unknown>) => normalizeContainer(config as ContainerConfig, "entity");
const base = { image: "./containers/entity" };
const PINNED = `registry.cloudflare.com/acc123/gpu@sha256:${"a".repeat(64)}`;

describe("durable_object policy", () => {
  it("turns a plain image into the named image `default`, the one a bare start runs", () => {
    const d = define({ ...base, schedulingPolicy: "durable_object", persist: ["/data", "/var/lib/app/"] });
    expect(d.schedulingPolicy).toBe("durable_object");
    expect(d.images).toEqual({
      default: { kind: "dockerfile", dockerfile: "./containers/entity/Dockerfile", context: "./containers/entity" },
    });
    expect(d.defaultImage).toBe("default");
    expect(d.image).toEqual(d.images?.default);
    expect(d.persist).toEqual(["/data", "/var/lib/app"]);
  });

  it("takes a named images map; defaultImage picks the one a bare start runs (else the first)", () => {
    const images = { base: "./containers/x", gpu: { registry: PINNED } };
    const first = define({ schedulingPolicy: "durable_object", images });
    expect(first.defaultImage).toBe("base");
    expect(first.image).toEqual({
      kind: "dockerfile",
      dockerfile: "./containers/x/Dockerfile",
      context: "./containers/x",
    });
    const gpu = define({ schedulingPolicy: "durable_object", images, defaultImage: "gpu" });
    expect(gpu.image).toEqual({ kind: "registry", reference: PINNED });
  });

  it("refuses what the policy cannot do, naming the field and the fix", () => {
    expect(() => define({ ...base, persist: ["/data"] })).toThrow(
      'defineContainer(entity): "persist" needs schedulingPolicy: "durable_object" (directory snapshots need it); add it to the declaration',
    );
    expect(() => define({ images: { a: "./x" } })).toThrow('"images" needs schedulingPolicy: "durable_object"');
    expect(() => define({ ...base, schedulingPolicy: "durable_object", images: { a: "./x" } })).toThrow(
      'set either "image" or "images", not both',
    );
    expect(() => define({ schedulingPolicy: "durable_object", images: { a: "./x" }, defaultImage: "b" })).toThrow(
      '"defaultImage" must be one of the "images" names ("a"); got "b"',
    );
    expect(() =>
      define({ schedulingPolicy: "durable_object", images: { gpu: { registry: "docker.io/acme/gpu:1" } } }),
    ).toThrow('"images.gpu" under schedulingPolicy "durable_object" must be a Dockerfile or a digest-pinned reference');
    expect(() => define({ schedulingPolicy: "durable_object", images: { "bad name": "./x" } })).toThrow(
      '"images" key "bad name" must be 1-128 letters',
    );
    expect(() => define({ schedulingPolicy: "durable_object", images: { a: "acme/app:1" } })).toThrow(
      '"images.a" "acme/app:1" looks like a registry reference; write a: { registry: "acme/app:1" }',
    );
    expect(() => define({ ...base, schedulingPolicy: "durable_object", regions: ["WEUR"] })).toThrow(
      '"regions" cannot be used with schedulingPolicy "durable_object"',
    );
    expect(() => define({ ...base, schedulingPolicy: "dynamic" })).toThrow(
      '"schedulingPolicy" must be "default", "durable_object" (got "dynamic")',
    );
  });

  it("refuses a declared size the platform's start() does not take", () => {
    expect(() => define({ ...base, schedulingPolicy: "durable_object", instanceType: "basic" })).toThrow(
      /"instanceType" "basic" cannot be used with schedulingPolicy "durable_object": the size is passed at each start, which takes "lite", "standard-1"/,
    );
    expect(define({ ...base, schedulingPolicy: "durable_object", instanceType: "standard-2" }).instanceType).toBe(
      "standard-2",
    );
  });

  it("checks persist directories", () => {
    const dur = { ...base, schedulingPolicy: "durable_object" };
    expect(() => define({ ...dur, persist: ["data"] })).toThrow(
      '"persist[0]" must be an absolute directory path like "/data" (got "data")',
    );
    expect(() => define({ ...dur, persist: ["/"] })).toThrow('"persist[0]" "/" must name a directory below "/"');
    expect(() => define({ ...dur, persist: ["/a/../b"] })).toThrow('must name a directory below "/" without ".", ".."');
    expect(() => define({ ...dur, persist: ["/data", "/data/x"] })).toThrow(
      '"persist[1]" "/data/x" is already covered by "persist[0]" "/data"; list it once',
    );
    expect(() => define({ ...dur, persist: [] })).toThrow('"persist" must be a non-empty list');
  });

  it("still requires an image when there is no images map", () => {
    expect(() => define({ schedulingPolicy: "durable_object" })).toThrow('"image" is required');
  });
});

describe("placement and rollout (default policy)", () => {
  it("normalizes regions, jurisdiction and rollout", () => {
    const d = define({
      ...base,
      regions: ["WEUR", "EEUR"],
      jurisdiction: "eu",
      maxInstances: 4,
      rollout: { stepPercentage: [10, 50, 100], activeGracePeriod: "5m" },
    });
    expect(d).toMatchObject({
      regions: ["WEUR", "EEUR"],
      jurisdiction: "eu",
      rollout: { stepPercentage: [10, 50, 100], activeGracePeriodSeconds: 300 },
    });
    expect(d.schedulingPolicy).toBeUndefined();
    expect(define({ ...base, rollout: { stepPercentage: 25, activeGracePeriod: 0 } }).rollout).toEqual({
      stepPercentage: 25,
      activeGracePeriodSeconds: 0,
    });
  });

  it("leaves every field out when not declared (the definition stays as before)", () => {
    const d = define(base);
    for (const k of ["schedulingPolicy", "images", "defaultImage", "persist", "regions", "jurisdiction", "rollout"]) {
      expect(d).not.toHaveProperty(k);
    }
  });

  it("refuses values wrangler would refuse, with the fix", () => {
    expect(() => define({ ...base, regions: ["weur"] })).toThrow('"regions[0]" must be one of "ENAM", "WNAM"');
    expect(() => define({ ...base, regions: ["weur"] })).toThrow('(got "weur"; write "WEUR")');
    expect(() => define({ ...base, regions: ["WEUR", "WEUR"] })).toThrow('"regions" lists a region twice');
    expect(() => define({ ...base, jurisdiction: "EU" })).toThrow(
      '"jurisdiction" must be one of "eu", "fedramp", "us" (got "EU")',
    );
    expect(() => define({ ...base, rollout: { stepPercentage: 30 } })).toThrow(
      '"rollout.stepPercentage" must be one of 5, 10, 20, 25, 50, 100, or a list like [10, 50, 100] (got 30)',
    );
    expect(() => define({ ...base, rollout: { stepPercentage: [10, 50] } })).toThrow(
      '"rollout.stepPercentage" must end at 100, the whole fleet (got [10,50]); append 100',
    );
    expect(() => define({ ...base, rollout: { stepPercentage: [50, 20, 100] } })).toThrow("must ascend");
    expect(() => define({ ...base, rollout: { stepPercentage: [5, 100] } })).toThrow(
      '"rollout.stepPercentage[0]" must be a percentage from 10 to 100 (got 5)',
    );
    expect(() => define({ ...base, maxInstances: 2, rollout: { stepPercentage: [10, 50, 100] } })).toThrow(
      'has 3 steps but "maxInstances" is 2',
    );
    expect(() => define({ ...base, rollout: { gracePeriod: "5m" } })).toThrow(
      '"rollout" has unknown key(s) gracePeriod; allowed: stepPercentage, activeGracePeriod',
    );
    expect(() => define({ ...base, rollout: { activeGracePeriod: "5 minutes" } })).toThrow(
      '"rollout.activeGracePeriod" must look like "30s", "5m" or "1h"',
    );
  });

  it("suggests the field for a near-miss key", () => {
    expect(() => define({ ...base, region: ["WEUR"] })).toThrow('unknown field "region"; did you mean "regions"?');
  });
});
