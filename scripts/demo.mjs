#!/usr/bin/env node
/**
 * `npm run demo`: see Moorage work end to end on this machine, with real containers.
 *
 * Runs on any Node: on one older than 22.12 it gets a newer one and re-runs itself (scripts/toolchain.mjs). Then it
 * builds the package, brings up the local container engine (scripts/provision.sh: a Docker engine, the
 * registry-free base and sidecar images), prepares the example app (examples/media-app: dependency links,
 * .dev.vars, the local Secrets Store value), then runs `moorage dev` there on 127.0.0.1 (generate + sync +
 * wrangler dev with the engine's environment), waits until the app answers (saying every few seconds how many
 * images are built and containers running) and prints the app's pages and what to curl (scripts/demo-text.mjs).
 * Ctrl-C stops wrangler, which removes the containers it started.
 *
 * Why a script: every step is something a developer would otherwise type by hand in the right order; this is
 * the README's one command. Boundary: orchestration only; each step is the project's own tool.
 * Knobs: DEMO_PORT (default 8787), MOORAGE_SIDECAR (default: Moorage's), DEMO_SKIP_BUILD=1.
 */
import { spawn, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse as parseJsonc } from "jsonc-parser";
import { imagesBuilt, tryItText } from "./demo-text.mjs";
import { ensureNode, logger, provisionEngine, ROOT, run } from "./toolchain.mjs";

const APP = join(ROOT, "examples", "media-app");
const PORT = Number(process.env.DEMO_PORT ?? 8787);
const READY_TIMEOUT_MS = 300_000; // the first run builds every container's image
const PROGRESS_EVERY_MS = 5_000;
const STEPS = 5;

const say = logger("demo");
const fail = say.fail;

function step(index, title, command, args, options = {}) {
  say(`step ${index}/${STEPS}: ${title}`);
  const code = run(command, args, options);
  if (code !== 0) fail(`${title} failed (${command} ${args.join(" ")} exited ${code})`);
}

/** KEY=VALUE lines of src/engine/engine.env, the single place that names the engine's images. */
function engineConstants() {
  const lines = readFileSync(join(ROOT, "src", "engine", "engine.env"), "utf8").split("\n");
  return Object.fromEntries(
    lines.filter((l) => /^[A-Z_]+=/.test(l)).map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
  );
}

/** What wrangler dev is doing while the app is not up yet: images built and containers running, from Docker. */
function progress(env, config) {
  const docker = (args) =>
    spawnSync("docker", args, { env, encoding: "utf8", timeout: 5_000 }).stdout?.split("\n").filter(Boolean) ?? [];
  const names = config.containers.map((c) => c.class_name);
  const built = imagesBuilt(names, docker(["image", "ls", "--format", "{{.Repository}}"]));
  const running = docker(["ps", "--format", "{{.Names}}"]).filter((n) => n.startsWith("workerd-")).length;
  return `${built}/${names.length} images built, ${running} containers running`;
}

async function waitForApp(child, env) {
  const config = parseJsonc(readFileSync(join(APP, "wrangler.jsonc"), "utf8"));
  const started = Date.now();
  let reported = started;
  while (Date.now() - started < READY_TIMEOUT_MS) {
    if (child.exitCode !== null) fail(`moorage dev exited with code ${child.exitCode} (output above)`);
    try {
      const response = await fetch(`http://127.0.0.1:${PORT}/`, { signal: AbortSignal.timeout(2_000) });
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() - reported >= PROGRESS_EVERY_MS) {
      reported = Date.now();
      say(`  waiting for the app (${Math.round((reported - started) / 1000)} s): ${progress(env, config)}`);
    }
    await new Promise((r) => setTimeout(r, 1_000));
  }
  fail(`the app did not answer on http://127.0.0.1:${PORT}/ within ${READY_TIMEOUT_MS / 1000} s`);
}

function printTryIt() {
  // A fetcher id of its own per demo run: runtime egress changes persist with an instance (the platform library
  // stores them), so a host allowed in an earlier run would already be open for a reused id.
  console.log(tryItText(`http://127.0.0.1:${PORT}`, `f-${Date.now().toString(36)}`));
}

async function main() {
  await ensureNode(say);
  if (process.env.DEMO_SKIP_BUILD !== "1")
    step(1, "building moorage (npm run build)", "npm", ["run", "--silent", "build"]);
  say(`step 2/${STEPS}: bringing up the local container engine`);
  const engine = provisionEngine(say);
  if (!engine.ok) fail(`the demo needs real containers, and no engine could be had:\n${engine.reason}`);
  const env = { ...process.env, ...engine.env };
  step(3, "preparing examples/media-app (scripts/setup.mjs)", process.execPath, [join(APP, "scripts", "setup.mjs")], {
    env,
  });

  const { MOORAGE_NODE_BASE_IMAGE: local } = engineConstants();
  say(`container images build FROM node:22-slim (${local} stands in for it locally while node:22-slim is not here)`);

  say(`step 4/${STEPS}: starting moorage dev on http://127.0.0.1:${PORT} (generate + sync + wrangler dev)`);
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
  say(`step 5/${STEPS}: waiting for the app to answer (images build and containers start on first use)`);
  await waitForApp(child, env);
  printTryIt();
  await new Promise((resolve) => child.on("exit", resolve));
}

main().catch((error) => fail(error instanceof Error ? error.message : String(error)));
