/**
 * Issue 11, hedging: a pool of 4 where one instance is slow (200 ms per request), through raw `getRandom(ns, 4)`,
 * Moorage `pool()` and Moorage `pool({ hedge: true })`, in the same run, 8 requests at a time, in rotated chunks.
 * Reports each path's latency and, for the hedged path, the hedges sent (responses with `moorage-hedged`) as a share
 * of requests: the budget says at most ~10%. The target: hedged p99 <= 0.3x raw getRandom's.
 * Every path is timed with the same client (Node's fetch, which also exposes the response headers).
 * Boundary: the slow mode is set on instance 0 of each pool (as scenarios/pools.ts does) and reset afterwards.
 * The step-load, warm-min and two-Worker targets of issue 11 are not measured here (see the report's note).
 */
import type { BenchContext } from "../lib/context.js";
import { rotate, type Summary, summarize } from "../lib/stats.js";

export interface HedgeRow {
  path: "raw getRandom" | "moorage pool()" | "moorage pool({ hedge })";
  requests: number;
  errors: number;
  latency: Summary;
  /** Responses that say a hedge was sent, and that share of requests. */
  hedges: number;
  extraRate: number;
}

const SIZE = 4;
const PATHS = [
  { name: "raw getRandom" as const, path: "/raw/random/kib" },
  { name: "moorage pool()" as const, path: "/moo/pool/pooled/kib" },
  { name: "moorage pool({ hedge })" as const, path: "/moo/hedge/pooled/kib" },
];

async function send(ctx: BenchContext, path: string, init: RequestInit = {}) {
  if (ctx.worker.kind !== "worker") throw new Error("pool-scaling: needs the Worker target");
  const started = performance.now();
  const res = await fetch(`http://127.0.0.1:${ctx.worker.port}${path}`, {
    ...init,
    signal: AbortSignal.timeout(30_000),
  });
  const body = await res.arrayBuffer();
  return {
    status: res.status,
    bytes: body.byteLength,
    ms: performance.now() - started,
    hedged: res.headers.has("moorage-hedged"),
  };
}

async function setSlow(ctx: BenchContext, mode: "slow" | "normal") {
  for (const prefix of ["/raw/get/instance-0", "/moo/member/pooled/0"]) {
    await send(ctx, `${prefix}/mode?set=${mode}`, { method: "POST" });
  }
}

export async function poolScaling(
  ctx: BenchContext,
  requestsPerPath = 200,
  concurrency = 8,
  chunks = 4,
): Promise<HedgeRow[]> {
  // Start the 8 instances (4 per pool) in normal mode, then warm every path (the hedged path needs 20 answers
  // before its first hedge).
  await Promise.all(
    ["/raw/get/instance-", "/moo/get/pooled/pool-"].flatMap((prefix) =>
      Array.from({ length: SIZE }, (_, k) => send(ctx, `${prefix}${k}/mode?set=normal`, { method: "POST" })),
    ),
  );
  for (const p of PATHS) for (let i = 0; i < 30; i++) await send(ctx, p.path).catch(() => undefined);
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
            try {
              const r = await send(ctx, p.path);
              a.lat.push(r.ms);
              if (r.hedged) a.hedges++;
              if (!(r.status === 200 && r.bytes === 1024)) a.errors++;
            } catch {
              a.errors++;
            }
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
