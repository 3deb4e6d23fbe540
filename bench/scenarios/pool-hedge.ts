/**
 * Issue 11, hedging: a pool of 4 where one instance is slow (200 ms per request), through raw `getRandom(ns, 4)`,
 * Moorage `pool()` and Moorage `pool({ hedge: true })`, in the same run, 8 requests at a time, in rotated chunks.
 * Reports each path's latency, its throughput (requests per second of the time its chunks took: with 8 clients
 * in a closed loop, a path that avoids the slow instance pushes more requests through the machine, and Little's
 * law turns that into a higher p50), which instances answered (Moorage paths: `moorage-instance`), and for the
 * hedged path the hedges sent (responses with `moorage-hedged`) as a share of requests: the budget says at most
 * ~10%. The target: hedged p99 <= 0.3x raw getRandom's.
 * In the same rotation, the same 8 clients through pool() on the `fixed` pool (4 instances of the same image, none
 * slow): what this machine gives at this concurrency when no request meets a slow instance, the floor any routing
 * or hedging can reach.
 * Every path is timed with the bench's one HTTP client (lib/http.ts), which also returns the response headers.
 * Boundary: the slow mode is set on instance 0 of each pool (as scenarios/pools.ts does) and reset afterwards; the
 * `fixed` pool is only read and sent to (scenarios/pool-scaling.ts warms it again for its own baseline).
 * The step load and the warm `min` targets are scenarios/pool-scaling.ts'.
 */
import type { BenchContext } from "../lib/context.js";
import { trySend } from "../lib/http.js";
import { rotate, type Summary, summarize } from "../lib/stats.js";
import { startPools } from "./pools.js";

export interface HedgeRow {
  path: "raw getRandom" | "moorage pool()" | "moorage pool({ hedge })" | "moorage pool(), no slow instance";
  requests: number;
  errors: number;
  latency: Summary;
  /** Responses that say a hedge was sent, and that share of requests. */
  hedges: number;
  extraRate: number;
  /** Requests per second over the time this path's chunks took. */
  rps: number;
  /** Answers per pool index (`moorage-instance`; empty for raw, whose responses do not say). */
  byInstance: Record<string, number>;
}

const PATHS = [
  { name: "raw getRandom" as const, path: "/raw/random/kib" },
  { name: "moorage pool()" as const, path: "/moo/pool/pooled/kib" },
  { name: "moorage pool({ hedge })" as const, path: "/moo/hedge/pooled/kib" },
];
/** The reference: the `fixed` pool (4 instances of the same image, min = max = 4), none of them slow. */
const REFERENCE = { name: "moorage pool(), no slow instance" as const, path: "/moo/pool/fixed/kib" };

async function setSlow(ctx: BenchContext, mode: "slow" | "normal") {
  for (const prefix of ["/raw/get/instance-0", "/moo/member/pooled/0"]) {
    const r = await trySend(ctx.worker, `${prefix}/mode?set=${mode}`, { method: "POST" });
    if (r.status !== 200) throw new Error(`POST ${prefix}/mode?set=${mode} answered ${r.status}: ${r.error ?? r.text}`);
  }
}

type Path = { name: HedgeRow["path"]; path: string };
type Acc = {
  lat: number[];
  errors: number;
  count: number;
  hedges: number;
  ms: number;
  byInstance: Record<string, number>;
};

/** One round of every path in `paths` (rotated by `round`), `concurrency` clients each, `perChunk` requests, into `acc`. */
async function chunk(
  ctx: BenchContext,
  paths: readonly Path[],
  round: number,
  acc: Map<string, Acc>,
  perChunk: number,
  concurrency: number,
) {
  for (const p of rotate(paths, round)) {
    const a = acc.get(p.name);
    if (!a) continue;
    let left = perChunk;
    const client = async () => {
      while (left-- > 0) {
        a.count++;
        const r = await trySend(ctx.worker, p.path, { timeoutMs: 30_000 });
        if (r.status > 0) a.lat.push(r.totalMs);
        if (r.headers["moorage-hedged"] !== undefined) a.hedges++;
        const instance = r.headers["moorage-instance"];
        if (instance !== undefined) {
          const index = decodeURIComponent(String(instance)).split(":").at(-1) ?? "?";
          a.byInstance[index] = (a.byInstance[index] ?? 0) + 1;
        }
        if (!(r.status === 200 && r.bytes === 1024)) a.errors++;
      }
    };
    const started = performance.now();
    await Promise.all(Array.from({ length: concurrency }, client));
    a.ms += performance.now() - started;
  }
}

export async function poolHedge(
  ctx: BenchContext,
  requestsPerPath = 200,
  concurrency = 8,
  chunks = 4,
): Promise<HedgeRow[]> {
  // The 8 instances (4 per pool, pool members through poolInstance) in normal mode, then warm every path (the
  // hedged path needs 20 answers before its first hedge).
  await startPools(ctx);
  // The reference pool's coordinator starts its 4 instances (min 4) when first read.
  const deadline = Math.min(Date.now() + 120_000, ctx.deadline);
  while (Date.now() < deadline) {
    const r = await trySend(ctx.worker, "/moo/state/fixed", { timeoutMs: 10_000 });
    if (r.status === 200 && r.text && (JSON.parse(r.text) as { running: number }).running >= 4) break;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  const all: Path[] = [...PATHS, REFERENCE];
  for (const p of all) for (let i = 0; i < 30; i++) await trySend(ctx.worker, p.path);
  const acc = new Map(
    all.map((p) => [p.name, { lat: [], errors: 0, count: 0, hedges: 0, ms: 0, byInstance: {} } as Acc]),
  );
  const perChunk = Math.ceil(requestsPerPath / chunks);
  await setSlow(ctx, "slow");
  try {
    for (let c = 0; c < chunks && Date.now() < ctx.deadline; c++) await chunk(ctx, all, c, acc, perChunk, concurrency);
  } finally {
    await setSlow(ctx, "normal").catch(() => undefined);
  }
  return all.map((p) => {
    const a = acc.get(p.name) ?? { lat: [], errors: 0, count: 0, hedges: 0, ms: 0, byInstance: {} };
    return {
      path: p.name,
      requests: a.count,
      errors: a.errors,
      latency: summarize(a.lat),
      hedges: a.hedges,
      extraRate: Math.round((a.hedges / (a.count || 1)) * 1000) / 1000,
      rps: a.ms > 0 ? Math.round((a.count / (a.ms / 1000)) * 10) / 10 : 0,
      byInstance: a.byInstance,
    };
  });
}
