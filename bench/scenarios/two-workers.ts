/**
 * Issue 11, the global view: two Workers (two isolates) sending to one pool see the same scaling decision.
 *
 * The primary Worker (fixture/src/worker.ts) and the second one (fixture/src/second.ts, bound to the primary's
 * `stepped` namespace through `script_name`, in the same `wrangler dev` session) both send to the `stepped` pool
 * (target 4, min 1, max 4): most of the load through the primary (12 clients), a little through the second
 * (2 clients), on the app's 50 ms `/work` handler. Every 500 ms the scenario reads each Worker's own pool view
 * (`poolView()`: the coordinator decision that isolate holds, its own local decision, how many instances it routes
 * to) and the coordinator's decision (`poolState()`). The second Worker's own load asks for one instance; if it
 * routes to as many as the coordinator decided, it follows the global view, not its own.
 * Verdict: the two views hold the coordinator's `desired` in every sample, except within one cache period (plus a
 * sampling step) of a change of the coordinator's decision, and the decision rose above `min` at least once (else the check
 * says nothing). Bounded: fixed duration, every request has a timeout. Boundary: the `stepped` pool only; run after
 * pool-step (which leaves it back at min).
 */
import type { BenchContext } from "../lib/context.js";
import { trySend } from "../lib/http.js";
import { type Summary, summarize } from "../lib/stats.js";

const POOL = "stepped";
const WORK = "/work?ms=50";
const PRIMARY_CLIENTS = 12;
const SECOND_CLIENTS = 2;
const SAMPLE_MS = 500;
/** A view may lag the coordinator by its cache period (1 s, POOL_STATE_CACHE_MS) plus a sampling step and a read. */
const LAG_MS = 2_000;

interface ViewBody {
  active: number;
  local: number;
  inflight: number;
  global?: { desired: number; running: number; panic: boolean; at: number; ageMs: number };
}

export interface ViewSample {
  /** Ms since the load started. */
  t: number;
  coordinator?: { desired: number; running: number };
  primary?: ViewBody;
  second?: ViewBody;
}

export interface WorkerLoad {
  requests: number;
  errors: number;
  firstError?: string;
  latency: Summary;
  /** Answers per instance (`moorage-instance`), by pool index. */
  byInstance: Record<string, number>;
}

export interface TwoWorkersResult {
  loadMs: number;
  primary: WorkerLoad;
  second: WorkerLoad;
  samples: ViewSample[];
  /** Samples where both views held a coordinator decision. */
  compared: number;
  /** Of those, samples where both held the coordinator's `desired` (the same one). */
  agreed: number;
  /** Disagreements NOT within LAG_MS of a change of the coordinator's decision. */
  unexplained: number;
  /** Highest coordinator `desired` seen. */
  peakDesired: number;
  /** Samples where the second Worker routed to more instances than its own load asked for (it followed the global). */
  secondFollowedGlobal: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function json<T>(ctx: BenchContext, path: string): Promise<T | undefined> {
  const r = await trySend(ctx.worker, path, { timeoutMs: 10_000 });
  if (r.status !== 200 || !r.text) return undefined;
  try {
    return JSON.parse(r.text) as T;
  } catch {
    return undefined;
  }
}

async function drive(ctx: BenchContext, path: string, clients: number, end: number): Promise<WorkerLoad> {
  const lat: number[] = [];
  const byInstance: Record<string, number> = {};
  let requests = 0;
  let errors = 0;
  let firstError: string | undefined;
  const client = async () => {
    while (Date.now() < end) {
      requests++;
      const r = await trySend(ctx.worker, path, { timeoutMs: 30_000 });
      if (r.status > 0) lat.push(r.totalMs);
      if (r.status !== 200 || r.bytes !== 1024) {
        errors++;
        firstError ??= `${r.status} ${(r.error ?? r.text ?? "").slice(0, 200)}`;
        continue;
      }
      const instance =
        decodeURIComponent(String(r.headers["moorage-instance"] ?? "?"))
          .split(":")
          .at(-1) ?? "?";
      byInstance[instance] = (byInstance[instance] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: clients }, client));
  return { requests, errors, firstError, latency: summarize(lat), byInstance };
}

export async function twoWorkers(ctx: BenchContext, loadMs = 12_000): Promise<TwoWorkersResult> {
  const primaryPath = `/moo/pool/${POOL}${WORK}`;
  const secondPath = `/second/pool/${POOL}${WORK}`;
  // Both Workers reach the pool and read its coordinator once before the load (instance 0 serves warm).
  const warmEnd = Date.now() + 3_000;
  await Promise.all([drive(ctx, primaryPath, 1, warmEnd), drive(ctx, secondPath, 1, warmEnd)]);
  const second = await json<ViewBody>(ctx, `/second/view/${POOL}`);
  if (!second)
    throw new Error("two-workers: the second Worker's /view did not answer (is wrangler.second.jsonc running?)");

  const start = Date.now();
  const end = Math.min(start + loadMs, ctx.deadline);
  const samples: ViewSample[] = [];
  const sampler = (async () => {
    while (Date.now() < end) {
      const t = Date.now() - start;
      const [coordinator, primary, secondView] = await Promise.all([
        json<{ desired: number; running: number }>(ctx, `/moo/state/${POOL}`),
        json<ViewBody>(ctx, `/moo/view/${POOL}`),
        json<ViewBody>(ctx, `/second/view/${POOL}`),
      ]);
      samples.push({
        t,
        ...(coordinator ? { coordinator: { desired: coordinator.desired, running: coordinator.running } } : {}),
        ...(primary ? { primary } : {}),
        ...(secondView ? { second: secondView } : {}),
      });
      await sleep(SAMPLE_MS);
    }
  })();
  ctx.log(
    `two-workers: ${PRIMARY_CLIENTS} clients through the primary, ${SECOND_CLIENTS} through the second, ${loadMs} ms`,
  );
  const [primaryLoad, secondLoad] = await Promise.all([
    drive(ctx, primaryPath, PRIMARY_CLIENTS, end),
    drive(ctx, secondPath, SECOND_CLIENTS, end),
  ]);
  await sampler;

  const changes: number[] = [];
  let last: number | undefined;
  for (const s of samples) {
    if (s.coordinator && last !== undefined && s.coordinator.desired !== last) changes.push(s.t);
    if (s.coordinator) last = s.coordinator.desired;
  }
  // Each view against the other AND against the coordinator: two views stuck on the same old decision must not pass.
  const both = samples.filter((s) => s.primary?.global && s.second?.global && s.coordinator);
  const disagree = both.filter(
    (s) =>
      s.primary?.global?.desired !== s.second?.global?.desired || s.second?.global?.desired !== s.coordinator?.desired,
  );
  const unexplained = disagree.filter((s) => !changes.some((c) => c <= s.t + SAMPLE_MS && s.t - c <= LAG_MS));
  return {
    loadMs,
    primary: primaryLoad,
    second: secondLoad,
    samples,
    compared: both.length,
    agreed: both.length - disagree.length,
    unexplained: unexplained.length,
    peakDesired: Math.max(0, ...samples.map((s) => s.coordinator?.desired ?? 0)),
    secondFollowedGlobal: samples.filter((s) => s.second && s.second.active > s.second.local).length,
  };
}
