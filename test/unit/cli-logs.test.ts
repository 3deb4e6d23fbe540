/**
 * `moorage logs` end to end against a fake Docker engine (test/support/fake-docker.ts): which instances it
 * shows for a container, --id and --pool, --tail, stdout and stderr kept apart, a crashed instance's exit code,
 * and the usage and lookup errors with their fixes.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseSince } from "../../src/cli/commands/logs.js";
import { main } from "../../src/cli/main.js";
import type { Output } from "../../src/cli/output.js";
import type { EngineResolver } from "../../src/engine/cli.js";
import { tempFolders } from "../support/cli.js";
import { fakeDocker } from "../support/fake-docker.js";

const temps = tempFolders();
const T = "2026-12-01T09:00:01.000000000Z";
const env = (instance: string) => ["MOORAGE_CONTAINER=transcoder", `MOORAGE_INSTANCE=${instance}`];

function project(): string {
  const root = mkdtempSync(join(tmpdir(), "moorage-cli-logs-"));
  temps.push(root);
  const files: Record<string, string> = {
    "wrangler.jsonc": '{ "name": "acme", "main": "src/index.ts", "compatibility_date": "2025-06-01" }\n',
    "package.json": '{ "name": "acme", "private": true }\n',
    "moorage/containers.ts":
      'import { defineContainer } from "moorage";\nexport const transcoder = defineContainer({ image: "./containers/t", maxInstances: 2 });\n',
    "containers/t/Dockerfile": "FROM scratch\n",
  };
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, name)), { recursive: true });
    writeFileSync(join(root, name), text);
  }
  return root;
}

/** Records stdout and stderr separately. */
function streams(): Output & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    info: (l) => out.push(l),
    error: (l) => err.push(l),
    ok: (l) => out.push(l),
    warn: (l) => out.push(l),
    fail: (l) => out.push(l),
    dim: (t) => t,
    bold: (t) => t,
  };
}

let docker: Awaited<ReturnType<typeof fakeDocker>>;
let root: string;
let resolveEngine: EngineResolver;
beforeAll(async () => {
  docker = await fakeDocker([
    {
      id: "v1",
      name: "workerd-s-acme-TranscoderContainer-1",
      env: env("video-1"),
      running: true,
      created: 1,
      lines: [
        ["stdout", `${T} ready`],
        ["stderr", `${T} slow disk`],
      ],
    },
    {
      id: "p1",
      name: "workerd-s-acme-TranscoderContainer-2",
      env: env("moorage:pool:1"),
      running: false,
      exitCode: 2,
      created: 2,
      lines: [
        ["stdout", `${T} a`],
        ["stdout", `${T} b`],
        ["stderr", `${T} boom`],
      ],
    },
  ]);
  root = project();
  resolveEngine = async () => ({ dockerHost: docker.dockerHost }) as Awaited<ReturnType<EngineResolver>>;
});
afterAll(() => docker.close());

const run = async (...args: string[]) => {
  const o = streams();
  const code = await main(["logs", ...args], o, root, { resolveEngine });
  return { code, out: o.out, err: o.err };
};

describe("moorage logs", () => {
  it("shows every instance of the container, prefixed, stdout and stderr apart, and a crash's exit code", async () => {
    const r = await run("transcoder");
    expect(r.code).toBe(0);
    expect(r.out).toEqual(["[video-1] ready", "[moorage:pool:1] a", "[moorage:pool:1] b"]);
    expect(r.err).toEqual([
      "[video-1] slow disk",
      "[moorage:pool:1] boom",
      "[moorage:pool:1] -- exited with code 2 at 2026-12-01T09:05:00Z --",
    ]);
  });

  it("--id and --pool pick one instance (no prefix); --tail limits; --timestamps adds the engine's time", async () => {
    expect((await run("transcoder", "--id", "video-1")).out).toEqual(["ready"]);
    const pool = await run("transcoder", "--pool", "1", "--tail", "1", "--timestamps");
    expect(pool.out).toEqual([]);
    expect(pool.err[0]).toBe(`${T} boom`);
  });

  it("says how to get an instance onto the engine when there is none (exit 1)", async () => {
    const r = await run("transcoder", "--id", "video-9");
    expect(r.code).toBe(1);
    expect(r.err.join("\n")).toContain(
      'no instance "video-9" of "transcoder" on the local engine. Start `moorage dev`',
    );
  });

  it("refuses unknown containers and bad flags with the fix", async () => {
    const unknown = await run("transcodr");
    expect(unknown.code).toBe(1);
    expect(unknown.err.join("\n")).toContain(
      'no container named "transcodr" in moorage/containers.ts (declared: transcoder)',
    );
    const pool = await run("transcoder", "--pool", "2");
    expect(pool.code).toBe(2);
    expect(pool.err[0]).toBe("moorage logs: --pool 2 is outside the pool of 2 (0 to 1)");
    expect((await run("transcoder", "--id", "a", "--pool", "0")).err[0]).toContain(
      "--id and --pool pick one instance each",
    );
    expect((await run()).err[0]).toContain("name the container");
    expect((await run("transcoder", "--since", "yesterday")).err[0]).toContain('--since must be a duration like "30s"');
  });

  it("--since takes a duration ago or an ISO time", () => {
    expect(parseSince("10m", 1_000_000)).toBe(400_000);
    expect(parseSince("2026-12-01T09:00:00Z")).toBe(Date.parse("2026-12-01T09:00:00Z"));
  });
});
