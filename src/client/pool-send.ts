/**
 * `pool()`'s call path: the send loop (`send.ts`), with a hedge when `pool({ hedge })` asks for one.
 *
 * A hedged call runs as a race (`pool-hedge.ts`) of two ordinary sends that share the list of instances tried, so
 * the hedge always goes to another instance and each may still fail over on its own. The hedge is sent only when
 * the request is safe to repeat and its body can be replayed, after the latency quantile of this isolate's recent
 * pool answers, and only when the budget has a hedge left. The first answer wins and is returned with
 * `moorage-hedged: first|hedge`; the other attempt is aborted and its response, if one still arrives, cancelled.
 * `onCall` reports the call once, with `hedge` set. Boundary: deciding about and running the hedge; routing and
 * retries stay in `send.ts`.
 */
import { HEADERS } from "../protocol.js";
import { budgetFor, type HedgePolicy, type HedgeState, hedgeDelay, isSafeToRepeat, race } from "./pool-hedge.js";
import { isReplayableBody } from "./request.js";
import type { RetryPolicy } from "./retry.js";
import { type Route, type SendContext, send } from "./send.js";
import type { CallEvent } from "./types.js";

export interface HedgeSetup {
  policy: HedgePolicy;
  state: HedgeState;
  /** `pool({ idempotent })`. */
  idempotent: boolean | undefined;
}

/** Whether this request may be hedged at all: safe to repeat and replayable (a `Request` object never is). */
function hedgeable(input: RequestInfo | URL, init: RequestInit | undefined, idempotent: boolean | undefined): boolean {
  if (input instanceof Request) return false;
  if (!isReplayableBody(init?.body)) return false;
  return isSafeToRepeat(init?.method ?? "GET", new Headers(init?.headers), idempotent);
}

export async function sendPool(
  ctx: SendContext,
  route: Extract<Route, { kind: "pool" }>,
  port: number | undefined,
  policy: RetryPolicy,
  input: RequestInfo | URL,
  init: RequestInit | undefined,
  hedge: HedgeSetup | undefined,
): Promise<Response> {
  if (!hedge) return send(ctx, route, port, policy, input, init);
  const budget = budgetFor(hedge.state, hedge.policy.budget);
  budget.deposit();
  const safe = hedgeable(input, init, hedge.idempotent);
  const calls: (CallEvent | undefined)[] = [undefined, undefined];
  const tried: number[] = [];
  const sub = (attempt: 1 | 2): SendContext => ({
    ...ctx,
    onCall: (event) => {
      calls[attempt - 1] = event;
    },
  });
  const started = ctx.clock.now();
  try {
    const result = await race<Response>({
      clock: ctx.clock,
      delayMs: safe ? hedgeDelay(hedge.state.latency, hedge.policy) : undefined,
      mayHedge: () => budget.tryWithdraw(),
      signal: init?.signal ?? undefined,
      run: (attempt, signal) => send(sub(attempt), { ...route, tried }, port, policy, input, { ...init, signal }),
      discard: (late) => {
        late.body?.cancel().catch(() => {});
      },
    });
    const response = result.value;
    const event = calls[result.winner - 1];
    if (response.status < 500) hedge.state.latency.record(ctx.clock.now() - started);
    if (event) report(ctx, result.hedged ? { ...event, hedge: result.winner === 1 ? "first" : "hedge" } : event);
    if (!result.hedged || response.status === 101) return response;
    const headers = new Headers(response.headers);
    headers.set(HEADERS.hedged, result.winner === 1 ? "first" : "hedge");
    return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
  } catch (error) {
    const event = calls[0] ?? calls[1];
    if (event) report(ctx, event);
    throw error;
  }
}

function report(ctx: SendContext, event: CallEvent): void {
  if (!ctx.onCall) return;
  try {
    ctx.onCall(event);
  } catch (error) {
    console.error("moorage: an onAttempt/onCall callback threw; the request continues", error);
  }
}
