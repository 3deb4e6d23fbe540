/**
 * The wire contract between the client (`moorage`), the Durable Object base class (`moorage/do`) and the test
 * double: header names and error kinds. One module, so both ends always agree. No runtime imports.
 */

/** Request and response headers Moorage reads or writes. All lowercase: `Headers` compares case-insensitively. */
export const HEADERS = {
  /** Set by `.port(n)`: which container port the Durable Object proxies to (the platform library's own header). */
  targetPort: "cf-container-target-port",
  /** Set by the client: the instance name (`id` for `get`, `pool-N` for `any`/`pool`) so the object knows who it is. */
  instanceName: "moorage-instance",
  /** Set by the client on responses: how many attempts the call took. */
  attempts: "moorage-attempts",
  /** Set by the client on responses: milliseconds spent waiting on cold starts and retries before this response. */
  waitMs: "moorage-wait-ms",
  /** Set by the object on responses: milliseconds this request waited for the container to start and be ready. */
  coldStartMs: "moorage-cold-start-ms",
  /** Set by the client on responses: how many `busy` refusals moved the call to another pool instance (when any). */
  busyMoves: "moorage-busy-moves",
  /** Set by the client on responses of `pool({ hedge })` when a hedge was sent: `first` or `hedge` won. */
  hedged: "moorage-hedged",
  /** Set by the object on its own error responses: what kind of failure it is (see `ErrorKind`). */
  error: "moorage-error",
} as const;

/**
 * Kinds of error responses the Durable Object produces itself (never the app's). The client retries `starting`
 * (the platform is still provisioning or the local engine had a transient) and passes the others through.
 */
export type ErrorKind =
  /** The container is still starting: retryable cold-start signal. */
  | "starting"
  /** `readyOn` probes did not all pass within the readiness budget: not retried (the budget was the wait). */
  | "not-ready"
  /** A secret, Secrets Store binding or other configuration is missing: not retried (it will not fix itself). */
  | "config"
  /** The container failed to start for another reason. */
  | "start-failed";

export const RETRYABLE_ERROR_KINDS: ReadonlySet<ErrorKind> = new Set(["starting"]);
