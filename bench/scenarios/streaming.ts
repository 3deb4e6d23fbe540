/**
 * Scenario 3: a 16 MiB upload and a 16 MiB download through each path, alternating, with the peak growth of the
 * workerd process's resident memory during each transfer (a Worker that buffers instead of streaming shows here).
 * Boundary: measurement only; byte counts are checked so a truncated stream is an error, not a fast figure.
 */
import { type BenchContext, timeLeft, warmPaths } from "../lib/context.js";
import { trySend } from "../lib/http.js";
import { peakRssDuring } from "../lib/machine.js";
import { rotate, type Summary, summarize } from "../lib/stats.js";

export interface StreamRow {
  path: string;
  direction: "download" | "upload";
  mib: number;
  ms: Summary;
  mibPerSecond: number;
  /** Largest workerd RSS increase seen during one transfer (MiB); undefined when the pid was not found. */
  peakWorkerRssDeltaMiB: number | undefined;
  errors: number;
  firstError?: string;
}

export async function streaming(ctx: BenchContext, mib = 16, reps = 3): Promise<StreamRow[]> {
  const paths = warmPaths(ctx);
  const upload = Buffer.alloc(mib * 2 ** 20, "u");
  const rows: StreamRow[] = [];
  const acc = new Map<string, { ms: number[]; peak: number | undefined; errors: number; firstError?: string }>();
  const key = (p: string, d: string) => `${p}:${d}`;
  const run = async (path: (typeof paths)[number], direction: "download" | "upload") => {
    const { value, peakDeltaMiB } = await peakRssDuring(ctx.workerdPid, () =>
      direction === "download"
        ? trySend(path.target, path.path(`/blob?mib=${mib}`), { timeoutMs: 60_000 })
        : trySend(path.target, path.path("/sink"), { body: upload, timeoutMs: 60_000 }),
    );
    const a = acc.get(key(path.name, direction)) ?? { ms: [], peak: undefined, errors: 0 };
    acc.set(key(path.name, direction), a);
    const expected =
      direction === "download" ? value.bytes === upload.length : JSON.parse(value.text ?? "{}").bytes === upload.length;
    if (value.status === 200 && expected) a.ms.push(value.totalMs);
    else {
      a.errors++;
      a.firstError ??= `${value.status} ${value.error ?? value.text?.slice(0, 200) ?? ""}`;
    }
    // The tunnel bypasses workerd entirely: its memory figure would be noise.
    if (path.name !== "tunnel" && peakDeltaMiB !== undefined) a.peak = Math.max(a.peak ?? 0, peakDeltaMiB);
  };
  for (const p of paths) await run(p, "download"); // warm-up, not counted below
  acc.clear();
  for (let i = 0; i < reps && timeLeft(ctx) > 0; i++) {
    for (const p of rotate(paths, i)) {
      await run(p, "download");
      await run(p, "upload");
    }
  }
  for (const p of paths) {
    for (const direction of ["download", "upload"] as const) {
      const a = acc.get(key(p.name, direction)) ?? { ms: [], peak: undefined, errors: 0 };
      const ms = summarize(a.ms);
      rows.push({
        path: p.name,
        direction,
        mib,
        ms,
        mibPerSecond: Math.round((mib / (ms.p50 / 1000)) * 10) / 10,
        peakWorkerRssDeltaMiB: a.peak,
        errors: a.errors,
        ...(a.firstError ? { firstError: a.firstError } : {}),
      });
    }
  }
  return rows;
}
