#!/usr/bin/env node
/**
 * `npm run demo`: see Moorage work end to end on this machine, with real containers.
 *
 * Builds the package, brings up the local container engine (scripts/provision.sh: Node 22, a Docker engine,
 * the registry-free base and sidecar images), prepares the example app (examples/media-app: dependency links,
 * .dev.vars, the local Secrets Store value), then runs `moorage dev` there on 127.0.0.1 (generate + sync +
 * wrangler dev with the engine's environment), waits until the app answers and prints what to curl.
 * Ctrl-C stops wrangler, which removes the containers it started.
 *
 * Why a script: every step is something a developer would otherwise type by hand in the right order; this is
 * the README's one command. Boundary: orchestration only; each step is the project's own tool.
 * Knobs: DEMO_PORT (default 8787), MEDIA_APP_BASE_IMAGE (default: the example's own, the local engine's base
 * image), MOORAGE_SIDECAR (default: Moorage's), DEMO_SKIP_BUILD=1.
 */
import { spawn, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const APP = join(ROOT, "examples", "media-app");
const PORT = Number(process.env.DEMO_PORT ?? 8787);
const READY_TIMEOUT_MS = 300_000; // first run builds five images

const say = (message) => console.log(`\x1b[36m[demo]\x1b[0m ${message}`);
function fail(message) {
  console.error(`\x1b[31m[demo] ${message}\x1b[0m`);
  process.exit(1);
}

function step(title, command, args, options = {}) {
  say(title);
  const result = spawnSync(command, args, { stdio: "inherit", cwd: ROOT, ...options });
  if (result.status !== 0) fail(`${title} failed (${command} ${args.join(" ")} exited ${result.status})`);
}

/** KEY=VALUE lines of engine/engine.env, the single place that names the engine's images. */
function engineConstants() {
  const lines = readFileSync(join(ROOT, "engine", "engine.env"), "utf8").split("\n");
  return Object.fromEntries(
    lines.filter((l) => /^[A-Z_]+=/.test(l)).map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
  );
}

/** The engine's environment (`export K="V"` lines from `scripts/provision.sh env`). */
function engineEnv() {
  const result = spawnSync("bash", [join(ROOT, "scripts", "provision.sh"), "env"], { cwd: ROOT, encoding: "utf8" });
  if (result.status !== 0) fail(`scripts/provision.sh env failed:\n${result.stderr}`);
  const env = {};
  for (const match of result.stdout.matchAll(/^export ([A-Z_]+)="(.*)"$/gm)) env[match[1]] = match[2];
  if (env.PATH) env.PATH = env.PATH.replace("$PATH", process.env.PATH ?? "");
  return env;
}

async function waitForApp(child) {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) fail(`moorage dev exited with code ${child.exitCode} (output above)`);
    try {
      const response = await fetch(`http://127.0.0.1:${PORT}/`, { signal: AbortSignal.timeout(2_000) });
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 1_000));
  }
  fail(`the app did not answer on http://127.0.0.1:${PORT}/ within ${READY_TIMEOUT_MS / 1000} s`);
}

function printTryIt() {
  const u = `http://127.0.0.1:${PORT}`;
  // A fetcher id of its own per demo run: runtime egress changes persist with an instance (the platform library
  // stores them), so a host allowed in an earlier run would already be open for a reused id.
  const f = `f-${Date.now().toString(36)}`;
  console.log(`
\x1b[32mThe media app is running with real containers at ${u}\x1b[0m
(Ctrl-C stops it and its containers; \`bash scripts/provision.sh stop\` stops the Docker engine the demo started.)

  # one renderer container per document (get(id)); cold start cost in the moorage-* headers
  curl -i -X POST ${u}/docs/doc-1/render --data 'hello moorage'
  curl ${u}/docs/doc-1/admin                  # second port, via .port(9090)
  curl ${u}/docs/doc-1/build-info             # buildArgs baked into the image
  curl ${u}/docs/doc-1/env                    # env, .dev.vars secret, Secrets Store value (fingerprints)
  # a pool of three thumbnailers: any() and pool({ attempts }) with failover
  curl -i ${u}/thumbs?w=256
  curl -X POST ${u}/thumbs/pool-0/poison --data '{"mode":"5xx"}' && curl -i "${u}/thumbs/pool?attempts=3"
  # egress firewall: allowed partner host, unlisted host refused, then opened at run time for one instance
  curl "${u}/fetch/${f}?url=http://partner.media.test/catalog.json"
  curl "${u}/fetch/${f}?url=http://late.media.test/feed"
  curl -X POST ${u}/fetch/${f}/allow --data '{"host":"late.media.test"}' && curl "${u}/fetch/${f}?url=http://late.media.test/feed"
  # the renderer calls back into the app's functions through the bridge (zero-config, then token mode)
  curl -X POST ${u}/docs/doc-2/callback --data '{"mode":"zero-config","docId":"doc-2"}'
  curl -X POST ${u}/docs/doc-2/callback --data '{"mode":"token","docId":"doc-3"}'
  # lifecycle
  curl ${u}/state/renderer/doc-1
  curl -X POST ${u}/lifecycle/renderer/doc-1/stop
  curl ${u}/archive/report-1                  # missing secret: Moorage refuses to start, says where to set it
  # WebSocket live preview: node -e 'const w=new WebSocket("ws://127.0.0.1:${PORT}/docs/doc-1/preview");w.onopen=()=>w.send("hi");w.onmessage=e=>{console.log(e.data);w.close()}'
`);
}

async function main() {
  if (process.env.DEMO_SKIP_BUILD !== "1")
    step("building moorage (npm run build)", "npm", ["run", "build", "--silent"]);
  step("bringing up the local container engine (scripts/provision.sh)", "bash", [
    join(ROOT, "scripts", "provision.sh"),
    "up",
  ]);
  const env = { ...process.env, ...engineEnv() };
  step("preparing examples/media-app (scripts/setup.mjs)", process.execPath, [join(APP, "scripts", "setup.mjs")], {
    env,
  });

  const base = process.env.MEDIA_APP_BASE_IMAGE ?? engineConstants().MOORAGE_NODE_BASE_IMAGE;
  say(`container images build FROM ${base} (set MEDIA_APP_BASE_IMAGE to change)`);

  say(`starting moorage dev on http://127.0.0.1:${PORT} (generate + sync + wrangler dev)`);
  const child = spawn(
    process.execPath,
    [join(ROOT, "dist", "cli", "main.js"), "dev", "--no-watch", "--ip", "127.0.0.1", "--port", String(PORT)],
    {
      cwd: APP,
      stdio: "inherit",
      env: {
        ...env,
        // Offline-first: Moorage's own sidecar (no Docker Hub pull attempt), no metrics, no request.cf download.
        MOORAGE_SIDECAR: process.env.MOORAGE_SIDECAR ?? "moorage",
        WRANGLER_SEND_METRICS: "false",
        CLOUDFLARE_CF_FETCH_ENABLED: "false",
      },
    },
  );
  const stop = () => {
    if (child.exitCode === null) child.kill("SIGINT");
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  await waitForApp(child);
  printTryIt();
  await new Promise((resolve) => child.on("exit", resolve));
}

main().catch((error) => fail(error instanceof Error ? error.message : String(error)));
