/**
 * Scenario 8: container -> function round trips. Inside the `plain` container, `/bridge-bench` runs n sequential
 * `createContainerBridge().query("bench:echo", smallPayload)` calls in zero-config mode (MOORAGE_URL, identity from
 * the platform) and in token mode (APP_URL + bearer token, routed back into the Worker by outboundByHost), plus the
 * bare egress hop to a plain Worker route for reference (what reaching the Worker costs before any RPC).
 * Modes alternate in rounds after a warm-up. Boundary: measurement only.
 */
import type { BenchContext } from "../lib/context.js";
import { sendJson } from "../lib/http.js";
import { rotate, type Summary, summarize } from "../lib/stats.js";

export interface BridgeRow {
  mode: "zero-config" | "token" | "egress (no RPC)";
  latency: Summary;
  failures: number;
  firstError?: string;
}

interface Run {
  samples: number[];
  failures: number;
  firstError?: string;
}

const MODES = [
  { label: "zero-config" as const, query: "zero" },
  { label: "token" as const, query: "token" },
  { label: "egress (no RPC)" as const, query: "egress" },
];

export async function bridge(ctx: BenchContext, perRound = 100, rounds = 2): Promise<BridgeRow[]> {
  const at = (mode: string, n: number) => `/moo/get/plain/bridge/bridge-bench?n=${n}&mode=${mode}`;
  for (const m of MODES) await sendJson<Run>(ctx.worker, at(m.query, 20), { timeoutMs: 120_000 }); // warm-up
  const acc = new Map(
    MODES.map((m) => [m.label, { samples: [] as number[], failures: 0, firstError: undefined as string | undefined }]),
  );
  for (let r = 0; r < rounds && Date.now() < ctx.deadline; r++) {
    for (const m of rotate(MODES, r)) {
      const run = await sendJson<Run>(ctx.worker, at(m.query, perRound), { timeoutMs: 120_000 });
      const a = acc.get(m.label);
      if (!a) continue;
      a.samples.push(...run.samples);
      a.failures += run.failures;
      a.firstError ??= run.firstError;
    }
  }
  await sendJson(ctx.worker, "/moo/destroy/plain/bridge", { method: "POST" }).catch(() => undefined);
  return MODES.map((m) => {
    const a = acc.get(m.label) ?? { samples: [], failures: 0, firstError: undefined };
    return {
      mode: m.label,
      latency: summarize(a.samples),
      failures: a.failures,
      ...(a.firstError ? { firstError: a.firstError } : {}),
    };
  });
}
