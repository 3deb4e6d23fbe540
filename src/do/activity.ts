/**
 * Activity accounting: how many requests are in flight, so `sleepAfter` never stops a busy container and an idle
 * one always gets to sleep.
 *
 * The platform library counts in-flight requests itself and releases the count only when the proxied body finishes
 * piping; a client that aborts mid-stream (an SSE reader that goes away while the app is quiet) leaves the pipe
 * pending forever and the container awake and billing (upstream containers#241). Here every request gets one
 * idempotent `release`, called by whichever comes first: the body finishing, the body being cancelled, the pipe
 * failing, or the request's own `AbortSignal` firing.
 *
 * Boundary: counting and body wrapping. The container class decides what "idle" does (renew the sleep timer).
 */

export type Release = () => void;

export class ActivityTracker {
  #inflight = 0;

  /**
   * @param onActivity called whenever a request begins (renews the sleep timer).
   * @param onIdle called when the count drops to zero (the idle window starts fresh from the last request).
   */
  constructor(
    private readonly onActivity: () => void,
    private readonly onIdle: () => void,
  ) {}

  get inflight(): number {
    return this.#inflight;
  }

  /** Counts one request; the returned function releases it once, however many times it is called. */
  begin(): Release {
    this.#inflight++;
    this.onActivity();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#inflight = Math.max(0, this.#inflight - 1);
      if (this.#inflight === 0) this.onIdle();
    };
  }
}

/** Calls `release` when `signal` aborts (now, if it already has). Returns a function that detaches the listener. */
export function releaseOnAbort(signal: AbortSignal | null | undefined, release: Release): () => void {
  if (!signal) return () => {};
  if (signal.aborted) {
    release();
    return () => {};
  }
  signal.addEventListener("abort", release, { once: true });
  return () => signal.removeEventListener("abort", release);
}

interface PassThrough {
  readable: ReadableStream<Uint8Array>;
  writable: WritableStream<Uint8Array>;
}

/**
 * A pass-through pipe that workerd runs natively: piping one of its own streams into `IdentityTransformStream` (or
 * `FixedLengthStream`, which also keeps `Content-Length`) moves the bytes in C++, where a JavaScript
 * `TransformStream` would handle every chunk of every response inside the Durable Object. `npm run bench` measured
 * that cost at about 8% of warm p50 and 14% of throughput. Node (the unit tests) has neither, so it falls back.
 */
function passThrough(length: number | undefined): PassThrough {
  const native = globalThis as {
    IdentityTransformStream?: new () => PassThrough;
    FixedLengthStream?: new (length: number) => PassThrough;
  };
  if (length !== undefined && native.FixedLengthStream) return new native.FixedLengthStream(length);
  if (native.IdentityTransformStream) return new native.IdentityTransformStream();
  return new TransformStream<Uint8Array, Uint8Array>();
}

/** The body length a `Content-Length` header promises, when it is a plain non-negative integer. */
export function declaredLength(headers: Headers): number | undefined {
  const value = headers.get("content-length");
  if (value === null || !/^\d+$/.test(value)) return undefined;
  const length = Number(value);
  return Number.isSafeInteger(length) ? length : undefined;
}

/**
 * Returns a stream carrying `body` that calls `release` exactly once when the body ends, errors, is cancelled by
 * the reader, or `signal` aborts. On abort the upstream body is cancelled too, so the container sees the client
 * leave instead of writing into a pipe nobody reads. `length` (from `Content-Length`) keeps the length known.
 */
export function releasingBody(
  body: ReadableStream<Uint8Array>,
  release: Release,
  signal?: AbortSignal | null,
  length?: number,
): ReadableStream<Uint8Array> {
  const { readable, writable } = passThrough(length);
  const pipeAbort = new AbortController();
  const detach = releaseOnAbort(signal, () => {
    pipeAbort.abort(signal?.reason);
    release();
  });
  body
    .pipeTo(writable, { signal: pipeAbort.signal })
    .catch(() => {
      // A cancelled reader or an aborted request ends the pipe with an error; both are normal endings here.
    })
    .finally(() => {
      detach();
      release();
    });
  return readable;
}
