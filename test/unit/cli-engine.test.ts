/**
 * The CLI's use of the local container engine, with the engine faked at its seam (`main(..., { resolveEngine })`):
 * how `--sidecar` and MOORAGE_SIDECAR are read, the lines `doctor` prints for each engine state, and what `dev`
 * and `deploy` hand wrangler (a stand-in `wrangler` that records its arguments and environment).
 */
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { splitPassthrough } from "../../src/cli/passthrough.js";
import type { EngineResolver } from "../../src/engine/cli.js";
import { sidecarChoice } from "../../src/engine/cli.js";
import {
  LOCAL_ENGINE,
  type LocalEngine,
  LocalEngineError,
  type ResolveLocalEngineOptions,
} from "../../src/engine/index.js";
import { captureOutput, tempFolders } from "../support/cli.js";

const temps = tempFolders();

function engine(overrides: Partial<LocalEngine> = {}): LocalEngine {
  return {
    env: {
      DOCKER_HOST: "unix:///tmp/fake-docker.sock",
      WRANGLER_DOCKER_BIN: LOCAL_ENGINE.paths.dockerShim,
      MOORAGE_REAL_DOCKER: "/usr/bin/docker",
      MINIFLARE_CONTAINER_EGRESS_IMAGE: LOCAL_ENGINE.images.sidecar,
      MOORAGE_LOCAL_BASE_IMAGES: LOCAL_ENGINE.images.localBases,
    },
    sidecar: "moorage",
    reason: "official sidecar cannot be pulled (no registry); using Moorage's",
    dockerHost: "unix:///tmp/fake-docker.sock",
    buildx: false,
    engineVersion: "26.1.5",
    dockerCli: "/usr/bin/docker",
    images: { nodeBase: LOCAL_ENGINE.images.nodeBase, sidecar: LOCAL_ENGINE.images.sidecar },
    ...overrides,
  };
}

/** A resolver that records what it was asked and answers with `answer` (or throws it). */
function fake(answer: (options: ResolveLocalEngineOptions) => LocalEngine) {
  const calls: ResolveLocalEngineOptions[] = [];
  const resolve: EngineResolver = async (options) => {
    calls.push(options);
    return answer(options);
  };
  return { resolve, calls };
}

const unreachable = () => {
  throw new LocalEngineError(
    "docker-unreachable",
    "no Docker engine answers at unix:///var/run/docker.sock (connect ENOENT)",
    "start one with engine/provision.sh, or set DOCKER_HOST",
  );
};

/** A Worker project with one container and a stand-in wrangler that writes its argv and env to wrangler-run.json. */
function project(): string {
  const root = mkdtempSync(join(tmpdir(), "moorage-cli-engine-"));
  temps.push(root);
  const files: Record<string, string> = {
    "wrangler.jsonc": '{ "name": "acme", "main": "src/index.ts", "compatibility_date": "2025-06-01" }\n',
    "src/index.ts": 'export * from "../moorage/_generated/containers";\nexport default {};\n',
    "moorage/containers.ts":
      'import { defineContainer } from "moorage";\nexport const hello = defineContainer({ image: "./containers/hello" });\n',
    "containers/hello/Dockerfile": "FROM scratch\n",
    "node_modules/.bin/wrangler": [
      "#!/usr/bin/env node",
      'require("node:fs").writeFileSync("wrangler-run.json", JSON.stringify({ argv: process.argv.slice(2), env: process.env }));',
      "",
    ].join("\n"),
  };
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, name)), { recursive: true });
    writeFileSync(join(root, name), text);
  }
  chmodSync(join(root, "node_modules/.bin/wrangler"), 0o755);
  // CommonJS for the stand-in (the project has no "type": "module").
  writeFileSync(join(root, "package.json"), '{ "name": "acme", "private": true }\n');
  return root;
}

function wranglerRun(root: string): { argv: string[]; env: Record<string, string | undefined> } {
  return JSON.parse(readFileSync(join(root, "wrangler-run.json"), "utf8"));
}

describe("--sidecar", () => {
  it("is dev's own flag (with = or a separate value); for deploy it belongs to wrangler", () => {
    expect(splitPassthrough("dev", ["--sidecar", "moorage", "--port", "8788"], true)).toMatchObject({
      sidecar: "moorage",
      wrangler: ["--port", "8788"],
    });
    expect(splitPassthrough("dev", ["--sidecar=official"], true).sidecar).toBe("official");
    expect(splitPassthrough("deploy", ["--sidecar", "moorage"], false).wrangler).toEqual(["--sidecar", "moorage"]);
    expect(() => splitPassthrough("dev", ["--sidecar"], true)).toThrow(
      /--sidecar needs a value, e.g. --sidecar moorage/,
    );
  });

  it("defaults to MOORAGE_SIDECAR, else auto; the flag wins; bad values are usage errors naming their source", () => {
    expect(sidecarChoice("dev", undefined, {})).toBe("auto");
    expect(sidecarChoice("dev", undefined, { MOORAGE_SIDECAR: "moorage" })).toBe("moorage");
    expect(sidecarChoice("dev", "official", { MOORAGE_SIDECAR: "moorage" })).toBe("official");
    expect(() => sidecarChoice("dev", "ours", {})).toThrow(
      'moorage dev: --sidecar must be auto, official, moorage (got "ours")',
    );
    expect(() => sidecarChoice("doctor", undefined, { MOORAGE_SIDECAR: "offical" })).toThrow(
      "moorage doctor: MOORAGE_SIDECAR=offical is not a sidecar choice",
    );
  });

  it("a bad --sidecar exits 2 before anything runs", async () => {
    const out = captureOutput();
    expect(
      await main(["dev", "--sidecar", "ours"], out, tmpdir(), { resolveEngine: fake(() => engine()).resolve }),
    ).toBe(2);
    expect(out.text()).toContain("Run `moorage dev --help` for usage.");
  });
});

describe("doctor's engine lines", () => {
  async function doctor(resolve: EngineResolver, ...args: string[]) {
    const out = captureOutput();
    const code = await main(["doctor", ...args], out, project(), { resolveEngine: resolve });
    return { code, text: out.text() };
  }

  it("reports the engine, the shim covering a missing buildx, the sidecar in use and why, and the images", async () => {
    const { resolve, calls } = fake(() => engine());
    const { text } = await doctor(resolve, "--sidecar", "moorage");
    expect(calls).toEqual([{ sidecar: "moorage", images: "check" }]);
    expect(text).toContain("ok Docker engine 26.1.5 at unix:///tmp/fake-docker.sock (docker CLI /usr/bin/docker)");
    expect(text).toMatch(/ok buildx not installed: Moorage's docker shim runs wrangler's buildx-only build flags/);
    expect(text).toContain(
      `ok sidecar: Moorage's (${LOCAL_ENGINE.images.sidecar}), because official sidecar cannot be pulled (no registry); using Moorage's`,
    );
    expect(text).toContain(
      `ok local images available: sidecar ${LOCAL_ENGINE.images.sidecar} and base ${LOCAL_ENGINE.images.nodeBase}`,
    );
  });

  it("says buildx is present and names the official sidecar when that is the path", async () => {
    const official = LOCAL_ENGINE.images.officialSidecar;
    const { resolve } = fake(() =>
      engine({
        buildx: true,
        sidecar: "official",
        reason: `official sidecar ${official} is present locally`,
        images: { nodeBase: LOCAL_ENGINE.images.nodeBase, sidecar: official },
      }),
    );
    const { text } = await doctor(resolve);
    expect(text).toContain("ok buildx present: wrangler's image builds run unchanged");
    expect(text).toContain(
      `ok sidecar: the official (${official}), because official sidecar ${official} is present locally`,
    );
  });

  it("fails with the fix when no Docker engine answers, and exits 1", async () => {
    const { code, text } = await doctor(fake(unreachable).resolve);
    expect(code).toBe(1);
    expect(text).toMatch(
      /fail no Docker engine answers at unix:\/\/\/var\/run\/docker\.sock \(connect ENOENT\)\n\s+fix: start one with engine\/provision\.sh, or set DOCKER_HOST/,
    );
    expect(text).not.toContain("sidecar:");
  });

  it("warns about a missing image (dev builds it) and still reports the sidecar path", async () => {
    const { resolve, calls } = fake((options) => {
      if (options.images === "check") {
        throw new LocalEngineError(
          "image-missing",
          `image ${LOCAL_ENGINE.images.sidecar} is missing on unix:///tmp/fake-docker.sock`,
          "build it: engine/provision.sh",
        );
      }
      return engine();
    });
    const { text } = await doctor(resolve);
    expect(calls.map((c) => c.images)).toEqual(["check", "skip"]);
    expect(text).toContain(`ok sidecar: Moorage's (${LOCAL_ENGINE.images.sidecar})`);
    expect(text).toMatch(
      /warn image moorage\/sidecar:\S+ is missing on unix:\/\/\/tmp\/fake-docker\.sock \(`moorage dev` builds it from host files on start\)\n\s+fix: build it: engine\/provision\.sh/,
    );
  });

  it("fails when --sidecar official is asked for and not available", async () => {
    const { code, text } = await doctor(
      fake(() => {
        throw new LocalEngineError(
          "official-sidecar-unavailable",
          "the official sidecar x is not present and cannot be pulled: timeout",
          "pull it where a registry is reachable and load it here, or use MOORAGE_SIDECAR=moorage",
        );
      }).resolve,
      "--sidecar",
      "official",
    );
    expect(code).toBe(1);
    expect(text).toMatch(/fail the official sidecar x is not present and cannot be pulled: timeout\n\s+fix: pull it/);
  });
});

describe("dev and deploy hand wrangler the engine", { timeout: 60_000 }, () => {
  it("dev: says which sidecar and why, and gives wrangler the engine's env without the user setting any", async () => {
    const root = project();
    const { resolve, calls } = fake(() => engine());
    const out = captureOutput();
    expect(
      await main(["dev", "--no-watch", "--sidecar", "moorage", "--ui-port", "0", "--port", "8788"], out, root, {
        resolveEngine: resolve,
      }),
    ).toBe(0);
    expect(calls[0]).toMatchObject({ sidecar: "moorage", images: "ensure" });
    expect(out.lines.filter((l) => l.includes("sidecar:"))).toEqual([
      `ok sidecar: Moorage's (${LOCAL_ENGINE.images.sidecar}), because official sidecar cannot be pulled (no registry); using Moorage's`,
    ]);
    const run = wranglerRun(root);
    // The inspector is on: its address is printed and the Worker gets the var that turns request records on.
    expect(out.text()).toMatch(/ok inspector on http:\/\/127\.0\.0\.1:\d+\//);
    expect(run.argv).toEqual(["dev", "--var", "MOORAGE_INSPECT:1", "--port", "8788"]);
    expect(run.env).toMatchObject(engine().env);
  });

  it("dev: without a Docker engine, warns with the fix and still starts wrangler with the user's env", async () => {
    const root = project();
    const out = captureOutput();
    expect(await main(["dev", "--no-watch", "--no-ui"], out, root, { resolveEngine: fake(unreachable).resolve })).toBe(
      0,
    );
    expect(out.text()).toMatch(
      /warn no Docker engine answers at .*; starting wrangler dev without Moorage's local engine, so containers will not start\n\s+fix: start one with engine\/provision\.sh, or set DOCKER_HOST; or pass --enable-containers=false/,
    );
    // --no-ui: no inspector, and wrangler's arguments are the user's alone.
    expect(out.text()).not.toContain("inspector on");
    expect(wranglerRun(root).argv).toEqual(["dev"]);
    expect(wranglerRun(root).env.WRANGLER_DOCKER_BIN).toBe(process.env.WRANGLER_DOCKER_BIN);
  });

  it("dev: a container with persist gets wrangler dev the experimental flag on the command line, never in the config", async () => {
    const root = project();
    const config =
      '{ "name": "acme", "main": "src/index.ts", "compatibility_date": "2025-06-01", "compatibility_flags": ["nodejs_compat"] }\n';
    writeFileSync(join(root, "wrangler.jsonc"), config);
    writeFileSync(
      join(root, "moorage/containers.ts"),
      'import { defineContainer } from "moorage";\nexport const notes = defineContainer({ image: "./containers/hello", schedulingPolicy: "durable_object", persist: ["/data"] });\n',
    );
    const out = captureOutput();
    expect(
      await main(["dev", "--no-watch", "--no-ui", "--port", "8788"], out, root, {
        resolveEngine: fake(() => engine()).resolve,
      }),
    ).toBe(0);
    expect(wranglerRun(root).argv).toEqual([
      "dev",
      "--compatibility-flags",
      "nodejs_compat",
      "experimental",
      "--port",
      "8788",
    ]);
    expect(out.text()).toContain(
      'notes declares persist: local workerd snapshots directories only under the "experimental" compatibility flag',
    );
    expect(readFileSync(join(root, "wrangler.jsonc"), "utf8")).not.toContain("experimental");
  });

  it("dev: exits 1 with the fix when --sidecar official cannot be had", async () => {
    const root = project();
    const out = captureOutput();
    const refuse: EngineResolver = async () => {
      throw new LocalEngineError(
        "official-sidecar-unavailable",
        "the official sidecar x cannot be pulled",
        "use --sidecar moorage",
      );
    };
    expect(await main(["dev", "--no-watch", "--sidecar", "official"], out, root, { resolveEngine: refuse })).toBe(1);
    expect(out.text()).toContain("moorage dev: the official sidecar x cannot be pulled\n  fix: use --sidecar moorage");
  });

  it("deploy: warns that Cloudflare refuses the experimental flag when the config carries it, and still runs", async () => {
    const root = project();
    writeFileSync(
      join(root, "wrangler.jsonc"),
      '{ "name": "acme", "main": "src/index.ts", "compatibility_date": "2025-06-01", "compatibility_flags": ["experimental"] }\n',
    );
    const out = captureOutput();
    expect(await main(["deploy", "--dry-run"], out, root, { resolveEngine: fake(() => engine()).resolve })).toBe(0);
    expect(out.text()).toMatch(/warn\s+compatibility_flags include "experimental": Cloudflare refuses to deploy/);
    expect(wranglerRun(root).argv).toEqual(["deploy", "--dry-run"]);
  });

  it("deploy: builds through the engine's Docker host and shim, without a sidecar image or pull", async () => {
    const root = project();
    const { resolve, calls } = fake(() => engine());
    const out = captureOutput();
    expect(await main(["deploy", "--dry-run"], out, root, { resolveEngine: resolve })).toBe(0);
    expect(calls).toEqual([{ sidecar: "moorage", images: "skip" }]);
    expect(out.text()).toContain(
      "ok image builds: Docker 26.1.5 at unix:///tmp/fake-docker.sock; buildx not installed",
    );
    const run = wranglerRun(root);
    expect(run.argv).toEqual(["deploy", "--dry-run"]);
    expect(run.env.WRANGLER_DOCKER_BIN).toBe(LOCAL_ENGINE.paths.dockerShim);
    expect(run.env.DOCKER_HOST).toBe("unix:///tmp/fake-docker.sock");
    expect(run.env.MINIFLARE_CONTAINER_EGRESS_IMAGE).toBe(process.env.MINIFLARE_CONTAINER_EGRESS_IMAGE);
    // Local-only base images never reach what deploy builds: the shim's swaps are off for wrangler deploy.
    expect(run.env.MOORAGE_LOCAL_BASE_IMAGES).toBe("");
  });
});
