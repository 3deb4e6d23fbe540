/**
 * The built CLI, run as a user would: `node dist/cli/main.js <command>` inside a temporary copy of the fixture
 * Worker project (its node_modules symlinked from this repo, `moorage` -> this repo). Asserts exit codes and the
 * files users see, then that `wrangler deploy --dry-run` accepts the result.
 *
 * Needs `npm run build` first (`npm test` does it).
 */
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { reExportLine } from "../../src/authoring/project.js";
import { LOCAL_ENGINE } from "../../src/engine/constants.js";
import { defaultDockerHost } from "../../src/engine/local-engine.js";

const REPO = resolve(import.meta.dirname, "..", "..");
const CLI = join(REPO, "dist", "cli", "main.js");
let project: string;
let outdir: string;
/** What `moorage init` printed: its Worker snippet is checked by the compiler further down. */
let initOutput = "";

function moorage(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    cwd: project,
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: undefined },
    timeout: 120_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, all: `${r.stdout}${r.stderr}` };
}

/** True when a Docker engine answers where `moorage deploy` will look for one. */
function dockerAnswers(): boolean {
  const r = spawnSync("docker", ["info", "--format", "{{.ServerVersion}}"], {
    env: { ...process.env, DOCKER_HOST: defaultDockerHost() },
    encoding: "utf8",
    timeout: 10_000,
  });
  return r.status === 0;
}

const read = (file: string) => readFileSync(join(project, file), "utf8");

beforeAll(() => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first`);
  const base = mkdtempSync(join(tmpdir(), "moorage-e2e-"));
  project = join(base, "acme-media");
  outdir = join(base, "out");
  cpSync(join(REPO, "test", "fixtures", "worker-project"), project, { recursive: true });
  const modules = join(project, "node_modules");
  mkdirSync(join(modules, ".bin"), { recursive: true });
  mkdirSync(join(modules, "@cloudflare"), { recursive: true });
  for (const dep of ["wrangler", "typescript", "esbuild", "jsonc-parser", "@cloudflare/workers-types"]) {
    symlinkSync(join(REPO, "node_modules", dep), join(modules, dep));
  }
  symlinkSync(REPO, join(modules, "moorage"));
  symlinkSync(join("..", "wrangler", "bin", "wrangler.js"), join(modules, ".bin", "wrangler"));
}, 60_000);

afterAll(() => {
  if (project) rmSync(resolve(project, ".."), { recursive: true, force: true });
  // Images the dry run built (wrangler tags them acme-media-hello:wrangler-<uuid>).
  const env = { ...process.env, DOCKER_HOST: defaultDockerHost() };
  const ids = spawnSync("docker", ["image", "ls", "-q", "--filter", "reference=acme-media-hello"], {
    env,
    encoding: "utf8",
  });
  const list = (ids.stdout ?? "").split("\n").filter(Boolean);
  if (list.length > 0) spawnSync("docker", ["image", "rm", "-f", ...new Set(list)], { env });
});

// Each step spawns Node (and wrangler): generous timeouts so a loaded machine does not fail a correct run.
describe("moorage CLI end to end", { timeout: 180_000 }, () => {
  it("prints help and version with exit 0, and a usage error with exit 2", () => {
    const help = moorage("--help");
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Usage: moorage <command>/);
    expect(help.stdout).toMatch(/2 {2}usage error/);
    for (const command of ["init", "generate", "sync", "dev", "deploy", "doctor"]) {
      const r = moorage(command, "--help");
      expect(r.code, command).toBe(0);
      expect(r.stdout, command).toContain(`Usage: moorage ${command}`);
    }
    expect(moorage("--version").stdout.trim()).toBe(
      JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")).version,
    );
    const bad = moorage("generate", "--chek");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--chek");
    expect(moorage("launch").code).toBe(2);
  });

  it("init adds the declaration, image and wrangler entries, keeping the config's comments", () => {
    const r = moorage("init");
    expect(r.code, r.all).toBe(0);
    initOutput = r.stdout;
    expect(read("moorage/containers.ts")).toContain("export const hello = defineContainer({");
    // Written for production: the public base image, and nothing local-only in the Dockerfile or the config.
    expect(read("containers/hello/Dockerfile")).toMatch(/^FROM node:22-slim$/m);
    for (const file of ["containers/hello/Dockerfile", "moorage/containers.ts", "wrangler.jsonc"]) {
      expect(read(file)).not.toContain(LOCAL_ENGINE.images.nodeBase);
    }
    expect(read("moorage/containers.ts")).not.toContain("buildArgs");
    expect(read("wrangler.jsonc")).not.toContain("image_vars");
    expect(read("containers/hello/server.mjs")).toContain("createServer");
    expect(read("moorage/_generated/containers.ts")).toContain("export class HelloContainer extends MoorageContainer");
    const wrangler = read("wrangler.jsonc");
    expect(wrangler).toContain("// Keep in step with the runtime the team tests against.");
    expect(wrangler).toContain('"class_name": "HelloContainer"');
    expect(wrangler).toContain('"name": "CONTAINER_HELLO"');
    expect(wrangler).toContain('"new_sqlite_classes": ["HelloContainer"]');
    expect(r.stdout).toContain('containers(env).hello.get("id").fetch("/")');
    expect(r.stdout).toContain('export * from "../moorage/_generated/containers";');
  });

  it("the Worker snippet init prints typechecks against the generated module and wrangler's Env", () => {
    const lines = initOutput.split("\n");
    const from = lines.findIndex((l) => l.includes("import { containers }"));
    const to = lines.findIndex((l) => l.includes("satisfies ExportedHandler<Env>;"));
    expect(from, initOutput).toBeGreaterThanOrEqual(0);
    expect(to).toBeGreaterThan(from);
    // Pasted as printed (init indents it by two spaces), as the user's Worker module.
    writeFileSync(
      join(project, "src", "worker.ts"),
      `${lines
        .slice(from, to + 1)
        .map((l) => l.replace(/^ {2}/, ""))
        .join("\n")}\n`,
    );
    // The global Env with CONTAINER_HELLO, as `wrangler types` writes it for every Workers project.
    const types = spawnSync(
      process.execPath,
      [
        join(project, "node_modules", "wrangler", "bin", "wrangler.js"),
        "types",
        "src/env.d.ts",
        "--include-runtime=false",
      ],
      { cwd: project, encoding: "utf8", timeout: 120_000 },
    );
    expect(types.status, `${types.stdout}${types.stderr}`).toBe(0);
    expect(read("src/env.d.ts")).toContain("CONTAINER_HELLO");
    const tsc = spawnSync(
      process.execPath,
      [join(project, "node_modules", "typescript", "bin", "tsc"), "-p", ".", "--noEmit"],
      { cwd: project, encoding: "utf8", timeout: 120_000 },
    );
    expect(tsc.status, `${tsc.stdout}${tsc.stderr}`).toBe(0);
    rmSync(join(project, "src", "worker.ts"));
    rmSync(join(project, "src", "env.d.ts"));
  });

  it("init refuses to overwrite, lists the files and exits 1", () => {
    const before = read("moorage/containers.ts");
    const r = moorage("init");
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("moorage/containers.ts");
    expect(r.stderr).toContain("containers/hello/Dockerfile");
    expect(read("moorage/containers.ts")).toBe(before);
  });

  it("generate and sync are idempotent, and --check passes on the result", () => {
    const generated = read("moorage/_generated/containers.ts");
    const wrangler = read("wrangler.jsonc");
    expect(moorage("generate").code).toBe(0);
    expect(moorage("sync").code).toBe(0);
    expect(read("moorage/_generated/containers.ts")).toBe(generated);
    expect(read("wrangler.jsonc")).toBe(wrangler);
    expect(moorage("generate", "--check").code).toBe(0);
    expect(moorage("sync", "--check").code).toBe(0);
  });

  it("--check exits 1 when a declaration changed, and sync brings both files back in line", () => {
    const declarations = read("moorage/containers.ts");
    writeFileSync(join(project, "moorage/containers.ts"), declarations.replace("maxInstances: 3", "maxInstances: 4"));
    const stale = moorage("generate", "--check");
    expect(stale.code).toBe(1);
    expect(stale.stdout).toContain("out of date");
    expect(moorage("sync", "--check").code).toBe(1);
    expect(moorage("sync").code).toBe(0);
    expect(read("wrangler.jsonc")).toContain('"max_instances": 4');
    expect(moorage("sync", "--check").code).toBe(0);
  });

  it("a bad declaration fails with the export name and file:line, exit 1", () => {
    const declarations = read("moorage/containers.ts");
    writeFileSync(
      join(project, "moorage/containers.ts"),
      declarations.replace('sleepAfter: "5m"', 'sleepAfter: "5 min"'),
    );
    const r = moorage("generate");
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/defineContainer\(hello\): "sleepAfter" .*\(at moorage\/containers\.ts:\d+:\d+\)/);
    writeFileSync(join(project, "moorage/containers.ts"), declarations);
  });

  it("wrangler deploy --dry-run accepts the result, image build included", () => {
    // The user follows init's advice and re-exports the generated classes from the Worker's main module.
    const main = join(project, "src", "index.ts");
    writeFileSync(
      main,
      `${readFileSync(main, "utf8")}\n${reExportLine(join(project, "src"), join(project, "moorage/_generated/containers.ts"))}\n`,
    );
    // wrangler 4.164 builds Dockerfile images even for a dry run. With a Docker engine (always under CI), build it
    // for real. Deploy builds exactly what the Dockerfile says (no local stand-in), and node:22-slim cannot be
    // pulled on an offline machine, so this copy of the project points its Dockerfile at the local base image.
    const engine = dockerAnswers();
    if (engine) {
      const dockerfile = join(project, "containers/hello/Dockerfile");
      writeFileSync(
        dockerfile,
        readFileSync(dockerfile, "utf8").replace(/^FROM node:22-slim$/m, `FROM ${LOCAL_ENGINE.images.nodeBase}`),
      );
      const r = moorage("deploy", "--dry-run", "--outdir", outdir);
      expect(r.code, r.all).toBe(0);
      // The image was really built, through Moorage's docker shim when the engine has no buildx, and the shim
      // swapped nothing (deploy turns the local stand-ins off).
      expect(r.all).toMatch(/Building image acme-media-hello:/);
      expect(r.all).toMatch(/CMD \["node", "server\.mjs"\]/);
      expect(r.all).not.toContain("moorage docker shim: local dev build uses");
      expect(read("wrangler.jsonc")).not.toContain(LOCAL_ENGINE.images.nodeBase);
      expect(r.all).toMatch(/env\.CONTAINER_HELLO \(HelloContainer\)\s+Durable Object/);
      expect(r.all).toContain("--dry-run: exiting now.");
    } else {
      expect(process.env.CI, "CI must provide a Docker engine (run scripts/provision.sh)").not.toBe("true");
      const full = moorage("deploy", "--dry-run", "--outdir", outdir);
      expect(full.code).not.toBe(0);
      expect(full.all).toMatch(/Docker|docker/);
      console.warn(
        "note: no Docker engine answers, and wrangler deploy --dry-run builds the container image: checked with --containers-rollout=none instead (run scripts/provision.sh for the full check)",
      );
      const r = moorage("deploy", "--dry-run", "--outdir", outdir, "--containers-rollout=none");
      expect(r.code, r.all).toBe(0);
      expect(r.all).toMatch(/env\.CONTAINER_HELLO \(HelloContainer\)\s+Durable Object/);
      expect(r.all).toContain("acme-media-hello");
      expect(r.all).toContain("--dry-run: exiting now.");
    }
    expect(existsSync(join(outdir, "index.js"))).toBe(true);
    const bundle = readFileSync(join(outdir, "index.js"), "utf8");
    expect(bundle).toMatch(/HelloContainer/);
  });
});
