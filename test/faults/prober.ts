/**
 * The prober: steady, bounded traffic through the fixture Worker while a fault happens, and the verdict on each
 * request once the app's own record (follower.ts) is in.
 *
 * Traffic: `loops` sequential clients per kind (idempotent GETs, non-idempotent POSTs without an Idempotency-Key,
 * optionally streamed GETs), each request with a unique key and a hard budget, a short pause between requests,
 * for a fixed duration. Verdicts: `ok` (2xx and the whole, right body), `directed` (failed with a Moorage error code,
 * from the object's `moorage-error` header or the client's thrown `code`, or a stream that ended with an explicit
 * error), `lost` (no answer within the budget, an error without a code, a silently short body, or a request that
 * could have been retried safely and was not: see `retryAllowed`).
 * Boundary: loopback HTTP to the fixture Worker only; every loop is bounded in count and time.
 */

import { OBJECT_ERRORS } from "../../src/protocol.js";

export type Kind = "get" | "post" | "stream";

export interface Probe {
  kind: Kind;
  key: string;
  instance: string;
  sentAt: number;
  ms: number;
  status: number;
  /** `moorage-error` from the object, or `fault-thrown` from the fixture (the client's thrown code). */
  code?: string;
  /** What went wrong, in one line, when it did. */
  error?: string;
  /** Head arrived (a stream can fail after it). */
  headSeen: boolean;
  bodyOk: boolean;
}

export interface TrafficPlan {
  /** Path prefix of the instance under test, e.g. `/c/app/kill-req`. */
  base: string;
  instance: string;
  durationMs: number;
  /** Sequential clients per kind. */
  loops: Partial<Record<Kind, number>>;
  /** How long the app holds each /work request (so a fault lands while requests are inside the app). */
  workMs: number;
  /** Budget per request: past this it counts as lost. */
  budgetMs: number;
  pauseMs?: number;
  /** Upper bound of requests per client (bounded traffic whatever the duration). */
  maxPerLoop?: number;
}

/**
 * Errors the platform itself answers with, naming the cause: directed, though not Moorage's. Under wrangler dev a
 * code reload restarts the calling Worker too, and workerd answers its in-flight requests with this 503.
 */
const PLATFORM_ERRORS = [{ match: /Your worker restarted mid-request/, code: "platform:worker-restarted" }];

const STREAM_CHUNKS = 20;
const STREAM_CHUNK_MS = 50;
const KIB = 1024;

export async function probe(port: number, kind: Kind, plan: TrafficPlan, key: string): Promise<Probe> {
  const sentAt = Date.now();
  const t0 = performance.now();
  const path =
    kind === "stream"
      ? `${plan.base}/stream?chunks=${STREAM_CHUNKS}&ms=${STREAM_CHUNK_MS}&key=${encodeURIComponent(key)}`
      : `${plan.base}/work?key=${encodeURIComponent(key)}&ms=${plan.workMs}`;
  const result: Probe = {
    kind,
    key,
    instance: plan.instance,
    sentAt,
    ms: 0,
    status: 0,
    headSeen: false,
    bodyOk: false,
  };
  try {
    const res = await fetch(`http://127.0.0.1:${port}${path}`, {
      method: kind === "post" ? "POST" : "GET",
      body: kind === "post" ? `payload for ${key}` : undefined,
      signal: AbortSignal.timeout(plan.budgetMs),
    });
    result.status = res.status;
    result.headSeen = true;
    const code = res.headers.get("moorage-error") ?? res.headers.get("fault-thrown") ?? undefined;
    if (code && code !== "none") result.code = code;
    try {
      const body = Buffer.from(await res.arrayBuffer());
      if (res.ok) {
        result.bodyOk =
          kind === "stream"
            ? body.length === STREAM_CHUNKS * KIB
            : (JSON.parse(body.toString()) as { key?: string }).key === key;
        if (!result.bodyOk) result.error = `2xx with a wrong or short body (${body.length} bytes)`;
      } else {
        result.error = `${res.status} ${body.toString().slice(0, 300).replace(/\s+/g, " ")}`;
        result.code ??= PLATFORM_ERRORS.find((p) => p.match.test(body.toString()))?.code;
      }
    } catch (err) {
      // The head came, the body broke: an explicit stream error, not a silent truncation.
      result.error = `body aborted: ${(err as Error).message}${causeOf(err)}`;
      if (res.ok) result.code = "body-aborted";
    }
  } catch (err) {
    result.error = `${(err as Error).name === "TimeoutError" ? `no answer within ${plan.budgetMs} ms` : (err as Error).message}${causeOf(err)}`;
  }
  result.ms = performance.now() - t0;
  return result;
}

const causeOf = (err: unknown) => {
  const cause = (err as { cause?: { message?: string; code?: string } }).cause;
  return cause ? ` (${cause.code ?? cause.message ?? String(cause)})` : "";
};

/** Runs the plan's clients until its duration is over; `tag` makes every key unique across faults. */
export async function traffic(port: number, plan: TrafficPlan, tag: string): Promise<Probe[]> {
  const out: Probe[] = [];
  const end = Date.now() + plan.durationMs;
  let seq = 0;
  const client = async (kind: Kind, n: number) => {
    for (let i = 0; i < (plan.maxPerLoop ?? 200) && Date.now() < end; i++) {
      out.push(await probe(port, kind, plan, `${tag}-${kind}${n}-${seq++}`));
      await new Promise((r) => setTimeout(r, plan.pauseMs ?? 40));
    }
  };
  const clients: Promise<void>[] = [];
  for (const [kind, count] of Object.entries(plan.loops) as [Kind, number][]) {
    for (let n = 0; n < count; n++) clients.push(client(kind, n));
  }
  await Promise.all(clients);
  return out;
}

/**
 * Error codes that prove the request never reached the app, so any method may be re-sent (issue 10 §2): derived
 * from the one catalog, `OBJECT_ERRORS` in src/protocol.ts (`retry: "any"`), so the prober judges by the client's rule.
 */
export const NOT_DELIVERED_CODES: ReadonlySet<string> = new Set(
  Object.entries(OBJECT_ERRORS)
    .filter(([, spec]) => spec.retry === "any")
    .map(([code]) => code),
);

export type Verdict = "ok" | "directed" | "lost";

export interface Judged extends Probe {
  verdict: Verdict;
  executions: number;
  /** A failure the layer could have re-sent safely (idempotent method, or provably not delivered). */
  retryAllowed: boolean;
}

/**
 * One request's verdict. `recovers`: the fault is transient (the instance serves again within the retry budget),
 * so a request that failed before its answer began although a retry was allowed is lost, not directed.
 */
export function judge(p: Probe, executions: number, recovers: boolean): Judged {
  const failedBeforeHead = !p.headSeen || (p.status >= 500 && p.code !== "body-aborted");
  const retryAllowed =
    failedBeforeHead &&
    (p.kind !== "post" || (executions === 0 && p.code !== undefined && NOT_DELIVERED_CODES.has(p.code)));
  let verdict: Verdict;
  if (p.status >= 200 && p.status < 300 && p.bodyOk) verdict = "ok";
  else if (p.code === undefined) verdict = "lost";
  else if (recovers && retryAllowed) verdict = "lost";
  else verdict = "directed";
  return { ...p, verdict, executions, retryAllowed };
}
