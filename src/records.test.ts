import { describe, expect, it } from "vitest";
import { INSPECT_VAR, inspecting, inspectRecord } from "./records.js";

describe("inspector records", () => {
  it("are on only when the Worker runs with MOORAGE_INSPECT set", () => {
    expect(inspecting({ [INSPECT_VAR]: "1" })).toBe(true);
    expect(inspecting({})).toBe(false);
    expect(inspecting({ [INSPECT_VAR]: "0" })).toBe(false);
    expect(inspecting({ [INSPECT_VAR]: "" })).toBe(false);
    expect(inspecting(undefined)).toBe(false);
  });

  it("carry the lifecycle record's common fields, which the fields given cannot forge", () => {
    const forged = {
      container: "api",
      instance: "a",
      attempts: 2,
      waitMs: 10,
      totalMs: 20,
      source: "x",
      event: "stop",
    };
    const record = inspectRecord("request", forged as never, 1_000);
    expect(record).toMatchObject({
      source: "moorage",
      event: "request",
      container: "api",
      instance: "a",
      attempts: 2,
      time: "1970-01-01T00:00:01.000Z",
      timestamp: 1_000,
    });
  });
});
