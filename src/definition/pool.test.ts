import { describe, expect, it } from "vitest";
import { renderContainersModule } from "../authoring/codegen.js";
import { normalizeContainer } from "./define.js";
import { panicWindowSeconds } from "./pool.js";
import type { ContainerConfig } from "./types.js";

function define(extra: Record<string, unknown>) {
  return normalizeContainer({ image: "./containers/api", ...extra } as ContainerConfig, "api");
}

describe("defineContainer: instances and concurrency", () => {
  it("leaves both out when not declared, so existing definitions keep their shape", () => {
    const d = define({});
    expect(d).not.toHaveProperty("instances");
    expect(d).not.toHaveProperty("concurrency");
    expect(d).not.toHaveProperty("maxInstances");
  });

  it("normalizes a full pool declaration", () => {
    const d = define({
      maxInstances: 8,
      instances: { min: 1, max: 4, scaleWindow: "10s" },
      concurrency: { target: 4, limit: 6 },
    });
    expect(d.instances).toEqual({ min: 1, max: 4, scaleWindowSeconds: 10 });
    expect(d.concurrency).toEqual({ target: 4, limit: 6 });
    expect(d.maxInstances).toBe(8);
    expect(JSON.parse(JSON.stringify(d))).toEqual({ ...d });
  });

  it("applies the defaults: min 0, max from maxInstances, a 60 s window, target 70% of limit", () => {
    const d = define({ maxInstances: 5, instances: {}, concurrency: { limit: 10 } });
    expect(d.instances).toEqual({ min: 0, max: 5, scaleWindowSeconds: 60 });
    expect(d.concurrency).toEqual({ target: 7, limit: 10 });
    expect(define({ concurrency: {} }).concurrency).toEqual({ target: 100 });
    expect(define({ concurrency: { limit: 1 } }).concurrency).toEqual({ target: 1, limit: 1 });
  });

  it("caps wrangler's max_instances at the pool's max when maxInstances is unset", () => {
    expect(define({ instances: { max: 4 } }).maxInstances).toBe(4);
    expect(define({ instances: {} }).maxInstances).toBe(3);
    expect(define({ instances: { min: 5 } }).instances).toMatchObject({ min: 5, max: 5 });
  });

  it("derives the panic window as a tenth of the stable window, at least 1 s", () => {
    expect(panicWindowSeconds(60)).toBe(6);
    expect(panicWindowSeconds(5)).toBe(1);
  });

  it.each([
    [
      { instances: { min: 3, max: 2 } },
      '"instances.min" (3) is larger than "instances.max" (2); lower min or raise max',
    ],
    [{ maxInstances: 3, instances: { max: 4 } }, '"instances.max" (4) is larger than "maxInstances" (3)'],
    [{ instances: { min: -1 } }, '"instances.min" must be a whole number >= 0 (got -1)'],
    [{ instances: { max: 0 } }, '"instances.max" must be a whole number >= 1 (got 0)'],
    [{ instances: { max: 2.5 } }, '"instances.max" must be a whole number >= 1 (got 2.5)'],
    [{ instances: { scaleWindow: "a minute" } }, '"instances.scaleWindow" must look like "30s"'],
    [{ instances: { scaleWindow: 0.5 } }, '"instances.scaleWindow" must be at least 1 second'],
    [{ instances: { mn: 1 } }, '"instances" has unknown key(s) mn; allowed: min, max, scaleWindow'],
    [{ instances: 4 }, '"instances" must be an object like { min: 1, max: 4 } (got 4)'],
    [{ concurrency: { limit: 0 } }, '"concurrency.limit" must be a whole number >= 1 (got 0)'],
    [{ concurrency: { target: -2 } }, '"concurrency.target" must be a positive number'],
    [{ concurrency: { target: 9, limit: 4 } }, '"concurrency.target" (9) is above "concurrency.limit" (4)'],
    [{ concurrency: { max: 4 } }, '"concurrency" has unknown key(s) max; allowed: target, limit'],
  ])("rejects %j with a directed message", (extra, message) => {
    expect(() => define(extra)).toThrow(`defineContainer(api): ${message}`);
  });

  it("suggests the field for a near miss at the top level", () => {
    expect(() => define({ concurency: {} })).toThrow('did you mean "concurrency"?');
  });
});

describe("generated specs carry the pool", () => {
  it("writes instances and concurrency into containerSpecs, where the client reads the pool size and limits", () => {
    const definition = define({
      instances: { min: 1, max: 4, scaleWindow: "10s" },
      concurrency: { target: 4, limit: 6 },
    });
    const source = renderContainersModule([{ exportName: "api", definition }], { sourcePath: "moorage/containers.ts" });
    const specs = source.slice(source.indexOf("export const containerSpecs"));
    const flat = specs.slice(0, specs.indexOf("as const")).replace(/\s+/g, " ");
    expect(flat).toContain("concurrency: { limit: 6, target: 4, }");
    expect(flat).toContain("instances: { max: 4, min: 1, scaleWindowSeconds: 10, }");
    expect(flat).toContain("maxInstances: 4");
  });
});
