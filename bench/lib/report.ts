/**
 * Turns one run's results into the verdicts (targets met/missed) and the Markdown table in bench/results/latest.md.
 * Why separate: the targets are written down once, here, next to the rule each one uses, and the table shows the
 * rule with the number, so a missed target is visible, never hidden. Boundary: pure formatting.
 */

import type { AuthoringRow } from "../scenarios/authoring.js";
import type { BridgeRow } from "../scenarios/bridge.js";
import type { ColdRow, HerdRow } from "../scenarios/cold.js";
import type { PoolRow } from "../scenarios/pools.js";
import type { StreamRow } from "../scenarios/streaming.js";
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
  const a200 = r.authoring?.find((a) => a.containers === 200);
  out.push({
    name: "Authoring: generate + sync, 200 containers",
    rule: "< 1500 ms",
    value: a200 ? `${a200.totalMs} ms` : "n/a",
    met: a200 ? a200.totalMs < 1500 : undefined,
  });
  return out;
}

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
