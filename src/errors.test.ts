/**
 * One error model: one base, one field, one case convention, one registry. The source scan keeps it that way: a new
 * `class X extends Error` anywhere in the package fails here, and so does a code thrown that is not registered
 * (the compiler checks literal codes; this checks the registry's shape and `messageOf`).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { MoorageBridgeError } from "./bridge/errors.js";
import { CommandFailed, UsageError } from "./cli/errors.js";
import { MoorageContainerError } from "./client/errors.js";
import { ObjectError } from "./do/errors.js";
import { LocalEngineError } from "./engine/local-engine.js";
import { ERROR_CODES, isErrorCode, isMoorageError, MoorageError, messageOf } from "./errors.js";
import { FunctionError, UnauthorizedError } from "./server/errors.js";
import { WireError } from "./server/wire.js";

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === "__fixtures__" ? [] : sources(path);
    return entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts") ? [path] : [];
  });
}

describe("the error model", () => {
  it("every registered code is kebab-case with a one-line meaning", () => {
    for (const [code, info] of Object.entries(ERROR_CODES)) {
      expect(code).toMatch(/^[a-z]+(-[a-z]+)*$/);
      expect(info.meaning.length).toBeGreaterThan(10);
      expect(info.meaning).not.toContain("\n");
    }
  });

  it("no error class in the package has another base than MoorageError", () => {
    const offenders = sources(join(import.meta.dirname)).flatMap((file) =>
      [...readFileSync(file, "utf8").matchAll(/class (\w+)(?:<[^>]*>)? extends (\w+Error|Error)\b/g)]
        .filter(([, name, base]) => base === "Error" && name !== "MoorageError")
        .map(([, name]) => `${name} in ${file}`),
    );
    expect(offenders).toEqual([]);
  });

  it("every layer's error is a MoorageError with its code in `code`", () => {
    const errors: [MoorageError<string>, string][] = [
      [new MoorageContainerError("missing-binding", "m", { container: "c" }), "missing-binding"],
      [new ObjectError("config", "m"), "config"],
      [new ObjectError("unreachable", "m"), "unreachable"],
      [new MoorageBridgeError("network-error", "m"), "network-error"],
      [new WireError("decode-failed", "m"), "decode-failed"],
      [new UnauthorizedError(), "unauthorized"],
      [new UsageError("m"), "usage"],
      [new CommandFailed("m"), "command-failed"],
      [new LocalEngineError("docker-unreachable", "m", "start dockerd"), "docker-unreachable"],
    ];
    for (const [error, code] of errors) {
      expect(error).toBeInstanceOf(MoorageError);
      expect(error.code).toBe(code);
      expect(isErrorCode(error.code)).toBe(true);
    }
    expect(new LocalEngineError("image-missing", "no image", "run moorage dev").hint).toBe("run moorage dev");
    // An app's own FunctionError keeps the app's code.
    expect(new FunctionError("job-not-found", "no job", 404)).toMatchObject({ code: "job-not-found", status: 404 });
    expect(isMoorageError(new ObjectError("config", "m"), "config")).toBe(true);
    expect(isMoorageError(new ObjectError("config", "m"), "starting")).toBe(false);
    expect(isMoorageError(new Error("m"))).toBe(false);
  });

  it("messageOf reads any thrown value, adding causes that say something new", () => {
    expect(messageOf(new Error("outer", { cause: new Error("inner") }))).toBe("outer (cause: inner)");
    expect(messageOf(new Error("outer: inner", { cause: new Error("inner") }))).toBe("outer: inner");
    expect(messageOf("text")).toBe("text");
    expect(messageOf(42)).toBe("42");
    expect(messageOf(undefined)).toBe("undefined");
    const cyclic = new Error("a");
    (cyclic as { cause?: unknown }).cause = cyclic;
    expect(messageOf(cyclic)).toBe("a");
    expect(messageOf(Object.create(null))).toBe("[object Object]");
  });
});
