/**
 * The send loop: one `fetch()` call becomes one or more attempts against Durable Object stubs.
 *
 * Two strategies share it. `sameInstance` (for `get` and `any`) retries only signals (the instance did not serve
 * the request), on the same instance, with backoff. `acrossPool` (for `pool`) moves to an instance it has not tried
 * yet whenever `retryOn` says the attempt failed. Both follow one safety rule (`src/protocol.ts`): a failure that
 * proves the request never reached the app may be retried for any method; one that may have reached it (the
 * connection was lost mid-request, a 5xx, an unknown throw) only for an idempotent request (GET, HEAD, OPTIONS, an
 * `Idempotency-Key` header, or `{ idempotent: true }`). Both refuse a second attempt for a body that cannot be
 * replayed, never retry an aborted call, never touch a WebSocket upgrade response, and stamp what the call cost on
 * the response they return. The test double runs this same loop against fake stubs.
 */

import { poolIndexOf, poolInstanceName } from "../definition/naming.js";
import { messageOf } from "../errors.js";
import { encodeInstanceName, HEADERS, isIdempotent, mayRetry } from "../protocol.js";
import { MoorageContainerError } from "./errors.js";
import { cheaperOfTwo, type LoadTracker } from "./load.js";
import { type HeldCall, HOLD_MAX_BUSY } from "./pool-hold.js";
import { type PreparedRequest, prepareRequest } from "./request.js";
import { backoffDelay, type RetryPolicy } from "./retry.js";
import { type ColdStartSignal, isWebSocketResponse, matchErrorSignal, matchResponseSignal } from "./signals.js";
import type { ContainerStub } from "./stub.js";
import type { AttemptEvent, AttemptOutcome, CallEvent, Clock, PoolOptions } from "./types.js";

/** Everything a send needs from its context, resolved once per container. */
export interface SendContext {
  container: string;
  /** A fresh stub for an instance name; throws a directed error when the binding is missing. */
  stub(instance: string): ContainerStub;
  clock: Clock;
  random: () => number;
  onAttempt: ((event: AttemptEvent) => void) | undefined;
  onCall: ((event: CallEvent) => void) | undefined;
  /** Load per instance of this container, shared across the isolate (`pool()` balances on it). */
  load(): LoadTracker;
}

/** Where the attempts of one call go. */
export type Route =
  | { kind: "instance"; instance: string }
  | {
      kind: "pool";
      size: number;
      retryOn: PoolOptions["retryOn"];
      /** How many instances (`0 .. active-1`) the pool routes to now; all `size` when the pool is not declared. */
      active?: () => number;
      /** Pool indices already tried by this call (shared by a hedge and its first attempt, so they never meet). */
      tried?: number[];
      /** Counts this isolate's requests to the pool, for its own scaling view. */
      track?: (delta: 1 | -1) => void;
      /** A declared pool's activator (`pool-hold.ts`): this call's side of it, made when the call begins. */
      hold?: () => HeldCall;
    };

/** `busy` refusals one call may move on from: every other instance of the largest pool, once. */
function busyMoveBound(route: Route): number {
  return route.kind === "pool" ? Math.max(0, route.size - 1) : 0;
}

export async function send(
  ctx: SendContext,
  route: Route,
  port: number | undefined,
  policy: RetryPolicy,
  input: RequestInfo | URL,
  init: RequestInit | undefined,
): Promise<Response> {
  const prepared = prepareRequest(input, init);
  const idempotent = isIdempotent(prepared.method, prepared.headers, policy.idempotent);
  const startedAt = ctx.clock.now();
  const tried: number[] = route.kind === "pool" ? (route.tried ?? []) : [];
  let waitMs = 0;
  let instance = "";
  let previous: ColdStartSignal | undefined;
  let busyMoves = 0;
  /** Busy moves since the last attempt began: each attempt may move across the pool once. */
  let roundMoves = 0;
  /** The last attempt ended on a busy refusal with no instance left to move to: wait before the next. */
  let allBusy = false;
  /** A declared pool's activator: picks serving instances with a free slot, holds the call while all are full. */
  const held = route.kind === "pool" ? route.hold?.() : undefined;

  for (let attempt = 1; ; attempt++) {
    // `pool` waits only when the last failure was a cold start; an application failure moves on at once.
    // An aborted call is never sent again: it rejects with the abort's reason, as fetch does.
    if (attempt > 1 && prepared.signal?.aborted) throw prepared.signal.reason;
    if (attempt > 1 && (route.kind === "instance" || previous !== undefined || allBusy)) {
      await ctx.clock.sleep(backoffDelay(policy, attempt, ctx.random), prepared.signal);
    }
    if (route.kind === "instance") instance = route.instance;
    else {
      // Synchronous for a warm call with a free slot; a promise only when the call is held.
      const chosen = held?.pick(tried, prepared.signal);
      instance =
        (chosen instanceof Promise ? await chosen : chosen) ??
        pickUntried(route.size, route.active?.() ?? route.size, tried, ctx.random, ctx.load(), ctx.clock);
    }
    const stub = ctx.stub(instance);
    waitMs = ctx.clock.now() - startedAt;
    const base = { container: ctx.container, instance, attempt, waitMs };
    const hasNext = attempt < policy.attempts && prepared.replayable;

    let response: Response;
    let refused = false;
    // Every attempt, whatever the route, feeds the load view `pool()` balances on.
    const done = ctx.load().begin(instance, ctx.clock.now());
    if (route.kind === "pool") route.track?.(1);
    try {
      response = await stub.fetch(prepared.build(instance, port));
      // A refusal at the concurrency limit is load, not failure: the request count already says how full the
      // instance is, and a failure sample would make a healthy instance lose comparisons for seconds after it
      // had a free slot again.
      refused = matchResponseSignal(response)?.moveInstance === true;
      done(ctx.clock.now(), refused ? "cancelled" : response.status >= 500 || response.status === 429);
      held?.settled(instance, { response });
    } catch (error) {
      // An abort is not the instance's failure: it ends the attempt without the failure penalty (load.ts).
      done(ctx.clock.now(), prepared.signal?.aborted ? "cancelled" : true);
      held?.settled(instance, { error });
      if (route.kind === "pool") route.track?.(-1);
      const signal = matchErrorSignal(error);
      // Whether the call was aborted is asked when the attempt ended, not when it began: a call aborted in flight
      // (its caller gave up, or a hedge won) is never sent again.
      const verdict =
        hasNext && !prepared.signal?.aborted
          ? await wantsRetry(route, { error, instance, attempt }, signal, idempotent)
          : "stop";
      const retry = verdict === "retry";
      report(ctx.onAttempt, {
        ...base,
        outcome: signal ? "cold-start" : retry ? "failed" : "error",
        willRetry: retry,
        signal: signal?.name,
        error,
      });
      previous = signal;
      if (retry) continue;
      const failure = prepared.signal?.aborted
        ? error
        : thrownFailure(ctx, route, prepared, instance, attempt, error, signal, verdict === "unsafe");
      report(ctx.onCall, {
        container: ctx.container,
        instance,
        method: prepared.method,
        path: prepared.path,
        attempts: attempt,
        waitMs,
        totalMs: ctx.clock.now() - startedAt,
        error: failure,
        ...(busyMoves > 0 ? { busyMoves } : {}),
        ...heldField(held),
      });
      throw failure;
    }
    if (route.kind === "pool") route.track?.(-1);

    // An instance at its concurrency limit refused the request before the app saw it: move to another instance
    // at once, whatever the method, without spending an attempt (bounded: each other instance once).
    // Which code that is comes from the one catalog (`OBJECT_ERRORS[code].moveInstance`, via signals.ts).
    // A held call that is refused (another isolate took the slot) goes back to the activator: held again.
    const holdAgain = held?.holding === true && busyMoves < HOLD_MAX_BUSY;
    if (
      route.kind === "pool" &&
      refused &&
      (holdAgain || roundMoves < busyMoveBound(route)) &&
      prepared.replayable &&
      !prepared.signal?.aborted
    ) {
      busyMoves++;
      if (holdAgain) untry(tried, instance);
      else roundMoves++;
      report(ctx.onAttempt, { ...base, outcome: "busy", willRetry: true, status: response.status });
      response.body?.cancel().catch(() => {});
      previous = undefined;
      attempt--;
      continue;
    }

    const coldStartMs = numberHeader(response, HEADERS.coldStartMs);
    if (isWebSocketResponse(response)) {
      // A 101 carries a live WebSocket in workerd; rebuilding it would detach the socket. Pass it through as is.
      report(ctx.onAttempt, { ...base, outcome: "response", willRetry: false, status: response.status, coldStartMs });
      report(
        ctx.onCall,
        callEvent(ctx, prepared, instance, attempt, waitMs, startedAt, response, coldStartMs, busyMoves, held),
      );
      return response;
    }
    // Every instance refused busy: the next attempt (if any) waits a backoff and moves across the pool again.
    allBusy = refused;
    roundMoves = 0;
    const signal = matchResponseSignal(response);
    const retry = hasNext && (await wantsRetry(route, { response, instance, attempt }, signal, idempotent)) === "retry";
    report(ctx.onAttempt, {
      ...base,
      outcome: signal ? "cold-start" : retry ? "failed" : "response",
      willRetry: retry,
      status: response.status,
      coldStartMs,
      signal: signal?.name,
    });
    previous = signal;
    if (retry) {
      // Free the connection behind a response nobody will read.
      response.body?.cancel().catch(() => {});
      continue;
    }
    report(
      ctx.onCall,
      callEvent(ctx, prepared, instance, attempt, waitMs, startedAt, response, coldStartMs, busyMoves, held),
    );
    return stamped(response, instance, attempt, waitMs, busyMoves, held);
  }
}

/**
 * Whether to send the call again. The strategy says whether it wants to: `get`/`any` retry only signals; `pool`
 * asks `retryOn`, by default a throw, a 5xx or a signal. Safety has the last word: a signal decides by its own rule
 * (`mayRetry`); anything else (an app response, an unknown throw) may have run in the app, so only an idempotent
 * request is re-sent. `unsafe`: wanted, but refused by the safety rule.
 */
async function wantsRetry(
  route: Route,
  outcome: AttemptOutcome,
  signal: ColdStartSignal | undefined,
  idempotent: boolean,
): Promise<"retry" | "stop" | "unsafe"> {
  const wanted =
    route.kind === "instance"
      ? signal !== undefined
      : route.retryOn
        ? await route.retryOn(outcome)
        : signal !== undefined || outcome.error !== undefined || (outcome.response?.status ?? 0) >= 500;
  if (!wanted) return "stop";
  const safe = signal ? mayRetry(signal.code, idempotent) : idempotent;
  return safe ? "retry" : "unsafe";
}

/**
 * A pool index not tried yet in this call, the cheaper of two random ones (see `load.ts`), among the `active`
 * instances first, then the rest of the pool (a call that found every active instance busy or failing grows into
 * the instances the pool can still add); once all were tried, any but the last one, so a retry never lands on the
 * instance that just failed (unless the pool has one instance).
 */
export function pickUntried(
  size: number,
  active: number,
  tried: number[],
  random: () => number,
  load: LoadTracker,
  clock: Clock,
): string {
  const last = tried.at(-1);
  const routed = Math.min(size, Math.max(1, active));
  let candidates = Array.from({ length: routed }, (_, i) => i).filter((i) => !tried.includes(i));
  if (candidates.length === 0) {
    candidates = Array.from({ length: size }, (_, i) => i).filter((i) => i >= routed && !tried.includes(i));
  }
  if (candidates.length === 0)
    candidates = size > 1 ? Array.from({ length: size }, (_, i) => i).filter((i) => i !== last) : [0];
  const now = clock.now();
  const index = cheaperOfTwo(candidates, (i) => load.cost(poolName(i), now), random);
  tried.push(index);
  return poolName(index);
}

function poolName(index: number): string {
  return poolInstanceName(index);
}

/** Forgets that this call tried `instance` (it refused `busy` unseen, so the call may be held for it again). */
function untry(tried: number[], instance: string): void {
  const index = poolIndexOf(instance);
  const at = index === undefined ? -1 : tried.lastIndexOf(index);
  if (at >= 0) tried.splice(at, 1);
}

/** `heldMs` for a call event, when the call was held. */
function heldField(held: HeldCall | undefined): { heldMs?: number } {
  return held?.wasHeld ? { heldMs: Math.max(0, Math.round(held.heldMs)) } : {};
}

/** The error a call throws when its last attempt threw. `refused`: a retry was possible but not safe. */
function thrownFailure(
  ctx: SendContext,
  route: Route,
  prepared: PreparedRequest,
  instance: string,
  attempts: number,
  error: unknown,
  signal: ColdStartSignal | undefined,
  refused: boolean,
): MoorageContainerError {
  // Already directed (e.g. the test double's "no handler"): do not bury it under a second message.
  if (error instanceof MoorageContainerError) return error;
  const where = `container "${ctx.container}" (instance "${instance}")`;
  const details = { container: ctx.container, instance, attempts, cause: error };
  if (refused) {
    const what = signal ? `${signal.name}: ${messageOf(error)}` : messageOf(error);
    return new MoorageContainerError(
      "not-replayed",
      `moorage: ${where}: ${prepared.method} failed after it may have reached the app (${what}); it was not sent again because ${prepared.method} is not idempotent`,
      {
        ...details,
        hint: "if running it twice is safe, send an Idempotency-Key header or pass { idempotent: true } to get/any/pool",
      },
    );
  }
  if (route.kind === "pool" && attempts > 1) {
    return new MoorageContainerError(
      "pool-exhausted",
      `moorage: ${where}: pool gave up after ${attempts} attempts on different instances; last error: ${messageOf(error)}`,
      details,
    );
  }
  if (signal && !prepared.replayable) {
    return new MoorageContainerError(
      "cold-start-exhausted",
      `moorage: ${where} did not serve the request (${signal.name}: ${messageOf(error)}) and it was not retried because its body cannot be replayed (a Request object or a stream body is sent once); pass a URL or path with a string/bytes body to get retries`,
      details,
    );
  }
  if (signal) {
    return new MoorageContainerError(
      "cold-start-exhausted",
      `moorage: ${where} did not serve the request after ${attempts} attempt(s) (${signal.name}: ${messageOf(error)}); raise attempts or backoffMs if cold starts take longer`,
      details,
    );
  }
  return new MoorageContainerError("fetch-failed", `moorage: ${where}: request failed: ${messageOf(error)}`, details);
}

/**
 * The response with `moorage-attempts`, `moorage-wait-ms` and `moorage-instance` set. Platform responses can have
 * immutable headers, so this is a new Response sharing the same body stream (nothing is read or buffered).
 */
function stamped(
  response: Response,
  instance: string,
  attempts: number,
  waitMs: number,
  busyMoves = 0,
  held?: HeldCall,
): Response {
  const headers = new Headers(response.headers);
  if (busyMoves > 0) headers.set(HEADERS.busyMoves, String(busyMoves));
  const { heldMs } = heldField(held);
  if (heldMs !== undefined) headers.set(HEADERS.heldMs, String(heldMs));
  headers.set(HEADERS.attempts, String(attempts));
  headers.set(HEADERS.waitMs, String(Math.max(0, Math.round(waitMs))));
  headers.set(HEADERS.instanceName, encodeInstanceName(instance));
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}

function callEvent(
  ctx: SendContext,
  prepared: PreparedRequest,
  instance: string,
  attempts: number,
  waitMs: number,
  startedAt: number,
  response: Response,
  coldStartMs: number | undefined,
  busyMoves = 0,
  held?: HeldCall,
): CallEvent {
  return {
    ...(busyMoves > 0 ? { busyMoves } : {}),
    ...heldField(held),
    container: ctx.container,
    instance,
    method: prepared.method,
    path: prepared.path,
    attempts,
    waitMs,
    totalMs: ctx.clock.now() - startedAt,
    status: response.status,
    coldStartMs,
  };
}

function numberHeader(response: Response, name: string): number | undefined {
  const value = response.headers.get(name);
  const parsed = value === null ? Number.NaN : Number(value);
  return Number.isFinite(parsed) ? parsed : undefined;
}

/** Observability must never break the request it observes. */
function report<E>(callback: ((event: E) => void) | undefined, event: E): void {
  if (!callback) return;
  try {
    callback(event);
  } catch (error) {
    console.error("moorage: an onAttempt/onCall callback threw; the request continues", error);
  }
}
