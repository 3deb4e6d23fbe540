/**
 * bin/docker (the shim wrangler runs) against a fake "real docker" that records its argv.
 */
import { execFileSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { LOCAL_ENGINE } from "./constants.js";

const dir = mkdtempSync(join(tmpdir(), "moorage-shim-"));
const fake = join(dir, "docker");
const calls = join(dir, "calls.log");
const stdinSeen = join(dir, "stdin.txt");
// Records "BUILDKIT=<v> argv..." per call and what a build got on stdin; `image inspect present/*` and of
// Moorage's local base succeed (anything else is absent), `buildx` fails.
writeFileSync(
  fake,
  `#!/usr/bin/env bash
echo "BUILDKIT=\${DOCKER_BUILDKIT:-unset} $*" >> "${calls}"
case "$*" in
  *"buildx version"*) exit 1 ;;
  *"image inspect present/"*) exit 0 ;;
  *"image inspect ${LOCAL_ENGINE.images.nodeBase}"*) exit 0 ;;
  *"image inspect"*) exit 1 ;;
  *"build "*"-f -"*) cat > "${stdinSeen}" ;;
esac
exit 0
`,
);
chmodSync(fake, 0o755);

function shim(...args: string[]): { out: string; calls: string[] } {
  return shimWith({}, "FROM x\n", ...args);
}

function shimWith(env: Record<string, string>, input: string, ...args: string[]): { out: string; calls: string[] } {
  const out = execFileSync(LOCAL_ENGINE.paths.dockerShim, args, {
    env: { PATH: process.env.PATH, MOORAGE_REAL_DOCKER: fake, ...env },
    input,
    stdio: ["pipe", "pipe", "pipe"],
  }).toString();
  return { out, calls: readFileSync(calls, "utf8").trim().split("\n") };
}

describe("docker shim", () => {
  beforeEach(() => {
    writeFileSync(calls, "");
    writeFileSync(stdinSeen, "");
  });

  it("runs wrangler's build on the legacy builder when there is no buildx", () => {
    const { calls } = shim(
      "build",
      "--load",
      "-t",
      "cloudflare-dev/a:1",
      "--platform",
      "linux/amd64",
      "--provenance=false",
      "-f",
      "-",
      "/ctx",
    );
    expect(calls.at(-1)).toBe("BUILDKIT=0 build -t cloudflare-dev/a:1 --platform linux/amd64 -f - /ctx");
  });

  it("drops --output as well (zstd builds) and keeps build args", () => {
    const { calls } = shim("build", "--output", "type=docker", "-t", "t", "--build-arg", "BASE=b", "-f", "-", ".");
    expect(calls.at(-1)).toBe("BUILDKIT=0 build -t t --build-arg BASE=b -f - .");
  });

  it("does not pull an image that is present locally", () => {
    const { out, calls } = shim("pull", "present/sidecar:1", "--platform", "linux/amd64");
    expect(out).toContain("present locally");
    expect(calls.some((c) => c.includes(" pull "))).toBe(false);
  });

  it("pulls an image that is absent", () => {
    const { calls } = shim("pull", "--platform", "linux/amd64", "absent/x:1");
    expect(calls.at(-1)).toBe("BUILDKIT=unset pull --platform linux/amd64 absent/x:1");
  });

  it("passes everything else through, global options included", () => {
    const { calls } = shim("--host", "unix:///s.sock", "info", "--format", "{{json .SecurityOptions}}");
    expect(calls.at(-1)).toBe("BUILDKIT=unset --host unix:///s.sock info --format {{json .SecurityOptions}}");
  });

  const devEnv = { [LOCAL_ENGINE.envVars.localBases]: LOCAL_ENGINE.images.localBases };
  const dockerfile = [
    "ARG BASE=node:22-slim",
    `FROM $\{BASE} AS deps`,
    "FROM --platform=linux/amd64 node:22.11-bookworm-slim AS build",
    "FROM node:20",
    "FROM present/node:22",
    'RUN echo "node:22-slim stays in commands"',
    "",
  ].join("\n");

  it("builds wrangler dev's images on the local base when the public one is not on the engine", () => {
    const { calls } = shimWith(devEnv, dockerfile, "build", "--load", "-t", "cloudflare-dev/app:1", "-f", "-", "/ctx");
    const base = LOCAL_ENGINE.images.nodeBase;
    expect(readFileSync(stdinSeen, "utf8").split("\n")).toEqual([
      `ARG BASE=${base}`,
      `FROM $\{BASE} AS deps`,
      `FROM --platform=linux/amd64 ${base} AS build`,
      "FROM node:20", // no local stand-in: left for the builder (and its own error)
      "FROM present/node:22",
      'RUN echo "node:22-slim stays in commands"',
      "",
    ]);
    expect(calls.at(-1)).toBe("BUILDKIT=0 build -t cloudflare-dev/app:1 -f - /ctx");
  });

  it("reads -f <path> too, and never changes the user's file", () => {
    const file = join(dir, "Dockerfile");
    writeFileSync(file, "FROM node:22-slim\n");
    const { calls } = shimWith(devEnv, "", "build", "-t", "cloudflare-dev/app:2", "-f", file, "/ctx");
    expect(readFileSync(stdinSeen, "utf8")).toBe(`FROM ${LOCAL_ENGINE.images.nodeBase}\n`);
    expect(readFileSync(file, "utf8")).toBe("FROM node:22-slim\n");
    expect(calls.at(-1)).toBe("BUILDKIT=0 build -t cloudflare-dev/app:2 -f - /ctx");
  });

  it("leaves deploy builds alone: other tags, or no local-base setting (what moorage deploy gives wrangler)", () => {
    shimWith(devEnv, dockerfile, "build", "-t", "registry.cloudflare.com/acct/app:1", "-f", "-", "/ctx");
    expect(readFileSync(stdinSeen, "utf8")).toBe(dockerfile);
    shimWith({}, dockerfile, "build", "-t", "cloudflare-dev/app:3", "-f", "-", "/ctx");
    expect(readFileSync(stdinSeen, "utf8")).toBe(dockerfile);
  });
});
