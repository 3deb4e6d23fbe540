/**
 * Turns one run's results into the verdicts (targets met/missed) and the Markdown table in bench/results/latest.md.
 * Why separate: the targets are written down once, here, next to the rule each one uses, and the table shows the
 * rule with the number, so a missed target is visible, never hidden. Boundary: pure formatting.
 */

import type { AuthoringRow } from "../scenarios/authoring.js";
import type { BridgeRow } from "../scenarios/bridge.js";
import type { ColdRow, HerdRow } from "../scenarios/cold.js";
import type { HedgeRow } from "../scenarios/pool-hedge.js";
import { STEP_POOL, type StepResult, type WarmResult } from "../scenarios/pool-scaling.js";
import type { PoolRow } from "../scenarios/pools.js";
import type { StreamRow } from "../scenarios/streaming.js";
import type { TwoWorkersResult } from "../scenarios/two-workers.js";
import type { LatencyRow, ThroughputRow } from "../scenarios/warm.js";
import type { Machine } from "./machine.js";
import { median, ratio, type Summary } from "./stats.js";

export interface Results {
  machine: Machine;
  engine: { sidecar: string; dockerHost: string; wranglerReadySeconds: number };
  wallSeconds: number;
  warmLatency?: LatencyRow[];
  warmThroughput?: ThroughputRow[];
  streaming?: StreamRow[];
  coldStart?: ColdRow[];
  herd?: HerdRow[];
  pools?: PoolRow[];
  /** Issue 11: hedging against one slow instance of 4. */
  hedge?: HedgeRow[];
  /** Issue 11: step load 1 -> 16 clients on the `stepped` pool, against a fixed pool of 4. */
  poolStep?: StepResult;
  /** Issue 11: a `min: 2` pool's first request. */
  poolWarm?: WarmResult;
  /** Issue 11: two Workers on the `stepped` pool, each one's pool view against the coordinator's decision. */
  twoWorkers?: TwoWorkersResult;
  authoring?: AuthoringRow[];
  bridge?: BridgeRow[];
  /** The raw variant's hand-written /ready polling interval (ms), for the cold-start note. */
  rawReadyPollMs: number;
  scenarioSeconds: Record<string, number>;
  errors: Record<string, string>;
}

export interface Target {
  name: string;
  rule: string;
  value: string;
  met: boolean | undefined;
}

const fmt = (x: number | undefined, digits = 1) => (x === undefined || !Number.isFinite(x) ? "n/a" : x.toFixed(digits));

/** Per-run ratio a/b of one latency figure, for paths a and b (the runs of one bench run, in order). */
function runRatios(r: Results, a: string, b: string, pick: (x: Summary) => number): number[] {
  const ra = r.warmLatency?.find((x) => x.path === a)?.runs ?? [];
  const rb = r.warmLatency?.find((x) => x.path === b)?.runs ?? [];
  return ra.map((x, i) => ratio(pick(x), rb[i] ? pick(rb[i]) : Number.NaN)).filter(Number.isFinite);
}

const list = (xs: number[]) => xs.map((x) => fmt(x, 3)).join(", ");

export function targets(r: Results): Target[] {
  const out: Target[] = [];
  const thr = (p: string) => r.warmThroughput?.find((x) => x.path === p);
  const cold = (v: string) => r.coldStart?.find((c) => c.variant === v);

  const listen = cold("moorage")?.afterListening;
  out.push({
    name: "Cold path: app's port open -> first byte through Moorage (p50)",
    rule: "<= 25 ms",
    value: listen
      ? `${fmt(listen.p50, 0)} ms (floor ${fmt(cold("floor")?.afterListening.p50, 0)}, raw ${fmt(cold("raw")?.afterListening.p50, 0)})`
      : "n/a",
    met: listen && Number.isFinite(listen.p50) ? listen.p50 <= 25 : undefined,
  });
  const gated = cold("moorage+readyOn");
  const gate = gated?.afterAppReady;
  out.push({
    name: "readyOn gate: first byte after the app's own readiness (max of runs); probe rate the app sees",
    rule: "<= 50 ms",
    value: gate
      ? `${fmt(gate.max, 0)} ms (p50 ${fmt(gate.p50, 0)}); ${fmt(gated?.probesPerSecond?.p50, 1)} probes/s`
      : "n/a",
    met: gate && Number.isFinite(gate.max) ? gate.max <= 50 : undefined,
  });
  const coldRatio = ratio(cold("moorage")?.ttfb.p50 ?? Number.NaN, cold("floor")?.ttfb.p50 ?? Number.NaN);
  out.push({
    name: "Cold start end to end, new id: Moorage / floor (p50)",
    rule: "<= 1.05",
    value: `${fmt(coldRatio, 3)} (${fmt(cold("moorage")?.ttfb.p50, 0)} vs ${fmt(cold("floor")?.ttfb.p50, 0)} ms; raw ${fmt(ratio(cold("raw")?.ttfb.p50 ?? Number.NaN, cold("floor")?.ttfb.p50 ?? Number.NaN), 3)})`,
    met: Number.isFinite(coldRatio) ? coldRatio <= 1.05 : undefined,
  });
  const p50s = runRatios(r, "moorage", "floor", (x) => x.p50);
  const p50 = median(p50s);
  out.push({
    name: "Warm p50, Moorage / floor (median of the runs' ratios)",
    rule: "<= 1.02",
    value: `${fmt(p50, 3)} (runs: ${list(p50s)}; raw / floor ${fmt(median(runRatios(r, "raw", "floor", (x) => x.p50)), 3)})`,
    met: Number.isFinite(p50) ? p50 <= 1.02 : undefined,
  });
  const p99s = runRatios(r, "moorage", "raw", (x) => x.p99);
  const p99 = median(p99s);
  out.push({
    name: "Warm p99, Moorage / raw (median of the runs' ratios)",
    rule: "<= 1.00 (no worse than raw)",
    value: `${fmt(p99, 3)} (runs: ${list(p99s)})`,
    met: Number.isFinite(p99) ? p99 <= 1 : undefined,
  });
  const tp = ratio(thr("moorage")?.rps ?? Number.NaN, thr("floor")?.rps ?? Number.NaN);
  out.push({
    name: "Warm throughput, 16 clients: Moorage / floor",
    rule: ">= 0.98",
    value: `${fmt(tp, 3)} (${fmt(thr("moorage")?.rps)} vs ${fmt(thr("floor")?.rps)} req/s; raw / floor ${fmt(ratio(thr("raw")?.rps ?? Number.NaN, thr("floor")?.rps ?? Number.NaN), 3)})`,
    met: Number.isFinite(tp) ? tp >= 0.98 : undefined,
  });
  const herd = r.herd?.find((h) => h.path === "moorage");
  out.push({
    name: "Thundering herd (Moorage): containers started / failures",
    rule: "exactly 1 / 0",
    value: herd ? `${herd.containersStarted} / ${herd.failures}` : "n/a",
    met: herd ? herd.containersStarted === 1 && herd.failures === 0 : undefined,
  });
  const slow = (p: string) => r.pools?.find((x) => x.mode === "slow" && x.path === p)?.latency.p99;
  const pool = ratio(slow("moorage pool()") ?? Number.NaN, slow("raw getRandom") ?? Number.NaN);
  out.push({
    name: "Pool with one slow instance: pool() p99 / getRandom p99",
    rule: "<= 1.05 (no worse, 5% noise band)",
    value: `${fmt(pool, 3)} (${fmt(slow("moorage pool()"))} vs ${fmt(slow("raw getRandom"))} ms)`,
    met: Number.isFinite(pool) ? pool <= 1.05 : undefined,
  });
  out.push(...poolTargets(r));
  const a200 = r.authoring?.find((a) => a.containers === 200);
  out.push({
    name: "Authoring: generate + sync, 200 containers",
    rule: "< 1500 ms",
    value: a200 ? `${a200.totalMs} ms` : "n/a",
    met: a200 ? a200.totalMs < 1500 : undefined,
  });
  return out;
}

/** Issue 11's targets: hedging, the step load, the warm pool, the global view. */
function poolTargets(r: Results): Target[] {
  const out: Target[] = [];
  const hedge = (p: string) => r.hedge?.find((x) => x.path === p);
  const hedged = hedge("moorage pool({ hedge })");
  const raw = hedge("raw getRandom");
  const hr = ratio(hedged?.latency.p99 ?? Number.NaN, raw?.latency.p99 ?? Number.NaN);
  out.push({
    name: "Hedging, one slow instance (200 ms) of 4: pool({ hedge }) p99 / getRandom p99; hedges sent per request",
    rule: "<= 0.3; <= 10% extra",
    value: hedged
      ? `${fmt(hr, 3)} (${fmt(hedged.latency.p99)} vs ${fmt(raw?.latency.p99)} ms; pool() ${fmt(hedge("moorage pool()")?.latency.p99)}; with no slow instance at all, pool() ${fmt(hedge("moorage pool(), no slow instance")?.latency.p99)}, ${fmt(ratio(hedge("moorage pool(), no slow instance")?.latency.p99 ?? Number.NaN, raw?.latency.p99 ?? Number.NaN), 3)}x); ${fmt(hedged.extraRate * 100, 1)}% (${hedged.hedges} of ${hedged.requests})`
      : "n/a",
    met: hedged && Number.isFinite(hr) ? hr <= 0.3 && hedged.extraRate <= 0.1 : undefined,
  });
  const st = r.poolStep;
  out.push({
    name: `Step load 1 -> 16 clients, ${STEP_POOL.max} max, target ${STEP_POOL.target}: coordinator at ${STEP_POOL.max} desired and running, after the step`,
    rule: "<= 5 s",
    value: st
      ? st.reachedMaxAfterMs !== undefined
        ? `${fmt(st.reachedMaxAfterMs / 1000, 1)} s (answers from ${STEP_POOL.max} instances after ${fmt((st.answeredByMaxAfterMs ?? Number.NaN) / 1000, 1)} s)`
        : `not within the ${fmt(st.stepMs / 1000, 0)} s step (peak desired ${Math.max(0, ...st.timeline.map((x) => x.desired))}, running ${Math.max(0, ...st.timeline.map((x) => x.running))})`
      : "n/a",
    met: st ? st.reachedMaxAfterMs !== undefined && st.reachedMaxAfterMs <= 5_000 : undefined,
  });
  const sr = ratio(st?.step.latency.p99 ?? Number.NaN, st?.fixed.latency.p99 ?? Number.NaN);
  out.push({
    name: "Step load: p99 during the step / a fixed pool of 4 warmed in advance (same 16 clients, 50 ms handler)",
    rule: "<= 1.5",
    value: st
      ? `${fmt(sr, 3)} (${fmt(st.step.latency.p99)} vs ${fmt(st.fixed.latency.p99)} ms; errors ${st.step.errors} / ${st.fixed.errors})`
      : "n/a",
    met: st && Number.isFinite(sr) ? sr <= 1.5 && st.step.errors === 0 : undefined,
  });
  const peaks = st?.peaks.map((p) => p.peak).filter((p): p is number => p !== undefined) ?? [];
  out.push({
    name: "Step load: most requests in flight at one instance, as the app counts",
    rule: `<= limit (${STEP_POOL.limit})`,
    value: st
      ? `${peaks.length ? Math.max(...peaks) : "n/a"} (per instance ${st.peaks.map((p) => p.peak ?? "?").join(", ")}; ${st.step.busyMoved} responses moved by busy)`
      : "n/a",
    met: st && peaks.length === st.peaks.length ? Math.max(...peaks) <= STEP_POOL.limit : undefined,
  });
  const bound = STEP_POOL.sleepAfterMs + STEP_POOL.windowMs;
  out.push({
    name: "Step load: back to min (desired 1, 1 running) after the load stops",
    rule: `<= sleepAfter + window (${bound / 1000} s)`,
    value: st
      ? st.backToMinAfterMs !== undefined
        ? `${fmt(st.backToMinAfterMs / 1000, 1)} s`
        : `not within ${(bound + 30_000) / 1000} s`
      : "n/a",
    met: st ? st.backToMinAfterMs !== undefined && st.backToMinAfterMs <= bound : undefined,
  });
  const w = r.poolWarm;
  out.push({
    name: "Pool with min 2, no traffic: containers running before the first request; its cold start",
    rule: "2 running; no moorage-cold-start-ms",
    value: w
      ? `${w.runningBefore} running (${fmt((w.warmedAfterMs ?? Number.NaN) / 1000, 1)} s after one coordinator read); first request ${w.firstStatus} in ${fmt(w.firstMs)} ms, ${w.firstColdStartMs === undefined ? "no cold start" : `cold start ${w.firstColdStartMs} ms`}`
      : "n/a",
    met: w ? w.runningBefore === 2 && w.firstStatus === 200 && w.firstColdStartMs === undefined : undefined,
  });
  const tw = r.twoWorkers;
  out.push({
    name: "Two Workers on one pool see the same scaling decision: the desired count each Worker's pool view holds",
    rule: "both equal to the coordinator's in every sample but within 2 s of a change (1 s cache); decision above min",
    value: tw
      ? `equal in ${tw.agreed} of ${tw.compared} samples (${tw.compared - tw.agreed - tw.unexplained} within 2 s of a change, ${tw.unexplained} not); peak desired ${tw.peakDesired}; the second Worker (2 clients, its own decision ${maxOf(tw.samples.map((x) => x.second?.local))}) routed to more instances than its own load asked in ${tw.secondFollowedGlobal} of ${tw.samples.length} samples, answered by ${Object.keys(tw.second.byInstance).length} instances`
      : "n/a",
    met: tw ? tw.compared > 0 && tw.unexplained === 0 && tw.peakDesired > 1 : undefined,
  });
  return out;
}

const maxOf = (xs: (number | undefined)[]) => Math.max(0, ...xs.filter((x): x is number => x !== undefined));

const verdict = (m: boolean | undefined) => (m === undefined ? "not measured" : m ? "**met**" : "**MISSED**");

function table(head: string[], rows: (string | number)[][]): string {
  return [
    `| ${head.join(" | ")} |`,
    `| ${head.map(() => "---").join(" | ")} |`,
    ...rows.map((r) => `| ${r.join(" | ")} |`),
  ].join("\n");
}

export function markdown(r: Results): string {
  const m = r.machine;
  const s: string[] = [];
  s.push(`# Moorage benchmark: ${m.date.slice(0, 10)}`);
  s.push("");
  s.push(
    `Machine: ${m.nproc} cores (${m.cpuModel}), ${Math.round(m.memoryMiB / 1024)} GiB, ${m.os}, kernel ${m.kernel}. ` +
      `Node ${m.node}, wrangler ${m.wrangler}, workerd ${m.workerd}, Docker ${m.docker}, moorage ${m.moorage}, ` +
      `sidecar: ${r.engine.sidecar}. Run: ${m.date}, ${r.wallSeconds.toFixed(0)} s wall (wrangler dev ready in ` +
      `${r.engine.wranglerReadySeconds.toFixed(0)} s). Loopback only; all paths alternate within one run. ` +
      "Times in ms. Absolute figures are noisy on a shared 2-core machine: read the ratios.",
  );
  s.push("");
  s.push("## Targets");
  s.push("");
  s.push(
    table(
      ["target", "rule", "measured", "verdict"],
      targets(r).map((t) => [t.name, t.rule, t.value, verdict(t.met)]),
    ),
  );
  if (r.warmLatency) {
    const lat = (p: string) => r.warmLatency?.find((x) => x.path === p);
    const nRuns = Math.max(0, ...r.warmLatency.map((x) => x.runs.length));
    s.push("", `## 1. Warm latency, sequential, 1 KiB (${nRuns} runs, all samples pooled)`, "");
    s.push(
      table(
        ["path", "n", "p50", "p90", "p99", "max", "p50 per run", "p99 per run", "errors"],
        r.warmLatency.map((x) => [
          x.path,
          x.n,
          x.p50,
          x.p90,
          x.p99,
          x.max,
          x.runs.map((u) => u.p50).join(", "),
          x.runs.map((u) => u.p99).join(", "),
          x.errors ? `${x.errors} (${x.firstError})` : 0,
        ]),
      ),
    );
    const p50 = (p: string) => lat(p)?.p50 ?? Number.NaN;
    const [floor, moo, raw, tun, pw] = [p50("floor"), p50("moorage"), p50("raw"), p50("tunnel"), p50("plain-worker")];
    const mdo = p50("moorage-do");
    s.push(
      "",
      `Ratios (pooled p50): Moorage/floor ${fmt(ratio(moo, floor), 3)}, raw/floor ${fmt(ratio(raw, floor), 3)}, ` +
        `Moorage/raw ${fmt(ratio(moo, raw), 3)}; per run, Moorage/floor ${list(runRatios(r, "moorage", "floor", (x) => x.p50))}.`,
      "",
      `Where the time goes (pooled p50): the Worker's own cost (plain route: bench client, wrangler's entry, workerd) ` +
        `${fmt(pw, 2)} ms; the container hop at its least (floor - plain: Durable Object hop, workerd's container client, ` +
        `sidecar CONNECT, app) ${fmt(floor - pw, 2)} ms, of which the sidecar + app seen from outside with a fresh CONNECT ` +
        `per request (tunnel) take ${fmt(tun, 2)} ms; Moorage's layer over the floor ${fmt(moo - floor, 2)} ms, of which ` +
        `its Durable Object (moorage-do - floor) ${fmt(mdo - floor, 2)} ms and its client in the Worker (moorage - ` +
        `moorage-do) ${fmt(moo - mdo, 2)} ms; raw's layer over the floor ${fmt(raw - floor, 2)} ms.`,
    );
  }
  if (r.warmThroughput) {
    s.push("", "## 2. Warm throughput, 16 concurrent clients", "");
    s.push(
      table(
        ["path", "seconds", "requests", "req/s", "p50", "p90", "p99", "max", "errors"],
        r.warmThroughput.map((x) => [
          x.path,
          x.seconds,
          x.requests,
          x.rps,
          x.latency.p50,
          x.latency.p90,
          x.latency.p99,
          x.latency.max,
          x.errors ? `${x.errors} (${x.firstError})` : 0,
        ]),
      ),
    );
  }
  if (r.streaming) {
    s.push("", "## 3. Streaming, 16 MiB", "");
    s.push(
      table(
        ["path", "direction", "p50 ms", "max ms", "MiB/s (p50)", "peak workerd RSS growth (MiB)", "errors"],
        r.streaming.map((x) => [
          x.path,
          x.direction,
          x.ms.p50,
          x.ms.max,
          x.mibPerSecond,
          x.path === "tunnel" ? "- (bypasses workerd)" : fmt(x.peakWorkerRssDeltaMiB),
          x.errors ? `${x.errors} (${x.firstError})` : 0,
        ]),
      ),
    );
  }
  if (r.coldStart) {
    s.push("", "## 4. Cold start (new id, time to first byte)", "");
    s.push(
      table(
        [
          "variant",
          "n",
          "p50",
          "max",
          "port open -> first byte, p50 / max",
          "app's own /ready -> first byte, p50 / max",
          "/ready probes/s seen by the app, p50",
          "errors",
        ],
        r.coldStart.map((x) => [
          x.variant,
          x.ttfb.n,
          x.ttfb.p50,
          x.ttfb.max,
          `${x.afterListening.p50} / ${x.afterListening.max}`,
          x.afterAppReady ? `${x.afterAppReady.p50} / ${x.afterAppReady.max}` : "-",
          x.probesPerSecond ? fmt(x.probesPerSecond.p50, 1) : "-",
          x.errors ? `${x.errors} (${x.firstError})` : 0,
        ]),
      ),
      "",
      `The app's /ready turns 200 1000 ms after it starts. The floor polls its port every 10 ms; Moorage's readyOn ` +
        `probes at its own pace (the rate column is what the app saw); raw+ready-loop is the polling loop a raw user ` +
        `writes, every ${r.rawReadyPollMs} ms.`,
    );
  }
  if (r.herd) {
    s.push("", "## 5. Thundering herd: 50 concurrent first requests to one cold id", "");
    s.push(
      table(
        ["path", "containers started", "failures", "p50", "p99", "max"],
        r.herd.map((x) => [
          x.path,
          x.containersStarted,
          x.failures ? `${x.failures} (${x.firstFailure})` : 0,
          x.latency.p50,
          x.latency.p99,
          x.latency.max,
        ]),
      ),
    );
  }
  if (r.pools) {
    s.push("", "## 6. Pools of 4 with one bad instance (8 concurrent)", "");
    s.push(
      table(
        ["bad instance", "path", "requests", "error rate", "p50", "p90", "p99", "max"],
        r.pools.map((x) => [
          x.mode === "slow" ? "slow (200 ms)" : "failing (500)",
          x.path,
          x.requests,
          x.errorRate,
          x.latency.p50,
          x.latency.p90,
          x.latency.p99,
          x.latency.max,
        ]),
      ),
    );
  }
  if (r.hedge || r.poolStep || r.poolWarm || r.twoWorkers) s.push("", "## 9. Pools that scale (issue 11)");
  if (r.hedge) {
    s.push(
      "",
      "Hedging: a pool of 4 with one slow instance (200 ms), 8 concurrent, rotated chunks; in the same rotation, pool() " +
        "on the `fixed` pool of 4 with no slow instance (the floor any routing or hedging can reach on this machine at 8 " +
        "clients). Answered by: answers per pool index 0-3 (in the `pooled` pool, instance 0 is the slow one).",
      "",
    );
    s.push(
      table(
        [
          "path",
          "requests",
          "errors",
          "p50",
          "p90",
          "p99",
          "max",
          "req/s",
          "answered by 0/1/2/3",
          "hedges sent (share)",
        ],
        r.hedge.map((x) => [
          x.path,
          x.requests,
          x.errors,
          x.latency.p50,
          x.latency.p90,
          x.latency.p99,
          x.latency.max,
          fmt(x.rps),
          x.byInstance && Object.keys(x.byInstance).length > 0
            ? [0, 1, 2, 3].map((i) => x.byInstance[String(i)] ?? 0).join("/")
            : "-",
          x.path.includes("hedge") ? `${x.hedges} (${fmt(x.extraRate * 100, 1)}%)` : "-",
        ]),
      ),
    );
  }
  if (r.poolStep) {
    const st = r.poolStep;
    s.push(
      "",
      `Step load: 16 clients on a 50 ms handler for ${fmt(st.stepMs / 1000, 0)} s, the fixed pool of 4 (warmed) first, then the ` +
        `stepped pool (target ${STEP_POOL.target}, min ${STEP_POOL.min}, max ${STEP_POOL.max}, limit ${STEP_POOL.limit}, ` +
        `sleepAfter ${STEP_POOL.sleepAfterMs / 1000} s, window ${STEP_POOL.windowMs / 1000} s) from 1 client to 16.`,
      "",
    );
    s.push(
      table(
        [
          "pool",
          "requests",
          "errors",
          "p50",
          "p90",
          "p99",
          "max",
          "instances answering",
          "moved by busy",
          "held for a slot",
          "waited for a start",
        ],
        [
          ["fixed 4", st.fixed],
          ["stepped 1 -> 4", st.step],
        ].map(([name, x]) => {
          const l = x as StepResult["step"];
          return [
            name as string,
            l.requests,
            l.errors ? `${l.errors} (${l.firstError})` : 0,
            l.latency.p50,
            l.latency.p90,
            l.latency.p99,
            l.latency.max,
            l.instances,
            l.busyMoved,
            l.held ?? "-",
            l.coldStarted ?? "-",
          ];
        }),
      ),
    );
    const split = (x: StepResult["step"]) =>
      x.early && x.late
        ? `first 5 s p99 ${fmt(x.early.p99)} ms (n ${x.early.n}), after ${fmt(x.late.p99)} ms (n ${x.late.n})`
        : "n/a";
    s.push("", `Where the tail is: fixed 4 ${split(st.fixed)}; stepped ${split(st.step)}.`);
    // The decision over time, one sample per second (desired / running / in flight, P = panic).
    const perSecond = new Map<number, (typeof st.timeline)[number]>();
    for (const x of st.timeline) if (!perSecond.has(Math.floor(x.t / 1000))) perSecond.set(Math.floor(x.t / 1000), x);
    s.push(
      "",
      `Coordinator's decision from the step on, once a second (t s: desired/running/serving/in flight/of those held in the client, P = panic): ${[
        ...perSecond.values(),
      ]
        .map(
          (x) =>
            `${fmt(x.t / 1000, 1)}: ${x.desired}/${x.running}/${x.serving ?? "?"}/${x.inflight}/${x.held ?? 0}${x.panic ? " P" : ""}`,
        )
        .join("; ")}.`,
    );
  }
  if (r.twoWorkers) {
    const tw = r.twoWorkers;
    const v = (x: TwoWorkersResult["samples"][number]["primary"]) =>
      x ? `${x.global?.desired ?? "-"}/${x.local}/${x.active}` : "?";
    s.push(
      "",
      `Two Workers on the \`stepped\` pool for ${fmt(tw.loadMs / 1000, 0)} s: 12 clients through the primary Worker, 2 through ` +
        "a second Worker bound to the same namespace (`script_name`), in one `wrangler dev` session.",
      "",
    );
    s.push(
      table(
        ["Worker", "requests", "errors", "p50", "p99", "answered by 0/1/2/3"],
        [
          ["primary", tw.primary],
          ["second", tw.second],
        ].map(([name, x]) => {
          const l = x as TwoWorkersResult["primary"];
          return [
            name as string,
            l.requests,
            l.errors ? `${l.errors} (${l.firstError})` : 0,
            l.latency.p50,
            l.latency.p99,
            [0, 1, 2, 3].map((i) => l.byInstance[String(i)] ?? 0).join("/"),
          ];
        }),
      ),
    );
    s.push(
      "",
      `Every 0.5 s (t s: coordinator desired/running | primary's view global desired/own/routes to | second's view the same): ${tw.samples
        .map(
          (x) =>
            `${fmt(x.t / 1000, 1)}: ${x.coordinator ? `${x.coordinator.desired}/${x.coordinator.running}` : "?"} | ${v(x.primary)} | ${v(x.second)}`,
        )
        .join("; ")}.`,
    );
  }
  if (r.poolWarm) {
    const w = r.poolWarm;
    s.push(
      "",
      `Warm min: the \`warmed\` pool (min 2) had no request; one \`poolState()\` read woke its coordinator; ` +
        `${w.runningBefore} containers were running ${fmt((w.warmedAfterMs ?? Number.NaN) / 1000, 1)} s later; the first ` +
        `request answered ${w.firstStatus} in ${fmt(w.firstMs)} ms, ${w.firstColdStartMs === undefined ? "without `moorage-cold-start-ms`" : `with moorage-cold-start-ms ${w.firstColdStartMs}`}.`,
    );
  }
  if (r.authoring) {
    s.push("", "## 7. Authoring: `moorage generate && moorage sync` (built CLI, fresh project each run)", "");
    s.push(
      table(
        ["containers", "total (median)", "generate", "sync", "runs"],
        r.authoring.map((x) => [x.containers, x.totalMs, x.generateMs, x.syncMs, x.runs.join(", ")]),
      ),
    );
  }
  if (r.bridge) {
    s.push(
      "",
      "## 8. Bridge: container -> function round trip (`query`, small payload), sequential, from inside the container",
      "",
    );
    s.push(
      table(
        ["mode", "n", "p50", "p90", "p99", "max", "failures"],
        r.bridge.map((x) => [
          x.mode,
          x.latency.n,
          x.latency.p50,
          x.latency.p90,
          x.latency.p99,
          x.latency.max,
          x.failures ? `${x.failures} (${x.firstError})` : 0,
        ]),
      ),
    );
  }
  if (Object.keys(r.errors).length > 0) {
    s.push("", "## Scenario errors", "");
    for (const [k, v] of Object.entries(r.errors)) s.push(`- ${k}: ${v.split("\n")[0]}`);
  }
  s.push(
    "",
    `Scenario wall times (s): ${Object.entries(r.scenarioSeconds)
      .map(([k, v]) => `${k} ${v.toFixed(1)}`)
      .join(", ")}.`,
    "",
  );
  return s.join("\n");
}
