/**
 * The benchmark run (`npm run bench`): one wrangler dev session of bench/fixture, every scenario of issue 6 against
 * every path in the same run, then bench/results/latest.json and latest.md.
 *
 * Order: prepare the fixture (link, vendor the built package, `moorage generate && moorage sync`) -> wrangler dev
 * -> warm up instance `w` on every class and find its sidecar tunnel -> scenarios 4, 9 and 6 (the pools), 1, 2, 3,
 * 8, 5 -> stop wrangler (which removes this session's containers) -> scenario 7 (CPU-bound, measured with the engine
 * idle).
 * Bounded: every loop checks the run's deadline, every request has a timeout, and a watchdog stops everything at
 * 14 minutes. Cleanup runs on success, failure and SIGINT/SIGTERM/SIGHUP; it removes only containers of this
 * session (the harness filters by Worker name and start time), never another engineer's.
 * Options: `--only warm,throughput,streaming,pools,bridge,cold,herd,authoring` (a subset, for development;
 * results then go to bench/results/partial.*; `pools` is every pool scenario: 6 and issue 11's pool-warm, hedge,
 * pool-step, two-workers), `--fast` (fewer samples). The same list may come from env `MOORAGE_BENCH_ONLY`.
 * Boundary: loopback only; writes bench/results/ and bench/fixture/ only.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { requireEngine, startWranglerDev, timed, type WranglerDev } from "../test/real/harness.js";
import type { BenchContext } from "./lib/context.js";
import { FIXTURE, prepareFixture, requireBuilt } from "./lib/fixture.js";
import { destroyAgent, sendJson, type Target } from "./lib/http.js";
import { describeMachine, findWorkerdPid, REPO_ROOT } from "./lib/machine.js";
import { markdown, type Results, targets } from "./lib/report.js";
import { ingressPortFor } from "./lib/tunnel.js";
import { authoring } from "./scenarios/authoring.js";
import { bridge } from "./scenarios/bridge.js";
import { coldStarts, herd } from "./scenarios/cold.js";
import { poolHedge } from "./scenarios/pool-hedge.js";
import { poolStep, poolWarm } from "./scenarios/pool-scaling.js";
import { pools } from "./scenarios/pools.js";
import { streaming } from "./scenarios/streaming.js";
import { twoWorkers } from "./scenarios/two-workers.js";
import { warmLatency, warmThroughput } from "./scenarios/warm.js";

const WORKER_NAME = "moorage-bench";
/** The second Worker's config, next to the primary's (fixture/wrangler.second.jsonc). */
const SECOND_CONFIG = "wrangler.second.jsonc";
/** The raw variant's hand-written /ready polling interval (READY_POLL_MS in fixture/src/worker.ts). */
const RAW_READY_POLL_MS = 200;
const RUN_BUDGET_MS = 13 * 60_000;
const WATCHDOG_MS = 14 * 60_000;

const t0 = Date.now();
const log = (line: string) => process.stderr.write(`[bench +${((Date.now() - t0) / 1000).toFixed(1)}s] ${line}\n`);

const argv = process.argv.slice(2);
const onlyArg = argv.find((a) => a.startsWith("--only"));
const onlyList = onlyArg
  ? (onlyArg.split("=")[1] ?? argv[argv.indexOf(onlyArg) + 1] ?? "")
  : (process.env.MOORAGE_BENCH_ONLY ?? "");
/** Names that stand for several scenarios. */
const GROUPS: Record<string, string[]> = { pools: ["pools", "pool-warm", "hedge", "pool-step", "two-workers"] };
const only =
  onlyList.trim() === ""
    ? undefined
    : new Set(
        onlyList
          .split(",")
          .map((n) => n.trim())
          .flatMap((n) => GROUPS[n] ?? [n]),
      );
const fast = argv.includes("--fast");
const wants = (name: string) => !only || only.has(name);

let dev: WranglerDev | undefined;
let cleaning: Promise<void> | undefined;
const cleanup = () => {
  cleaning ??= (async () => {
    destroyAgent();
    if (dev) {
      log("stopping wrangler dev and removing this session's containers");
      await dev.stop().catch((e) => log(`cleanup: ${(e as Error).message}`));
    }
  })();
  return cleaning;
};
for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  process.once(sig, () => {
    log(`${sig}: cleaning up`);
    void cleanup().finally(() => process.exit(130));
  });
}
const watchdog = setTimeout(() => {
  log(`watchdog: the run exceeded ${WATCHDOG_MS / 60_000} minutes; cleaning up`);
  void cleanup().finally(() => process.exit(1));
}, WATCHDOG_MS);
watchdog.unref();

async function main(): Promise<void> {
  const machine = await describeMachine();
  log(`machine: ${machine.nproc} cores, ${machine.memoryMiB} MiB, kernel ${machine.kernel}, node ${machine.node}`);
  requireBuilt();
  const engine = await requireEngine();
  log(`engine: ${engine.engineVersion}, sidecar ${engine.sidecar}`);
  await prepareFixture(log);

  const results: Results = {
    machine,
    engine: {
      sidecar: `${engine.sidecar} (${engine.images.sidecar})`,
      dockerHost: engine.dockerHost,
      wranglerReadySeconds: 0,
    },
    wallSeconds: 0,
    rawReadyPollMs: RAW_READY_POLL_MS,
    scenarioSeconds: {},
    errors: {},
  };
  const scenario = async <T>(name: string, run: () => Promise<T>): Promise<T | undefined> => {
    if (!wants(name)) return undefined;
    log(`scenario ${name}: start`);
    const started = performance.now();
    try {
      return await run();
    } catch (err) {
      results.errors[name] = (err as Error).stack ?? String(err);
      log(`scenario ${name} FAILED: ${(err as Error).message}`);
      return undefined;
    } finally {
      results.scenarioSeconds[name] = (performance.now() - started) / 1000;
      log(`scenario ${name}: ${results.scenarioSeconds[name]?.toFixed(1)} s`);
    }
  };

  const needsWorker = [
    "warm",
    "throughput",
    "streaming",
    "pools",
    "pool-warm",
    "hedge",
    "pool-step",
    "two-workers",
    "bridge",
    "cold",
    "herd",
  ].some(wants);
  if (needsWorker) {
    log("starting wrangler dev (builds the images on first use)");
    const started = await timed(() =>
      // Two Workers in one session (issue 11's global view): the primary, and a second one bound to its `stepped`
      // namespace through script_name (fixture/wrangler.second.jsonc), reached through the primary's SECOND binding.
      startWranglerDev({
        cwd: FIXTURE,
        config: "wrangler.jsonc",
        args: ["--config", SECOND_CONFIG],
        workerName: WORKER_NAME,
        readyTimeoutMs: 240_000,
      }),
    );
    dev = started.value;
    results.engine.wranglerReadySeconds = started.ms / 1000;
    log(`wrangler dev ready on ${dev.url} in ${(started.ms / 1000).toFixed(1)} s`);
    const worker: Target = { kind: "worker", port: dev.port };
    // Start instance `w` on every class (cold starts, not measured), then find the Moorage one's sidecar.
    const [moo] = await Promise.all([
      sendJson<{ hostname: string }>(worker, "/moo/get/plain/w/info", { timeoutMs: 120_000 }),
      sendJson(worker, "/raw/get/w/info", { timeoutMs: 120_000 }),
      sendJson(worker, "/floor/get/w/info", { timeoutMs: 120_000 }),
    ]);
    const tunnel: Target = { kind: "tunnel", ingressPort: await ingressPortFor(dev, moo.hostname) };
    const workerdPid = findWorkerdPid(dev.port);
    log(
      `tunnel via sidecar ingress 127.0.0.1:${tunnel.kind === "tunnel" ? tunnel.ingressPort : "?"}; workerd pid ${workerdPid ?? "not found"}`,
    );
    const ctx: BenchContext = { dev, worker, tunnel, workerdPid, log, deadline: t0 + RUN_BUDGET_MS - 60_000 };

    // Cold starts first: their targets (port open -> first byte, the readyOn gate, end to end vs the floor) need
    // the fewest samples and suffer most if a long warm phase on a busy machine eats the run's time budget.
    results.coldStart = await scenario("cold", () => coldStarts(ctx, fast ? 1 : 3));
    // The pools next (issue 11): the warm pool must be untouched when its scenario starts, and the 2026-12-01 run
    // lost every pool row when, ~590 s in, the engine refused new containers; they need ~20 starts, so early.
    results.poolWarm = await scenario("pool-warm", () => poolWarm(ctx));
    results.pools = await scenario("pools", () => pools(ctx, fast ? 80 : 200));
    results.hedge = await scenario("hedge", () => poolHedge(ctx, fast ? 80 : 200));
    results.poolStep = await scenario("pool-step", () => poolStep(ctx, fast ? 8_000 : 15_000));
    // After the step (which leaves `stepped` back at min): both Workers on that pool, each one's view sampled.
    results.twoWorkers = await scenario("two-workers", () => twoWorkers(ctx, fast ? 8_000 : 12_000));
    // Issue 9 item 6: three runs of 500 sequential requests per path; the targets take the median of the runs.
    results.warmLatency = await scenario("warm", () => warmLatency(ctx, fast ? 100 : 500, fast ? 1 : 3));
    // Ten 1 s windows per path, rotated, rather than a few long ones: the same time per path, interleaved finely enough that
    // load from other work on the machine lands on every path alike.
    results.warmThroughput = await scenario("throughput", () => warmThroughput(ctx, 16, fast ? 2 : 10, 1000));
    results.streaming = await scenario("streaming", () => streaming(ctx, 16, fast ? 1 : 3));
    results.bridge = await scenario("bridge", () => bridge(ctx, fast ? 50 : 100, 2));
    results.herd = await scenario("herd", () => herd(ctx, WORKER_NAME, 50));
    await cleanup();
  }
  results.authoring = await scenario("authoring", () => authoring([1, 50, 200], fast ? 1 : 3));

  results.wallSeconds = (Date.now() - t0) / 1000;
  const dir = join(REPO_ROOT, "bench", "results");
  mkdirSync(dir, { recursive: true });
  const base = only || fast ? "partial" : "latest";
  writeFileSync(join(dir, `${base}.json`), `${JSON.stringify({ ...results, targets: targets(results) }, null, 2)}\n`);
  const md = markdown(results);
  writeFileSync(join(dir, `${base}.md`), md);
  process.stdout.write(`${md}\n`);
  log(`wrote bench/results/${base}.json and ${base}.md in ${results.wallSeconds.toFixed(0)} s`);
  if (Object.keys(results.errors).length > 0) process.exitCode = 1;
}

try {
  await main();
} catch (err) {
  log(`bench failed: ${(err as Error).stack ?? err}`);
  process.exitCode = 1;
} finally {
  await cleanup();
  clearTimeout(watchdog);
}
