/**
 * Issue 11, scaling: the step load and the warm `min` pool, on real containers (fixture pools `stepped`, `fixed`
 * and `warmed` in fixture/moorage/containers.ts; the app's `/work?ms=50` handler counts its own requests in flight).
 *
 * - `poolStep`: a fixed pool of 4 (min = max = 4) is warmed and loaded with 16 clients for the step's length (the
 *   baseline). Then the `stepped` pool (target 4, min 1, max 4, limit 6) carries 1 client, then 16 at once. The
 *   coordinator's decision (`poolState()`) is sampled every 250 ms from the step on: when it has 4 instances
 *   desired and 4 reporting a running container, the pool has reached 4. After the load, every instance's own
 *   peak in-flight count is read (the hard limit, as the app counts), and the decision is sampled until the pool is
 *   back at `min` (desired 1, one instance running), bounded by sleepAfter + window + 30 s.
 * - `poolWarm`: the `warmed` pool (min 2) has had no request. One `poolState()` read wakes its coordinator (a read of
 *   the coordinator object only: nothing reaches a container); the scenario waits until the engine lists 2 running
 *   containers of the class, then sends the first request and checks it did not wait for a start (no
 *   `moorage-cold-start-ms`).
 * Bounded: every loop has a deadline and every request a timeout. Boundary: these three pools only.
 */
import type { BenchContext } from "../lib/context.js";
import { trySend } from "../lib/http.js";
import { type Summary, summarize } from "../lib/stats.js";

/** The stepped pool's declaration (fixture/moorage/containers.ts), for the report's rules. */
export const STEP_POOL = { min: 1, max: 4, target: 4, limit: 6, sleepAfterMs: 10_000, windowMs: 6_000 } as const;
const HANDLER_MS = 50;
/** The first part of a load, summarized apart from the rest (the step's scale-up happens in it). */
const EARLY_MS = 5_000;
const CLIENTS = 16;

interface StateSample {
  /** Ms since the step (negative: before it). */
  t: number;
  desired: number;
  running: number;
  inflight: number;
  /** Of `inflight`, the calls the Worker's activator held (every serving instance at its limit). */
  held: number;
  /** Instances serving (ready), as opposed to running (serving or starting). */
  serving: number;
  panic: boolean;
}

interface PoolStateBody {
  desired: number;
  running: number;
  serving?: number;
  inflight: number;
  held?: number;
  panic: boolean;
}

export interface LoadSummary {
  requests: number;
  errors: number;
  firstError?: string;
  latency: Summary;
  /** Responses that were moved by `busy` refusals (`moorage-busy-moves`). */
  busyMoved: number;
  /** Responses the client held for a free slot at a serving instance (`moorage-held-ms`). */
  held: number;
  /** Responses that waited for a container start (`moorage-cold-start-ms`). */
  coldStarted: number;
  /** Latency of the calls sent in the first `EARLY_MS` of the load, and of the rest (where a tail comes from). */
  early: Summary;
  late: Summary;
  /** Distinct instances that answered (`moorage-instance`). */
  instances: number;
}

export interface StepResult {
  stepMs: number;
  fixed: LoadSummary;
  step: LoadSummary;
  /** Ms from the step until the coordinator had 4 desired and 4 running; undefined if never within the step. */
  reachedMaxAfterMs?: number;
  /** Ms from the step until responses had come from 4 distinct instances. */
  answeredByMaxAfterMs?: number;
  /** Each stepped instance's own peak of requests in flight, as the app counted them. */
  peaks: { index: number; peak: number | undefined }[];
  /** Ms from the end of the load until desired = min and at most min running; undefined if not within the bound. */
  backToMinAfterMs?: number;
  /** The coordinator's decision over time (sampled). */
  timeline: StateSample[];
}

export interface WarmResult {
  /** Containers of the warmed class the engine listed running before the first request. */
  runningBefore: number;
  /** Ms from the first coordinator read until they were running. */
  warmedAfterMs?: number;
  firstStatus: number;
  firstMs: number;
  /** `moorage-cold-start-ms` of the first response (absent: it did not wait for a start). */
  firstColdStartMs?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function readState(ctx: BenchContext, pool: string): Promise<PoolStateBody | undefined> {
  const r = await trySend(ctx.worker, `/moo/state/${pool}`, { timeoutMs: 10_000 });
  if (r.status !== 200 || !r.text) return undefined;
  try {
    return JSON.parse(r.text) as PoolStateBody;
  } catch {
    return undefined;
  }
}

/** `clients` loops of GET `path` until `ms` have passed; `onAnswer` sees each response's instance. */
async function load(
  ctx: BenchContext,
  path: string,
  clients: number,
  ms: number,
  onAnswer?: (instance: string) => void,
): Promise<LoadSummary> {
  const begin = Date.now();
  const end = Math.min(begin + ms, ctx.deadline);
  const lat: number[] = [];
  const early: number[] = [];
  const late: number[] = [];
  const seen = new Set<string>();
  let requests = 0;
  let errors = 0;
  let busyMoved = 0;
  let held = 0;
  let coldStarted = 0;
  let firstError: string | undefined;
  const client = async () => {
    while (Date.now() < end) {
      requests++;
      const sentAt = Date.now();
      const r = await trySend(ctx.worker, path, { timeoutMs: 30_000 });
      if (r.status > 0) {
        lat.push(r.totalMs);
        (sentAt - begin < EARLY_MS ? early : late).push(r.totalMs);
      }
      if (r.status !== 200 || r.bytes !== 1024) {
        errors++;
        firstError ??= `${r.status} ${(r.error ?? r.text ?? "").slice(0, 200)}`;
        continue;
      }
      const instance = String(r.headers["moorage-instance"] ?? "");
      seen.add(instance);
      onAnswer?.(instance);
      if (r.headers["moorage-busy-moves"] !== undefined) busyMoved++;
      if (r.headers["moorage-held-ms"] !== undefined) held++;
      if (r.headers["moorage-cold-start-ms"] !== undefined) coldStarted++;
    }
  };
  await Promise.all(Array.from({ length: clients }, client));
  return {
    requests,
    errors,
    firstError,
    latency: summarize(lat),
    busyMoved,
    held,
    coldStarted,
    instances: seen.size,
    early: summarize(early),
    late: summarize(late),
  };
}

/** Polls `check` every `everyMs` until it returns a value or `ms` have passed. */
async function until<T>(ms: number, everyMs: number, check: () => Promise<T | undefined>): Promise<T | undefined> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined || Date.now() > deadline) return value;
    await sleep(everyMs);
  }
}

export async function poolStep(ctx: BenchContext, stepMs = 15_000): Promise<StepResult> {
  const work = `/work?ms=${HANDLER_MS}`;
  // Baseline: the fixed pool of 4, warmed (its coordinator starts all 4; then traffic reaches each of them).
  await readState(ctx, "fixed");
  await until(120_000, 500, async () => ((await readState(ctx, "fixed"))?.running ?? 0) >= 4 || undefined);
  await load(ctx, `/moo/pool/fixed${work}`, CLIENTS, 3_000);
  ctx.log(`pool-step: fixed pool warmed; baseline of ${CLIENTS} clients for ${stepMs} ms`);
  const fixed = await load(ctx, `/moo/pool/fixed${work}`, CLIENTS, stepMs);

  // The stepped pool at its min: one client until instance 0 serves warm, its peak counter reset.
  await load(ctx, `/moo/pool/stepped${work}`, 1, 3_000);
  await trySend(ctx.worker, "/moo/member/stepped/0/load", { method: "POST" });
  await load(ctx, `/moo/pool/stepped${work}`, 1, 2_000);

  const timeline: StateSample[] = [];
  const stepAt = Date.now();
  let sampling = true;
  const sampler = (async () => {
    while (sampling && Date.now() < ctx.deadline) {
      const s = await readState(ctx, "stepped");
      if (s) timeline.push({ t: Date.now() - stepAt, ...pick(s) });
      await sleep(250);
    }
  })();
  const answeredBy = new Set<string>();
  let answeredByMaxAfterMs: number | undefined;
  ctx.log(`pool-step: step 1 -> ${CLIENTS} clients for ${stepMs} ms`);
  const step = await load(ctx, `/moo/pool/stepped${work}`, CLIENTS, stepMs, (instance) => {
    answeredBy.add(instance);
    if (answeredByMaxAfterMs === undefined && answeredBy.size >= STEP_POOL.max)
      answeredByMaxAfterMs = Date.now() - stepAt;
  });
  const loadEnd = Date.now();
  // Right after the load (so the reads add no idle-time activity of their own): each instance's own peak.
  const peaks = await Promise.all(
    Array.from({ length: STEP_POOL.max }, async (_, index) => {
      const r = await trySend(ctx.worker, `/moo/member/stepped/${index}/load`, { timeoutMs: 30_000 });
      const peak = r.status === 200 && r.text ? (JSON.parse(r.text) as { peak: number }).peak : undefined;
      return { index, peak };
    }),
  );
  const bound = STEP_POOL.sleepAfterMs + STEP_POOL.windowMs + 30_000;
  await until(bound, 250, async () => {
    const last = timeline[timeline.length - 1];
    return last && last.t > loadEnd - stepAt && last.desired <= STEP_POOL.min && last.running <= STEP_POOL.min
      ? true
      : undefined;
  });
  sampling = false;
  await sampler;
  const reached = timeline.find((s) => s.t >= 0 && s.desired >= STEP_POOL.max && s.running >= STEP_POOL.max);
  const back = timeline.find((s) => s.t > loadEnd - stepAt && s.desired <= STEP_POOL.min && s.running <= STEP_POOL.min);
  return {
    stepMs,
    fixed,
    step,
    reachedMaxAfterMs: reached && reached.t <= stepMs ? reached.t : undefined,
    answeredByMaxAfterMs,
    peaks,
    backToMinAfterMs: back ? back.t - (loadEnd - stepAt) : undefined,
    timeline,
  };
}

function pick(s: PoolStateBody): Omit<StateSample, "t"> {
  return {
    desired: s.desired,
    running: s.running,
    serving: s.serving ?? s.running,
    inflight: s.inflight,
    held: s.held ?? 0,
    panic: s.panic,
  };
}

export async function poolWarm(ctx: BenchContext): Promise<WarmResult> {
  const running = async () =>
    (await ctx.dev.containers()).filter(
      (c) => c.state === "running" && c.name.includes("WarmedContainer") && !c.name.endsWith("-proxy"),
    ).length;
  if ((await running()) > 0)
    throw new Error("pool-warm: the warmed pool already has containers (it must be untouched)");
  // One read of the coordinator (no request reaches a container): it starts the min instances ahead of traffic.
  const readAt = Date.now();
  await readState(ctx, "warmed");
  const warmed = await until(120_000, 500, async () => ((await running()) >= 2 ? Date.now() - readAt : undefined));
  // The coordinator hears from each instance once it serves: then the pool is warm from the client's side too.
  await until(30_000, 250, async () => (((await readState(ctx, "warmed"))?.running ?? 0) >= 2 ? true : undefined));
  const runningBefore = await running();
  const first = await trySend(ctx.worker, "/moo/pool/warmed/kib", { timeoutMs: 60_000 });
  const cold = first.headers["moorage-cold-start-ms"];
  return {
    runningBefore,
    warmedAfterMs: warmed,
    firstStatus: first.status,
    firstMs: Math.round(first.totalMs * 100) / 100,
    ...(cold !== undefined ? { firstColdStartMs: Number(cold) } : {}),
  };
}
