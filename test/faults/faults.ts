/**
 * The fault matrix of issue 10 §4: what each fault is, how it is injected, and how its row is judged.
 *
 * Every fault gets its own instance id (the fixture app's misbehaviour is chosen by the id, see
 * bench/faults/fixture/container/server.mjs), steady traffic from the prober while it happens, then a row:
 * requests sent, succeeded, failed with a directed error, lost, executed more than once, container starts and
 * overlapping (duplicate) starts. A row passes when nothing was lost, nothing ran twice and no start overlapped
 * another; the herd also needs exactly one start and every request answered.
 * Boundary: injection touches only this session's containers (by the id Docker reported for them) and the temp
 * copy of the fixture; nothing here restarts or reconfigures the shared engine.
 */
import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import type { AppFollower } from "./follower.js";
import { type Judged, judge, type Probe, probe, type TrafficPlan, traffic } from "./prober.js";

const execFileP = promisify(execFile);

export interface FaultContext {
  /** wrangler dev's port. */
  port: number;
  follower: AppFollower;
  /** The temp copy of the fixture that wrangler dev serves (the reload fault edits it). */
  fixtureDir: string;
  log: (line: string) => void;
  /** Run tag: keys and ids stay unique across runs that share an engine. */
  tag: string;
}

export interface Fault {
  id: string;
  title: string;
  container: "app" | "gated";
  /** Instance id prefix (picks the app's behaviour); the run tag is appended. */
  prefix: string;
  /** The instance serves again within the client's retry budget, so a request a retry was allowed for must not fail. */
  recovers: boolean;
  /** What a user should see, in one line (shown in the table). */
  expected: string;
  /** The row also needs the instance serving again by the end of the traffic. */
  mustServeAtEnd?: boolean;
  /**
   * What the local engine cannot do here, and why (shown with the row). A row with a limit is judged on what
   * Moorage controls: nothing run twice, no overlapping start, every failure directed within its budget.
   */
  limit?: string;
  /** Start the instance (and wait for it to serve) before the traffic. */
  warm: boolean;
  plan: Omit<TrafficPlan, "base" | "instance">;
  /** When, after the traffic began, to inject (ms). */
  injectAtMs?: number;
  inject?(ctx: FaultContext, instance: string): Promise<string>;
  /** Instead of `plan`: a custom burst (the herd). */
  burst?(ctx: FaultContext, base: string, instance: string, plan: TrafficPlan): Promise<Probe[]>;
}

/**
 * Why a lost sidecar cannot be recovered under wrangler dev: workerd creates a container's networking sidecar once
 * per ContainerClient (container-client.c++ `ensureSidecarStarted`) and only resets that at the client's creation
 * (`status()`); the client outlives object resets while `setInactivityTimeout` holds it. So every later start talks
 * to the dead sidecar until wrangler dev restarts. Production has no sidecar.
 */
export const SIDECAR_LIMIT =
  "workerd reuses a container's networking sidecar for the life of its ContainerClient and never recreates a dead " +
  "one (container-client.c++ ensureSidecarStarted); starts fail until wrangler dev restarts. Production has no sidecar.";

export interface FaultRow {
  id: string;
  title: string;
  expected: string;
  instance: string;
  injected: string;
  sent: number;
  succeeded: number;
  failedDirected: number;
  lost: number;
  executedTwice: number;
  starts: number;
  duplicateStarts: number;
  /** Directed failures by code. */
  codes: Record<string, number>;
  /** Slowest directed failure (ms): within the fault's budget by construction, shown so the budget can be read. */
  slowestFailureMs: number;
  budgetMs: number;
  /** Up to three lost requests, described. */
  lostExamples: string[];
  /** The last few requests (by send time) all succeeded: the instance serves again after the fault. */
  servingAtEnd: boolean;
  pass: boolean;
  /** Why the row could not run, if it could not. */
  error?: string;
  /** Why the row was not run at all (printed, never silent). */
  skipped?: string;
  /** The fault's local-engine limit (`Fault.limit`), when it has one. */
  limit?: string;
}

/** A row with nothing counted yet. */
export function emptyRow(fault: Fault, instance: string, injected: string): FaultRow {
  return {
    id: fault.id,
    title: fault.title,
    expected: fault.expected,
    instance,
    injected,
    sent: 0,
    succeeded: 0,
    failedDirected: 0,
    lost: 0,
    executedTwice: 0,
    starts: 0,
    duplicateStarts: 0,
    codes: {},
    slowestFailureMs: 0,
    budgetMs: fault.plan.budgetMs,
    lostExamples: [],
    servingAtEnd: false,
    pass: false,
    ...(fault.limit ? { limit: fault.limit } : {}),
  };
}

const docker = (args: string[]) => execFileP("docker", args, { env: process.env });

async function liveContainer(ctx: FaultContext, instance: string) {
  await ctx.follower.until(
    `a running container of ${instance}`,
    () => ctx.follower.live(instance) !== undefined,
    20_000,
  );
  return ctx.follower.live(instance) as NonNullable<ReturnType<AppFollower["live"]>>;
}

const signalApp = (signal: "KILL" | "TERM") => async (ctx: FaultContext, instance: string) => {
  const c = await liveContainer(ctx, instance);
  await docker(["kill", "-s", signal, c.id]);
  return `docker kill -s ${signal} on the app container (${c.id.slice(0, 12)})`;
};

const STEADY = { get: 2, post: 2 } as const;

export const FAULTS: Fault[] = [
  {
    id: "kill-mid-request",
    title: "container SIGKILLed mid-request",
    container: "app",
    prefix: "kill-req",
    recovers: true,
    expected: "GETs retried and answered; POSTs that reached the app fail `connection-lost`, never re-sent",
    warm: true,
    plan: { durationMs: 6000, loops: STEADY, workMs: 300, budgetMs: 20_000 },
    injectAtMs: 1500,
    inject: signalApp("KILL"),
  },
  {
    id: "kill-mid-stream",
    title: "container SIGKILLed mid-stream",
    container: "app",
    prefix: "kill-stream",
    recovers: true,
    expected: "a started stream ends with an explicit error (never a silently short body); later requests served",
    warm: true,
    plan: { durationMs: 6000, loops: { stream: 2, post: 1 }, workMs: 100, budgetMs: 20_000 },
    injectAtMs: 1500,
    inject: signalApp("KILL"),
  },
  {
    id: "exit-during-start",
    title: "app exits non-zero during start",
    container: "app",
    prefix: "exit",
    recovers: false,
    expected: "every request fails `start-failed` naming the exit code, within the start budget; no request runs",
    warm: false,
    plan: { durationMs: 5000, loops: { get: 1, post: 1 }, workMs: 0, budgetMs: 30_000, maxPerLoop: 4 },
  },
  {
    id: "port-never-opens",
    title: "port never opens",
    container: "app",
    prefix: "deaf",
    recovers: false,
    expected: "requests fail with a directed error naming the port once the port budget is spent; no request runs",
    warm: false,
    plan: { durationMs: 1000, loops: { get: 1, post: 1 }, workMs: 0, budgetMs: 90_000, maxPerLoop: 1 },
  },
  {
    id: "readyon-never-passes",
    title: "readyOn never passes",
    container: "gated",
    prefix: "never",
    recovers: false,
    expected: "requests fail `not-ready` (naming the probe) after the 3 s readyTimeout; no request reaches the app",
    warm: false,
    plan: { durationMs: 4000, loops: { get: 1, post: 1 }, workMs: 0, budgetMs: 15_000, maxPerLoop: 3 },
  },
  {
    id: "boot-over-budget",
    title: "boot slower than its budget (ready after 6 s, readyTimeout 3 s)",
    container: "gated",
    prefix: "late",
    recovers: false,
    expected: "early requests fail `not-ready` within the budget; once the app is ready, requests are served",
    warm: false,
    plan: { durationMs: 12_000, loops: { get: 1, post: 1 }, workMs: 0, budgetMs: 15_000, maxPerLoop: 20 },
  },
  {
    id: "sidecar-killed",
    title: "networking sidecar killed",
    container: "app",
    prefix: "sidecar",
    recovers: false,
    limit: SIDECAR_LIMIT,
    expected:
      "the run that lost its network is declared unreachable after the stop grace period and replaced; every " +
      "failure directed, no POST runs twice",
    warm: true,
    plan: { durationMs: 8000, loops: STEADY, workMs: 100, budgetMs: 20_000 },
    injectAtMs: 1500,
    inject: async (ctx, instance) => {
      const c = await liveContainer(ctx, instance);
      await docker(["kill", "-s", "KILL", `${c.name.replace(/^\//, "")}-proxy`]);
      return `docker kill -s KILL on the sidecar (${c.name.replace(/^\//, "")}-proxy)`;
    },
  },
  {
    id: "rollout-sigterm",
    title: "rollout-style SIGTERM with a grace period (app drains, exits 0 within 2 s)",
    container: "app",
    prefix: "rollout",
    recovers: true,
    expected: "in-flight requests finish; new ones reach a new container; nothing lost, nothing runs twice",
    warm: true,
    plan: { durationMs: 7000, loops: STEADY, workMs: 300, budgetMs: 20_000 },
    injectAtMs: 1500,
    inject: signalApp("TERM"),
  },
  {
    id: "herd-50",
    title: "50 concurrent first requests to one id (25 GET + 25 POST)",
    container: "app",
    prefix: "herd",
    recovers: true,
    expected: "exactly one container starts; all 50 answered; every POST runs once",
    warm: false,
    plan: { durationMs: 0, loops: {}, workMs: 50, budgetMs: 30_000 },
    burst: (ctx, _base, _instance, plan) =>
      Promise.all(
        Array.from({ length: 50 }, (_, i) => probe(ctx.port, i % 2 ? "post" : "get", plan, `${plan.instance}-h${i}`)),
      ),
  },
  {
    id: "object-reset",
    title: "Durable Object reset (code reload) with requests in flight",
    container: "app",
    prefix: "reset",
    recovers: true,
    expected: "the running container is re-attached, not started again; GETs answered, no POST runs twice",
    warm: true,
    plan: { durationMs: 8000, loops: STEADY, workMs: 300, budgetMs: 20_000 },
    injectAtMs: 1500,
    inject: async (ctx) => {
      writeFileSync(
        join(ctx.fixtureDir, "src", "reload.ts"),
        `// Rewritten by the fault matrix's object-reset fault.\nexport const RELOAD = ${Date.now()};\n`,
      );
      return "rewrote src/reload.ts under wrangler dev (code reload resets every Durable Object)";
    },
  },
];

export async function runFault(ctx: FaultContext, fault: Fault): Promise<FaultRow> {
  const instance = `${fault.prefix}-${ctx.tag}`;
  const base = `/c/${fault.container}/${encodeURIComponent(instance)}`;
  const plan: TrafficPlan = { ...fault.plan, base, instance };
  const row = emptyRow(fault, instance, fault.inject ? "" : "(the app's own behaviour)");
  if (fault.warm) {
    const first = await probe(ctx.port, "get", plan, `${instance}-warmup`);
    if (first.status !== 200) throw new Error(`warm-up of ${instance} answered ${first.status}: ${first.error}`);
  }
  const startsBefore = ctx.follower.of(instance).length;
  const injection = fault.inject
    ? (async () => {
        await new Promise((r) => setTimeout(r, fault.injectAtMs ?? 0));
        row.injected = (await fault.inject?.(ctx, instance)) ?? "";
        ctx.log(`  ${fault.id}: injected: ${row.injected}`);
      })()
    : Promise.resolve();
  const [probes] = await Promise.all([
    fault.burst ? fault.burst(ctx, base, instance, plan) : traffic(ctx.port, plan, instance),
    injection,
  ]);
  // The app writes before it answers, but `docker logs` delivers a moment later: let the record catch up.
  await new Promise((r) => setTimeout(r, 1500));
  const judged: Judged[] = probes.map((p) => judge(p, ctx.follower.executionsOf(p.key), fault.recovers));
  row.sent = judged.length;
  for (const j of judged) {
    if (j.verdict === "ok") row.succeeded++;
    else if (j.verdict === "directed") {
      row.failedDirected++;
      row.codes[j.code ?? "?"] = (row.codes[j.code ?? "?"] ?? 0) + 1;
      row.slowestFailureMs = Math.max(row.slowestFailureMs, Math.round(j.ms));
    } else {
      row.lost++;
      if (row.lostExamples.length < 3) {
        row.lostExamples.push(
          `${j.kind.toUpperCase()} ${j.retryAllowed ? "(retry allowed) " : ""}${j.error ?? j.code ?? ""}`.slice(0, 240),
        );
      }
    }
    if (j.kind === "post" && j.executions > 1) row.executedTwice++;
  }
  const tail = [...judged].sort((a, b) => a.sentAt - b.sentAt).slice(-4);
  row.servingAtEnd = tail.length > 0 && tail.every((j) => j.verdict === "ok");
  row.starts = ctx.follower.of(instance).length - startsBefore;
  row.duplicateStarts = ctx.follower.overlappingStarts(instance);
  const herdOk = fault.id !== "herd-50" || (row.starts === 1 && row.succeeded === row.sent);
  row.pass =
    row.lost === 0 &&
    row.executedTwice === 0 &&
    row.duplicateStarts === 0 &&
    herdOk &&
    (fault.limit !== undefined || !fault.mustServeAtEnd || row.servingAtEnd);
  return row;
}
