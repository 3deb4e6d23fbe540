/**
 * Issue 11, hedging: a pool of 4 where one instance is slow (200 ms per request), through raw `getRandom(ns, 4)`,
 * Moorage `pool()` and Moorage `pool({ hedge: true })`, in the same run, 8 requests at a time, in rotated chunks.
 * Reports each path's latency and, for the hedged path, the hedges sent (responses with `moorage-hedged`) as a share
 * of requests: the budget says at most ~10%. The target: hedged p99 <= 0.3x raw getRandom's.
 * Every path is timed with the bench's one HTTP client (lib/http.ts), which also returns the response headers.
 * Boundary: the slow mode is set on instance 0 of each pool (as scenarios/pools.ts does) and reset afterwards.
 * The step load and the warm `min` targets are scenarios/pool-scaling.ts'.
 */
import type { BenchContext } from "../lib/context.js";
import { trySend } from "../lib/http.js";
import { rotate, type Summary, summarize } from "../lib/stats.js";
import { startPools } from "./pools.js";

export interface HedgeRow {
  path: "raw getRandom" | "moorage pool()" | "moorage pool({ hedge })";
  requests: number;
  errors: number;
  latency: Summary;
  /** Responses that say a hedge was sent, and that share of requests. */
  hedges: number;
  extraRate: number;
}

const PATHS = [
  { name: "raw getRandom" as const, path: "/raw/random/kib" },
  { name: "moorage pool()" as const, path: "/moo/pool/pooled/kib" },
  { name: "moorage pool({ hedge })" as const, path: "/moo/hedge/pooled/kib" },
];

async function setSlow(ctx: BenchContext, mode: "slow" | "normal") {
  for (const prefix of ["/raw/get/instance-0", "/moo/member/pooled/0"]) {
    const r = await trySend(ctx.worker, `${prefix}/mode?set=${mode}`, { method: "POST" });
    if (r.status !== 200) throw new Error(`POST ${prefix}/mode?set=${mode} answered ${r.status}: ${r.error ?? r.text}`);
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
  for (const p of PATHS) for (let i = 0; i < 30; i++) await trySend(ctx.worker, p.path);
  const acc = new Map(PATHS.map((p) => [p.name, { lat: [] as number[], errors: 0, count: 0, hedges: 0 }]));
  await setSlow(ctx, "slow");
  try {
    const perChunk = Math.ceil(requestsPerPath / chunks);
    for (let c = 0; c < chunks && Date.now() < ctx.deadline; c++) {
      for (const p of rotate(PATHS, c)) {
        const a = acc.get(p.name);
        if (!a) continue;
        let left = perChunk;
        const client = async () => {
          while (left-- > 0) {
            a.count++;
            const r = await trySend(ctx.worker, p.path, { timeoutMs: 30_000 });
            if (r.status > 0) a.lat.push(r.totalMs);
            if (r.headers["moorage-hedged"] !== undefined) a.hedges++;
            if (!(r.status === 200 && r.bytes === 1024)) a.errors++;
          }
        };
        await Promise.all(Array.from({ length: concurrency }, client));
      }
    }
  } finally {
    await setSlow(ctx, "normal").catch(() => undefined);
  }
  return PATHS.map((p) => {
    const a = acc.get(p.name) ?? { lat: [], errors: 0, count: 0, hedges: 0 };
    return {
      path: p.name,
      requests: a.count,
      errors: a.errors,
      latency: summarize(a.lat),
      hedges: a.hedges,
      extraRate: Math.round((a.hedges / (a.count || 1)) * 1000) / 1000,
    };
  });
}
