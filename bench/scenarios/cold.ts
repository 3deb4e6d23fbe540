/**
 * Scenarios 4 and 5: cold starts and the thundering herd.
 *
 * Cold start: wall time to the first byte of the first answer for a new id, floor vs raw vs Moorage, without
 * readiness and with it (Moorage `readyOn: /ready`; raw: the polling loop a raw user writes, 200 ms interval). The
 * floor is a bare ctx.container object polling its port every 10 ms (fixture/src/floor.ts). The app reports (epoch
 * ms, same host clock) when it started listening and when its own /ready turned 200, so the start path's cost is
 * measured directly: first byte minus the port opening, and for gated variants first byte minus the app's own
 * readiness; it also counts the /ready probes it saw, so the probe rate the app pays for the gate is reported.
 * Herd: 50 concurrent first requests to one cold id; containers started are counted from Docker's own `create`
 * events for that class during the herd (exact even if a container was created and removed again).
 * Boundary: every instance started here is destroyed again before the next one, so runs do not pile up.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import type { BenchContext } from "../lib/context.js";
import { type Target, trySend } from "../lib/http.js";
import { rotate, type Summary, summarize } from "../lib/stats.js";

const execFileP = promisify(execFile);

interface Variant {
  name: "floor" | "raw" | "moorage" | "raw+ready-loop" | "moorage+readyOn";
  path(id: string): string;
  destroy(id: string): string;
  gated: boolean;
}

const VARIANTS: Variant[] = [
  { name: "floor", path: (id) => `/floor/get/${id}/info`, destroy: (id) => `/floor/destroy/${id}`, gated: false },
  { name: "raw", path: (id) => `/raw/get/${id}/info`, destroy: (id) => `/raw/destroy/${id}`, gated: false },
  {
    name: "moorage",
    path: (id) => `/moo/get/plain/${id}/info`,
    destroy: (id) => `/moo/destroy/plain/${id}`,
    gated: false,
  },
  { name: "raw+ready-loop", path: (id) => `/raw/ready/${id}/info`, destroy: (id) => `/raw/destroy/${id}`, gated: true },
  {
    name: "moorage+readyOn",
    path: (id) => `/moo/get/gated/${id}/info`,
    destroy: (id) => `/moo/destroy/gated/${id}`,
    gated: true,
  },
];

export interface ColdRow {
  variant: string;
  /** Wall time to first byte of the first successful answer (ms). */
  ttfb: Summary;
  /** First byte minus the moment the app started listening (ms): what the start path adds after the port opened. */
  afterListening: Summary;
  /** Gated variants: first byte minus the app's own readiness (/ready turning 200). */
  afterAppReady?: Summary;
  /** Gated variants: /ready probes per second the app saw while warming up (first probe to readiness). */
  probesPerSecond?: Summary;
  errors: number;
  firstError?: string;
}

interface Info {
  startedAt: number;
  listeningAt: number;
  readyAt: number;
  probes?: { beforeReady: number; afterReady: number; firstAt: number };
}

/** Probes per second before readiness: how hard the gate hammers a warming app (undefined without probes). */
function probeRate(info: Info): number | undefined {
  const p = info.probes;
  if (!p?.firstAt || p.beforeReady === 0) return undefined;
  return p.beforeReady / (Math.max(1, info.readyAt - p.firstAt) / 1000);
}

export async function coldStarts(ctx: BenchContext, reps = 3): Promise<ColdRow[]> {
  const acc = new Map(
    VARIANTS.map((v) => [
      v.name,
      {
        ttfb: [] as number[],
        listen: [] as number[],
        ready: [] as number[],
        rate: [] as number[],
        errors: 0,
        firstError: undefined as string | undefined,
      },
    ]),
  );
  for (let i = 0; i < reps; i++) {
    for (const v of rotate(VARIANTS, i)) {
      if (Date.now() > ctx.deadline) break;
      const id = `cold-${v.name.replace(/[^a-z]/g, "")}-${i}`; // a new id (new Durable Object) every time
      const r = await trySend(ctx.worker, v.path(id), { timeoutMs: 60_000 });
      const a = acc.get(v.name);
      if (!a) continue;
      if (r.status === 200) {
        const info = JSON.parse(r.text ?? "{}") as Info;
        a.ttfb.push(r.ttfbMs);
        a.listen.push(r.headAt - info.listeningAt);
        if (v.gated) a.ready.push(r.headAt - info.readyAt);
        const rate = v.gated ? probeRate(info) : undefined;
        if (rate !== undefined) a.rate.push(rate);
      } else {
        a.errors++;
        a.firstError ??= `${r.status} ${r.error ?? r.text?.slice(0, 200)}`;
      }
      await trySend(ctx.worker, v.destroy(id), { method: "POST", timeoutMs: 30_000 });
    }
  }
  return VARIANTS.map((v) => {
    const a = acc.get(v.name);
    return {
      variant: v.name,
      ttfb: summarize(a?.ttfb ?? []),
      afterListening: summarize(a?.listen ?? []),
      ...(v.gated ? { afterAppReady: summarize(a?.ready ?? []), probesPerSecond: summarize(a?.rate ?? []) } : {}),
      errors: a?.errors ?? 0,
      ...(a?.firstError ? { firstError: a.firstError } : {}),
    };
  });
}

export interface HerdRow {
  path: string;
  concurrency: number;
  containersStarted: number;
  failures: number;
  firstFailure?: string;
  latency: Summary;
}

/** App containers (not sidecars) of `className` in Worker `workerName` that Docker created between two instants. */
async function createdBetween(sinceMs: number, untilMs: number, workerName: string, className: string) {
  const { stdout } = await execFileP(
    "docker",
    [
      "events",
      "--since",
      (sinceMs / 1000).toFixed(3),
      "--until",
      (untilMs / 1000).toFixed(3),
      "--filter",
      "type=container",
      "--filter",
      "event=create",
      "--format",
      "{{.Actor.Attributes.name}}",
    ],
    { env: process.env },
  );
  const names = stdout.split("\n").filter(Boolean);
  const needle = `-${workerName}-${className}-`.toLowerCase();
  return names.filter((n) => n.toLowerCase().includes(needle) && !n.endsWith("-proxy"));
}

export async function herd(ctx: BenchContext, workerName: string, concurrency = 50): Promise<HerdRow[]> {
  const paths: { name: string; target: Target; path: string; destroy: string; className: string }[] = [
    {
      name: "moorage",
      target: ctx.worker,
      path: "/moo/get/plain/herd/kib",
      destroy: "/moo/destroy/plain/herd",
      className: "PlainContainer",
    },
    { name: "raw", target: ctx.worker, path: "/raw/get/herd/kib", destroy: "/raw/destroy/herd", className: "RawBench" },
  ];
  const rows: HerdRow[] = [];
  for (const p of paths) {
    const since = Date.now() - 50;
    const results = await Promise.all(
      Array.from({ length: concurrency }, () => trySend(p.target, p.path, { timeoutMs: 60_000 })),
    );
    // Let late retries (if any) create their containers before counting.
    await new Promise((r) => setTimeout(r, 2000));
    const created = await createdBetween(since, Date.now(), workerName, p.className);
    const failed = results.filter((r) => r.status !== 200 || r.bytes !== 1024);
    rows.push({
      path: p.name,
      concurrency,
      containersStarted: created.length,
      failures: failed.length,
      ...(failed[0] ? { firstFailure: `${failed[0].status} ${failed[0].error ?? failed[0].text?.slice(0, 200)}` } : {}),
      latency: summarize(results.filter((r) => r.status === 200).map((r) => r.totalMs)),
    });
    await trySend(ctx.worker, p.destroy, { method: "POST", timeoutMs: 30_000 });
  }
  return rows;
}
