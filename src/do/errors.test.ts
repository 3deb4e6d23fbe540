/** Which failures are cold-start signals, how proxy failures are classified, and the error response shape. */
import { describe, expect, it } from "vitest";
import { HEADERS } from "../protocol.js";
import { classifyProxyError, classifyStartError, errorResponse, isTransientStartError, ObjectError } from "./errors.js";

describe("start errors", () => {
  it("treats platform provisioning and local-engine transients as starting", () => {
    for (const message of [
      "monitor failed to find container",
      "container port not found",
      "connect: connection refused",
      "There is no Container instance available",
      "Container is not listening to port 8080",
      "Network connection lost.",
    ]) {
      expect(isTransientStartError(new Error(message))).toBe(true);
      expect(classifyStartError(new Error(message), "x").code).toBe("starting");
    }
  });

  it("looks through cause chains", () => {
    expect(isTransientStartError(new Error("wrapped", { cause: new Error("container port not found") }))).toBe(true);
  });

  it("answers a platform rate limit with a retryable 429", () => {
    const failure = classifyStartError(new Error("you are requesting too many containers per second"), "x");
    expect([failure.code, failure.status]).toEqual(["starting", 429]);
  });

  it("leaves other failures as start-failed", () => {
    expect(classifyStartError(new Error("image not found"), "x").code).toBe("start-failed");
  });
});

describe("proxy errors", () => {
  it("separates not delivered (not-listening) from maybe delivered (connection-lost, unreachable)", () => {
    const who = "moorage: api";
    expect(classifyProxyError(new Error("Container is not listening to port 8080"), who, 8080, true).code).toBe(
      "not-listening",
    );
    expect(classifyProxyError(new Error("Container port connection closed unexpectedly."), who, 8080, true).code).toBe(
      "connection-lost",
    );
    expect(classifyProxyError(new Error("anything"), who, 8080, false).code).toBe("connection-lost");
    expect(classifyProxyError(new Error("something odd"), who, 8080, true).code).toBe("unreachable");
  });
});

describe("responses", () => {
  it("carry moorage-error and a JSON body; not-delivered retryable ones ask for a retry", async () => {
    const response = errorResponse(new ObjectError("config", "missing"));
    expect(response.status).toBe(500);
    expect(response.headers.get(HEADERS.error)).toBe("config");
    expect(await response.json()).toEqual({ error: "config", message: "missing" });
    expect(errorResponse(new ObjectError("starting", "s")).headers.get("retry-after")).toBe("1");
    expect(errorResponse(new ObjectError("connection-lost", "c")).headers.get("retry-after")).toBeNull();
  });
});
