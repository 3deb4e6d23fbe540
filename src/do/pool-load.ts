/**
 * What one pool instance's Durable Object knows about its own load, exactly: the hard concurrency limit and the
 * reports it sends to its pool's coordinator.
 *
 * `InflightLimit` counts the requests the object is serving (from arrival until the response body ends) and
 * refuses one more than `limit` before it reaches the app; the object answers the refusal with the `busy` code,
 * which the client moves to another instance whatever the method (the app never saw it).
 *
 * `LoadReporter` tells the coordinator the object's in-flight count off the hot path: a report goes out at most
 * once per `intervalMs` (through the object's `waitUntil`, never awaited by a request), and a trailing report
 * follows the last change, so the coordinator always ends up with the current level. A report that fails is
 * dropped: the next change sends a fresh one. Boundary: counting and batching; the transport is injected.
 */

import type { LoadReport } from "../client/pool-scaling.js";

export type { LoadReport };

/** A report repeating the last one is still sent when the last went out this long ago (the coordinator ages them). */
export const HEARTBEAT_MS = 10_000;

/** A slot taken by `tryAcquire`; call it (once is enough) when the request is done. */
export type LimitRelease = () => void;

export class InflightLimit {
  #inflight = 0;
  #peak = 0;

  /** `limit`: at most this many requests at once; undefined for no cap. */
  constructor(readonly limit: number | undefined) {}

  get inflight(): number {
    return this.#inflight;
  }

  /** The highest in-flight count seen (for tests and visibility). */
  get peak(): number {
    return this.#peak;
  }

  /** A slot, or undefined when `limit` requests are already in flight (the request must be refused). */
  tryAcquire(): LimitRelease | undefined {
    if (this.limit !== undefined && this.#inflight >= this.limit) return undefined;
    this.#inflight++;
    this.#peak = Math.max(this.#peak, this.#inflight);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#inflight--;
    };
  }
}

export interface ReporterHost {
  now(): number;
  /** Sends one report (a coordinator RPC); the reporter never awaits it on a request's path. */
  send(report: LoadReport): Promise<void>;
  /** Keeps the object alive for background work (`ctx.waitUntil`). */
  waitUntil(promise: Promise<unknown>): void;
  /** A timer (`setTimeout`); returns a cancel function. */
  setTimer(ms: number, run: () => void): () => void;
}

export class LoadReporter {
  #lastSent = Number.NEGATIVE_INFINITY;
  #lastReported: string | undefined;
  #trailing: (() => void) | undefined;

  constructor(
    readonly index: number,
    readonly intervalMs: number,
    private readonly host: ReporterHost,
    private readonly read: () => { inflight: number; running: boolean; serving?: boolean },
  ) {}

  /** The load changed (a request arrived or ended, the container started or stopped). */
  changed(): void {
    const now = this.host.now();
    const wait = this.#lastSent + this.intervalMs - now;
    if (wait <= 0) {
      this.#send(now);
      return;
    }
    this.#trailing ??= this.host.setTimer(wait, () => {
      this.#trailing = undefined;
      this.#send(this.host.now());
    });
  }

  #send(now: number): void {
    const { inflight, running, serving } = this.read();
    const key = `${inflight}/${running}/${serving}`;
    // Nothing new since the last report: the coordinator already holds this level (unless it may have aged out).
    if (key === this.#lastReported && now - this.#lastSent < HEARTBEAT_MS) return;
    this.#lastSent = now;
    this.#lastReported = key;
    const report: LoadReport = { index: this.index, inflight, running, at: now };
    if (serving !== undefined) report.serving = serving;
    this.host.waitUntil(
      this.host.send(report).catch(() => {
        // Dropped: forget what was reported so the next change sends again.
        this.#lastReported = undefined;
      }),
    );
  }

  /** Stops the trailing timer (the object is going away). */
  dispose(): void {
    this.#trailing?.();
    this.#trailing = undefined;
  }
}
