/** Which failures are cold-start signals (retried by the client) and which are not. */
import { describe, expect, it } from "vitest";
import { HEADERS } from "../protocol.js";
import { ConfigError, classifyStartError, errorResponse, isTransientError } from "./errors.js";

describe("error classification", () => {
  it("treats platform provisioning and local-engine transients as starting", () => {
    for (const message of [
      "monitor failed to find container",
      "container port not found",
      "connect: connection refused",
      "There is no Container instance available",
      "the container is not listening",
      "Network connection lost.",
    ]) {
      expect(isTransientError(new Error(message))).toBe(true);
      expect(classifyStartError(new Error(message), "x").kind).toBe("starting");
    }
  });

  it("looks through cause chains", () => {
    expect(isTransientError(new Error("wrapped", { cause: new Error("container port not found") }))).toBe(true);
  });

  it("answers a platform rate limit with a retryable 429", () => {
    const failure = classifyStartError(new Error("you are requesting too many containers per second"), "x");
    expect([failure.kind, failure.status]).toEqual(["starting", 429]);
  });

  it("turns a missing ContainerProxy export into a directed config error", () => {
    const failure = classifyStartError(new Error("ctx.exports.ContainerProxy is undefined"), "x");
    expect(failure.kind).toBe("config");
    expect(failure.message).toContain("Re-export ContainerProxy");
  });

  it("leaves other failures as start-failed", () => {
    expect(classifyStartError(new Error("image not found"), "x").kind).toBe("start-failed");
  });

  it("error responses carry moorage-error and a JSON body; starting ones ask for a retry", async () => {
    const response = errorResponse(new ConfigError("missing"));
    expect(response.status).toBe(500);
    expect(response.headers.get(HEADERS.error)).toBe("config");
    expect(await response.json()).toEqual({ error: "config", message: "missing" });
    const retry = errorResponse(classifyStartError(new Error("not listening"), "x"));
    expect(retry.headers.get("retry-after")).toBe("1");
  });
});
