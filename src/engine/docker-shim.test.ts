/**
 * engine/bin/docker (the shim wrangler runs) against a fake "real docker" that records its argv.
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
// Records "BUILDKIT=<v> argv..." per call; `image inspect present/*` succeeds, `buildx` fails.
writeFileSync(
  fake,
  `#!/usr/bin/env bash
echo "BUILDKIT=\${DOCKER_BUILDKIT:-unset} $*" >> "${calls}"
case "$*" in
  *"buildx version"*) exit 1 ;;
  *"image inspect present/"*) exit 0 ;;
  *"image inspect"*) exit 1 ;;
esac
exit 0
`,
);
chmodSync(fake, 0o755);

function shim(...args: string[]): { out: string; calls: string[] } {
  const out = execFileSync(LOCAL_ENGINE.paths.dockerShim, args, {
    env: { PATH: process.env.PATH, MOORAGE_REAL_DOCKER: fake },
    input: "FROM x\n",
  }).toString();
  return { out, calls: readFileSync(calls, "utf8").trim().split("\n") };
}

describe("docker shim", () => {
  beforeEach(() => writeFileSync(calls, ""));

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
});
