/**
 * Scenarios 1 and 2: warm latency (sequential, 1 KiB) and warm throughput (16 concurrent clients, fixed duration)
 * through the floor (a bare ctx.container object), Moorage `get(id).fetch`, raw `getContainer().fetch`, the
 * sidecar tunnel and a plain Worker route. Latency is measured as `runs` separate runs of `samples` requests per
 * path, so the targets can take the median of the runs' ratios (issue 9 item 6: three runs of 500). Paths alternate
 * (rotated order each iteration / round) after a warm-up, so load from other work on the machine hits all of them
 * alike. Boundary: measurement only; counts non-2xx answers instead of failing.
 */
import { type BenchContext, type BenchPath, timeLeft, warmPaths } from "../lib/context.js";
import { trySend } from "../lib/http.js";
import { rotate, type Summary, summarize } from "../lib/stats.js";

export interface LatencyRow extends Summary {
  path: string;
  /** One summary per run (the row's own figures pool every run's samples). */
  runs: Summary[];
  errors: number;
  firstError?: string;
}

type Answer = { status: number; bytes: number; error?: string; text?: string };
const describe = (r: Answer) => `${r.status} ${r.error ?? r.text?.slice(0, 200) ?? ""}`.trim();

export interface ThroughputRow {
  path: string;
  concurrency: number;
  seconds: number;
  requests: number;
  errors: number;
  firstError?: string;
  rps: number;
  latency: Summary;
}

const ok = (r: { status: number; bytes: number }) => r.status === 200 && r.bytes === 1024;

export async function warmLatency(ctx: BenchContext, samples = 500, runs = 3, warmup = 30): Promise<LatencyRow[]> {
  const paths = warmPaths(ctx);
  for (let i = 0; i < warmup; i++) for (const p of paths) await trySend(p.target, p.path("/kib"));
  const perRun = new Map<string, number[][]>(paths.map((p) => [p.name, []]));
  const errors = new Map<string, number>(paths.map((p) => [p.name, 0]));
  const firstError = new Map<string, string>();
  for (let run = 0; run < runs && timeLeft(ctx) > 0; run++) {
    const times = new Map<string, number[]>(paths.map((p) => [p.name, []]));
    for (let i = 0; i < samples && timeLeft(ctx) > 0; i++) {
      for (const p of rotate(paths, i)) {
        const r = await trySend(p.target, p.path("/kib"));
        if (ok(r)) times.get(p.name)?.push(r.totalMs);
        else {
          errors.set(p.name, (errors.get(p.name) ?? 0) + 1);
          if (!firstError.has(p.name)) firstError.set(p.name, describe(r));
        }
      }
    }
    for (const p of paths) perRun.get(p.name)?.push(times.get(p.name) ?? []);
    ctx.log(
      `warm run ${run + 1}/${runs}: ${paths.map((p) => `${p.name} p50 ${summarize(times.get(p.name) ?? []).p50}`).join(", ")}`,
    );
  }
  return paths.map((p) => {
    const runsOf = perRun.get(p.name) ?? [];
    return {
      path: p.name,
      ...summarize(runsOf.flat()),
      runs: runsOf.map((t) => summarize(t)),
      errors: errors.get(p.name) ?? 0,
      ...(firstError.has(p.name) ? { firstError: firstError.get(p.name) } : {}),
    };
  });
}

async function saturate(p: BenchPath, concurrency: number, durationMs: number) {
  const end = performance.now() + durationMs;
  const lat: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  const client = async () => {
    while (performance.now() < end) {
      const r = await trySend(p.target, p.path("/kib"), { timeoutMs: 10_000 });
      if (ok(r)) lat.push(r.totalMs);
      else {
        errors++;
        firstError ??= describe(r);
      }
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: concurrency }, client));
  return { lat, errors, firstError, seconds: (performance.now() - t0) / 1000 };
}

export async function warmThroughput(
  ctx: BenchContext,
  concurrency = 16,
  rounds = 2,
  roundMs = 3000,
): Promise<ThroughputRow[]> {
  const paths = warmPaths(ctx);
  for (const p of paths) await saturate(p, concurrency, 500); // warm-up: fill the keep-alive pool, JIT, sidecar
  const acc = new Map(
    paths.map((p) => [
      p.name,
      { lat: [] as number[], errors: 0, seconds: 0, firstError: undefined as string | undefined },
    ]),
  );
  for (let r = 0; r < rounds && timeLeft(ctx) > 0; r++) {
    for (const p of rotate(paths, r)) {
      const got = await saturate(p, concurrency, roundMs);
      const a = acc.get(p.name);
      if (!a) continue;
      a.lat.push(...got.lat);
      a.errors += got.errors;
      a.firstError ??= got.firstError;
      a.seconds += got.seconds;
    }
  }
  return paths.map((p) => {
    const a = acc.get(p.name) ?? { lat: [], errors: 0, seconds: 0, firstError: undefined };
    return {
      path: p.name,
      concurrency,
      seconds: Math.round(a.seconds * 100) / 100,
      requests: a.lat.length,
      errors: a.errors,
      ...(a.firstError ? { firstError: a.firstError } : {}),
      rps: Math.round((a.lat.length / (a.seconds || 1)) * 10) / 10,
      latency: summarize(a.lat),
    };
  });
}
