/**
 * Engine constants (one source: engine/engine.env) and engine discovery errors.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { LOCAL_ENGINE, parseEngineEnv } from "./constants.js";
import { defaultDockerHost, findDockerCli, LocalEngineError, resolveLocalEngine } from "./local-engine.js";

describe("LOCAL_ENGINE", () => {
  it("is read from engine.env in the engine's one folder, the file the shell scripts source", () => {
    const env = parseEngineEnv(readFileSync(join(LOCAL_ENGINE.paths.engineDir, "engine.env"), "utf8"));
    expect(LOCAL_ENGINE.images.nodeBase).toBe(env.MOORAGE_NODE_BASE_IMAGE);
    expect(LOCAL_ENGINE.images.sidecar).toBe(`${env.MOORAGE_SIDECAR_REPO}:${env.MOORAGE_SIDECAR_VERSION}`);
    expect(LOCAL_ENGINE.sidecarIngressPort).toBe(39001);
  });

  it("parses KEY=VALUE lines and ignores comments", () => {
    expect(parseEngineEnv("# c\nA=1\n  B=x=y\nnot a line\n")).toEqual({ A: "1", B: "x=y" });
  });
});

describe("engine discovery", () => {
  it("prefers DOCKER_HOST", () => {
    expect(defaultDockerHost({ DOCKER_HOST: "unix:///x.sock" })).toBe("unix:///x.sock");
  });

  it("finds the real docker CLI and never the shim", () => {
    const dir = mkdtempSync(join(tmpdir(), "moorage-cli-"));
    writeFileSync(join(dir, "docker"), "#!/bin/sh\n", { mode: 0o755 });
    const shimDir = join(LOCAL_ENGINE.paths.engineDir, "bin");
    expect(findDockerCli({ PATH: `${shimDir}:${dir}` })).toBe(join(dir, "docker"));
    expect(findDockerCli({ PATH: shimDir })).toBeUndefined();
    expect(findDockerCli({ MOORAGE_REAL_DOCKER: join(dir, "docker") })).toBe(join(dir, "docker"));
  });

  it("fails with a directed error when no engine answers", async () => {
    const err = await resolveLocalEngine({ dockerHost: "unix:///nonexistent/docker.sock", images: "skip" }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(LocalEngineError);
    expect((err as LocalEngineError).code).toBe("docker-unreachable");
    expect((err as LocalEngineError).message).toContain("npx moorage engine up");
  });

  it("rejects an unknown MOORAGE_SIDECAR value", async () => {
    const err = await resolveLocalEngine({ env: { MOORAGE_SIDECAR: "bogus" }, images: "skip" }).catch(
      (e: unknown) => e,
    );
    expect((err as Error).message).toContain("auto, official or moorage");
  });
});
