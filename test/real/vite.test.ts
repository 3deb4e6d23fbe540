/**
 * `moorage/vite` under a real `vite dev` with `@cloudflare/vite-plugin`, serving a Worker whose typed client
 * reaches a real container on the local engine.
 *
 * The dev server is started WITHOUT the engine's variables (DOCKER_HOST, the sidecar image, the docker shim), so
 * containers can only work if the plugin supplied them; it starts with no generated module and a wrangler config
 * without containers, so the Worker can only bind its container if the plugin generated and synced first. Then a
 * declaration is edited while the server runs, and the next new instance must start with the edit.
 *
 * Compatibility date 2026-10-01: the Cloudflare plugin (1.64.0) ships its own workerd, older than wrangler's.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  belongsToWorker,
  freePort,
  LOCAL_ENGINE,
  listContainers,
  REPO_ROOT,
  removeContainers,
  requireEngine,
  shouldSkip,
} from "./harness.js";

const WORKER = "moorage-vite-test";
const skip = await shouldSkip();

let root: string;
let vite: ChildProcess | undefined;
let exited: Promise<number | null>;
let output = "";
let url: string;

function write(file: string, text: string): void {
  mkdirSync(join(root, file, ".."), { recursive: true });
  writeFileSync(join(root, file), text);
}

const declaration = (greeting: string) =>
  `import { defineContainer } from "moorage";\nexport const hello = defineContainer({ image: "./containers/hello", env: { GREETING: "${greeting}" } });\n`;

/** GET the Worker, retried (bounded) while the dev server or a container is still coming up. */
async function get(path: string): Promise<{ status: number; body: string }> {
  let last = { status: 0, body: "" };
  for (let attempt = 0; attempt < 30; attempt++) {
    try {
      const res = await fetch(`${url}${path}`, { signal: AbortSignal.timeout(60_000) });
      last = { status: res.status, body: await res.text() };
      if (res.status === 200) return last;
    } catch (error) {
      last = { status: 0, body: String(error) };
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
  return last;
}

async function waitFor(pattern: RegExp, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pattern.test(output)) {
    if (vite?.exitCode !== null) throw new Error(`vite exited before ${what}:\n${output.slice(-4000)}`);
    if (Date.now() > deadline) throw new Error(`no ${what} within ${timeoutMs} ms:\n${output.slice(-4000)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe.skipIf(skip)("moorage/vite: vite dev with @cloudflare/vite-plugin and a real container", () => {
  beforeAll(async () => {
    const engine = await requireEngine();
    root = mkdtempSync(join(tmpdir(), "moorage-vite-"));
    const modules = join(root, "node_modules");
    mkdirSync(join(modules, "@cloudflare"), { recursive: true });
    for (const dep of ["vite", "@cloudflare/vite-plugin", "@cloudflare/workers-types", "wrangler", "typescript"]) {
      symlinkSync(join(REPO_ROOT, "node_modules", dep), join(modules, dep));
    }
    symlinkSync(REPO_ROOT, join(modules, "moorage"));
    write("package.json", '{ "name": "vite-app", "private": true, "type": "module" }\n');
    write(
      "vite.config.mjs",
      'import { cloudflare } from "@cloudflare/vite-plugin";\nimport { moorage } from "moorage/vite";\n\nexport default { plugins: [moorage(), cloudflare()] };\n',
    );
    write(
      "wrangler.jsonc",
      `{\n  // The Worker served by vite dev.\n  "name": "${WORKER}",\n  "main": "src/index.ts",\n  "compatibility_date": "2026-10-01"\n}\n`,
    );
    write("moorage/containers.ts", declaration("one"));
    write(
      "containers/hello/Dockerfile",
      `ARG BASE=${engine.baseImage}\nFROM \${BASE}\nCOPY server.mjs /app/server.mjs\nCMD ["node", "/app/server.mjs"]\n`,
    );
    write(
      "containers/hello/server.mjs",
      'import http from "node:http";\nhttp.createServer((req, res) => {\n  res.writeHead(200, { "content-type": "application/json" });\n  res.end(JSON.stringify({ greeting: process.env.GREETING, instance: process.env.MOORAGE_INSTANCE }));\n}).listen(8080);\n',
    );
    write(
      "src/index.ts",
      'import { containers } from "../moorage/_generated/containers";\nexport * from "../moorage/_generated/containers";\n\nexport default {\n  async fetch(request: Request, env: Record<string, unknown>): Promise<Response> {\n    const id = new URL(request.url).searchParams.get("id") ?? "a";\n    return containers(env as never).hello.get(id).fetch("/");\n  },\n};\n',
    );

    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    const env: NodeJS.ProcessEnv = { ...process.env };
    // What the plugin must supply itself (the harness exported them into this process).
    for (const name of ["DOCKER_HOST", "WRANGLER_DOCKER_BIN", LOCAL_ENGINE.envVars.egressImage]) delete env[name];
    vite = spawn(
      process.execPath,
      [join(modules, "vite", "bin", "vite.js"), "dev", "--host", "127.0.0.1", "--port", String(port), "--strictPort"],
      {
        cwd: root,
        env: {
          ...env,
          // No pull from Docker Hub in tests: Moorage's own sidecar.
          MOORAGE_SIDECAR: "moorage",
          NO_COLOR: "1",
          WRANGLER_SEND_METRICS: "false",
          CLOUDFLARE_CF_FETCH_ENABLED: "false",
        },
        stdio: ["ignore", "pipe", "pipe"],
        detached: true,
      },
    );
    vite.stdout?.on("data", (d: Buffer) => {
      output += d.toString();
    });
    vite.stderr?.on("data", (d: Buffer) => {
      output += d.toString();
    });
    exited = new Promise((r) => vite?.once("exit", r));
    await waitFor(/Local:\s+http:\/\/127\.0\.0\.1/, "dev server", 240_000);
  }, 300_000);

  afterAll(async () => {
    if (vite?.pid !== undefined && vite.exitCode === null) {
      process.kill(-vite.pid, "SIGINT");
      const timer = new Promise((r) => setTimeout(() => r("timeout"), 15_000));
      if ((await Promise.race([exited, timer])) === "timeout") process.kill(-vite.pid, "SIGKILL");
    }
    await removeContainers((await listContainers()).filter((c) => belongsToWorker(c, WORKER)).map((c) => c.id));
    if (root) rmSync(root, { recursive: true, force: true });
  }, 60_000);

  it("generates and syncs before the Cloudflare plugin starts, with the engine's environment, and the Worker reaches its container", async () => {
    expect(output).toContain("generated moorage/_generated/containers.ts (1 container)");
    expect(output).toContain("durable_objects.bindings: added CONTAINER_HELLO -> HelloContainer");
    expect(output).toMatch(/sidecar: Moorage's \(moorage\/sidecar:[^)]+\), because forced/);
    expect(readFileSync(join(root, "wrangler.jsonc"), "utf8")).toContain('"name": "moorage-vite-test-hello"');

    const res = await get("/?id=a");
    expect(res, output.slice(-3000)).toEqual({ status: 200, body: JSON.stringify({ greeting: "one", instance: "a" }) });
    const running = (await listContainers()).filter((c) => belongsToWorker(c, WORKER) && c.state === "running");
    expect(running.length).toBeGreaterThan(0);
  });

  it("regenerates when a declaration changes while vite dev runs: the next new instance starts with the edit", async () => {
    write("moorage/containers.ts", declaration("two"));
    await waitFor(
      /moorage\/ changed, regenerating[\s\S]*generated moorage\/_generated\/containers\.ts/,
      "regeneration",
      60_000,
    );
    const res = await get("/?id=b");
    expect(res, output.slice(-3000)).toEqual({ status: 200, body: JSON.stringify({ greeting: "two", instance: "b" }) });
  });
});
