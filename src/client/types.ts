/**
 * The public types of the typed client: what `containers(env)` returns and every option it takes.
 *
 * Types only (no runtime code), so this module is the reference a reader opens first. The shapes mirror the
 * Durable Object RPC surface of `moorage/do` without importing it: the root entry must stay free of
 * `cloudflare:workers`, and the client only ever talks to the object through its namespace binding.
 */

import type { CustomInstanceType, NamedInstanceType } from "../definition/instance-types.js";
import type { ContainerProcess, ExecOptions, ExecOutputOptions, ExecResult } from "./exec.js";
import type { PoolExec } from "./pool-exec.js";
import type { TerminalOptions } from "./terminal.js";

/** One container as generated code lists it: `{ exportName: "transcoder", binding: "CONTAINER_TRANSCODER" }`. */
export interface ContainerSpec {
  /** The name the container is exported under in `moorage/containers.ts`; the key on the context. */
  readonly exportName: string;
  /** The Durable Object namespace binding in `env` (see `bindingName()`). */
  readonly binding: string;
  /** Pool size behind `any()` and `pool()`; `DEFAULT_POOL_SIZE` (3) when unset. */
  readonly maxInstances?: number;
  /** The declared pool (`instances` in `defineContainer`): `pool()` scales between `min` and `max`, the pool size. */
  readonly instances?: { readonly min: number; readonly max: number; readonly scaleWindowSeconds: number };
  /** The declared per-instance concurrency: the autoscaling `target` and the hard `limit`. */
  readonly concurrency?: { readonly target: number; readonly limit?: number };
  /**
   * `schedulingPolicy: "durable_object"` only: the declared image names, the default one first. `start({ image })`
   * is typed against them.
   */
  readonly images?: readonly string[];
}

import type { HedgeOptions } from "./pool-hedge.js";
import type { PoolState } from "./pool-scaling.js";
import type { PoolViewSnapshot } from "./pool-view.js";

export type { HedgeOptions, PoolState, PoolViewSnapshot };

/** The export names of a spec list: `"transcoder" | "api"`. */
export type ContainerName<S extends readonly ContainerSpec[]> = S[number]["exportName"];

/** `containers(env)`: one accessor per container, keyed by export name. Unknown names are type errors. */
export type ContainerContext<S extends readonly ContainerSpec[]> = {
  readonly [K in ContainerName<S>]: ContainerAccessor<ImageNameOf<S, K>>;
};

/** The declared image names of container `K` (`"base" | "gpu"`), or `never` when it declares none. */
export type ImageNameOf<S extends readonly ContainerSpec[], K> =
  Extract<S[number], { readonly exportName: K }> extends { readonly images: readonly (infer I extends string)[] }
    ? I
    : never;

/** How one container is reached: a named instance, a random pool instance, or a pool with failover. */
export interface ContainerAccessor<Image extends string = string> {
  /**
   * The instance for `id` (`idFromName(id)`): the same id always reaches the same instance, and each id is its own
   * instance and identity (`" alice"` is not `"alice"`). Any non-empty string works, any Unicode included, except
   * ids starting with `moorage:` (Moorage's own namespace, where pool instances live): those throw `invalid-id`.
   */
  get(id: string, options?: RetryOptions): ContainerHandle<Image>;
  /**
   * Instance `index` (0 ... maxInstances-1) of the pool behind `any()` and `pool()`, for operating on one member:
   * its state, a stop, a request to that member only. The only way to name a pool instance.
   */
  poolInstance(index: number, options?: RetryOptions): ContainerHandle<Image>;
  /**
   * A random instance of the pool (`moorage:pool:0` ... `moorage:pool:(maxInstances-1)`, a namespace `get()`
   * cannot reach), picked once per call to `any()`.
   */
  any(options?: RetryOptions): PoolHandle;
  /**
   * Like `any()`, but a failed attempt (by default: a thrown error, a 5xx, or a signal) is retried on another
   * instance of the pool, up to `attempts` instances in all. A 5xx or a throw may mean the app already ran the
   * request, so those fail over only for idempotent requests (GET/HEAD/OPTIONS, `Idempotency-Key`, or
   * `{ idempotent: true }`); signals that prove it never arrived fail over for any method.
   */
  pool(options?: PoolOptions): PoolHandle;
  /**
   * The pool's current state as its coordinator sees it, from the load every instance reports: the scaling
   * decision (`desired` active instances, `panic`), the averages behind it, and each instance's last report.
   * Only for containers that declare `instances`.
   */
  poolState(): Promise<PoolState>;
  /**
   * This isolate's view of the pool, without a request: how many instances it routes to now (`active`), its own
   * decision (`local`) and the coordinator's decision it last read (`global`, refreshed in the background about
   * once a second). Every isolate and Worker routing to the pool holds the same `global`. Only for containers that
   * declare `instances`.
   */
  poolView(): PoolViewSnapshot;
}

/** Something you can send HTTP (and WebSocket upgrades) to. */
export interface FetchHandle {
  /**
   * Sends a request to the container. A path (`"/transcode"`) resolves against `http://container`. A string or
   * URL input with a replayable body (none, string, ArrayBuffer, typed array, URLSearchParams, Blob, FormData) is
   * retried through a cold start; a `Request` object or a `ReadableStream` body is sent exactly once.
   *
   * The response carries `moorage-attempts`, `moorage-wait-ms` and `moorage-instance` headers (a WebSocket
   * upgrade response is returned untouched).
   */
  fetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response>;
  /** The same target, but requests go to container port `port` instead of the default port. */
  port(port: number): FetchHandle;
}

/**
 * What `any()` and `pool()` return: HTTP to the pool, plus `exec` / `execOutput` on the instance the call chooses
 * (`process.instance` / `result.instance` names it; `poolInstance(i)` reaches it again).
 */
export interface PoolHandle extends FetchHandle, PoolExec {}

/** One named instance: HTTP plus lifecycle and runtime egress control over Durable Object RPC. */
export interface ContainerHandle<Image extends string = string> extends FetchHandle {
  /** The Durable Object name this handle reaches (the `id` given to `get`, `moorage:pool:N` for `poolInstance`). */
  readonly instance: string;
  /**
   * Starts the container if it is not running (`envVars` replaces the configured environment wholesale). Under
   * `schedulingPolicy: "durable_object"`: `image` and `instanceType` choose this run's image and size (kept for
   * later starts), `fromSnapshot` starts from a whole-container snapshot, and `persist` directories are restored.
   */
  start(options?: ContainerStartOptions<Image>): Promise<void>;
  /** Sends `signal` (default SIGTERM) to the container. */
  stop(signal?: ContainerSignal): Promise<void>;
  /** Kills the container immediately (SIGKILL). */
  destroy(): Promise<void>;
  /** The container's current lifecycle state. */
  getState(): Promise<ContainerState>;
  /** Keeps the container awake for another `sleepAfter`, for activity that is not HTTP or WebSocket traffic. */
  renewActivityTimeout(): Promise<void>;
  /**
   * `durable_object` only: snapshots the running container's whole filesystem (not the `persist` directories,
   * which are snapshotted on their own) and records it in the instance's storage; `start({ fromSnapshot: id })`
   * restores it, into the same image only.
   */
  snapshot(options?: { name?: string }): Promise<ContainerSnapshotInfo>;
  /** What the instance's storage records: its image and size choice, the persisted directories, its snapshots. */
  snapshots(): Promise<SnapshotListing>;
  /** Adjusts this instance's outbound allow and deny lists at run time. */
  readonly egress: EgressControl;
  /**
   * Runs a command in the container (started first if needed, with the definition's environment) and streams
   * its output. A string runs through `/bin/sh -c`. Counts as activity while it runs.
   */
  exec(cmd: string | readonly string[], options?: ExecOptions): Promise<ContainerProcess>;
  /** `exec`, buffered: resolves with the exit code and the whole output (at most `maxOutputBytes`, default 1 MiB). */
  execOutput(cmd: string | readonly string[], options?: ExecOutputOptions): Promise<ExecResult>;
  /**
   * A PTY in the container over a WebSocket (the container is started first if needed): resolves with the `101`
   * response; return it from a Worker to hand the socket to a browser, or use `response.webSocket`. Framing: binary
   * messages are terminal bytes both ways; text JSON `{type:"input",data}` / `{type:"resize",cols,rows}` in,
   * `{type:"exit",exitCode}` / `{type:"error",message}` out (see the README, "Terminals").
   */
  terminal(options?: TerminalOptions): Promise<Response>;
}

/** Runtime egress control for one running instance. Hosts accept the same patterns as `allowedHosts`. */
export interface EgressControl {
  allow(host: string): Promise<void>;
  deny(host: string): Promise<void>;
  removeAllowed(host: string): Promise<void>;
  removeDenied(host: string): Promise<void>;
  /** Replaces the whole allow list. */
  setAllowed(hosts: readonly string[]): Promise<void>;
  /** Replaces the whole deny list. */
  setDenied(hosts: readonly string[]): Promise<void>;
}

/** Options for an explicit `start()`. */
export interface ContainerStartOptions<Image extends string = string> {
  /** Replaces the configured environment (env, secrets and Secrets Store values) for this run. */
  envVars?: Record<string, string>;
  entrypoint?: string[];
  enableInternet?: boolean;
  labels?: Record<string, string>;
  /** `durable_object` only: one of the declared `images` for this run, kept for later starts. */
  image?: Image;
  /** `durable_object` only: this run's size, a named type or `{ vcpu, memoryMib, diskMb }`; kept for later starts. */
  instanceType?: StartInstanceType;
  /** `durable_object` only: start from a snapshot `snapshot()` took of this instance (its image, never another). */
  fromSnapshot?: string | { id: string };
  /**
   * Start without restoring the `persist` directories (they are dropped): the way to move an instance whose
   * directories were persisted from another image onto a new one.
   */
  discardPersisted?: boolean;
}

/** An instance size a `durable_object` start may choose. */
export type StartInstanceType = NamedInstanceType | CustomInstanceType;

/** A whole-container snapshot, as recorded in the instance's storage. */
export interface ContainerSnapshotInfo {
  id: string;
  /** Bytes, as the platform reports them. */
  size: number;
  /** The declared image name the container ran; the snapshot restores into that image only. */
  image: string;
  name?: string;
  /** Epoch ms. */
  createdAt: number;
}

/** The `persist` directories' last snapshot: restored together at the next start, or not at all. */
export interface PersistedDirectories {
  /** The declared image name they were taken under. */
  image: string;
  /** Epoch ms. */
  at: number;
  /** Why the run stopped (`sleep`, `requested`, `hard-timeout`). */
  reason: string;
  dirs: { dir: string; id: string; size: number }[];
}

/** `snapshots()`: the instance's image and size choice, its persisted directories and its whole snapshots. */
export interface SnapshotListing {
  image?: string;
  instanceType?: StartInstanceType;
  persisted?: PersistedDirectories;
  /** Oldest first; the last 20 are kept. */
  snapshots: ContainerSnapshotInfo[];
}

/** A POSIX signal name or number for `stop()`. */
export type ContainerSignal = "SIGTERM" | "SIGINT" | "SIGKILL" | number;

/** The lifecycle state the Durable Object reports. */
export type ContainerState = {
  lastChange: number;
  /** `durable_object` only: the image name the current (or next) run uses. */
  image?: string;
  /** `durable_object` only: the size the current (or next) run uses. */
  instanceType?: StartInstanceType;
} & ({ status: "running" | "stopping" | "stopped" | "healthy" } | { status: "stopped_with_code"; exitCode?: number });

/**
 * Retries for `get` and `any` (the same instance, while it is not serving) and `pool` (another instance). A failure
 * that proves the request never reached the app is retried for any method; one that may have reached it only for an
 * idempotent request (see `idempotent`).
 */
export interface RetryOptions {
  /** Total attempts, including the first. `1` disables retrying. Default 3. */
  attempts?: number;
  /** Base delay before the second attempt; doubles each retry. Default 500 ms. */
  backoffMs?: number;
  /** Upper bound on any single delay. Default 5000 ms. */
  maxBackoffMs?: number;
  /**
   * Whether a request may be sent again after a failure that may have reached the app (the connection to the
   * container was lost mid-request; for `pool()`, a 5xx or a thrown call). Default: only GET, HEAD, OPTIONS and
   * requests with an `Idempotency-Key` header. `true` says your handler is safe to run twice; `false` forbids it
   * even for GET. Signals that prove the request never arrived (`starting`, `busy`, `stopping`, `not-listening`)
   * are retried either way.
   */
  idempotent?: boolean;
}

/** What `pool()` does with a failed attempt. */
export interface PoolOptions extends RetryOptions {
  /**
   * Whether to move on to another instance after this attempt. Default: the call threw, the response is a 5xx,
   * or the response is a signal. Consulted only when a re-send is safe (see `idempotent`): a 5xx or a throw may
   * mean the app already ran, so a non-idempotent request is not re-sent whatever this returns. The attempt's
   * response body is cancelled when the request is re-sent.
   */
  retryOn?: (outcome: AttemptOutcome) => boolean | Promise<boolean>;
  /**
   * Hedged requests: when the first attempt has not answered after a recent-latency quantile (with a floor), send
   * a second one to another instance; the first answer wins and the other is cancelled. Only for requests safe to
   * repeat (GET, HEAD, OPTIONS, an `Idempotency-Key` header, or `idempotent: true`) with a replayable body, and
   * within a budget of extra requests (default 10%). `true` takes the defaults.
   */
  hedge?: boolean | HedgeOptions;
  /** Marks the call as safe to run twice (for hedging), whatever its method. */
  idempotent?: boolean;
}

/** One attempt's result, as `retryOn` sees it: exactly one of `response` and `error` is set. */
export type AttemptOutcome =
  | { response: Response; error?: undefined; instance: string; attempt: number }
  | { response?: undefined; error: unknown; instance: string; attempt: number };

/** What an attempt ended as, for observability. */
export type AttemptResult =
  /** A response that is not a cold-start signal (2xx or an application error alike). */
  | "response"
  /** A signal (thrown or as a response): the instance did not serve the request (see `COLD_START_SIGNALS`). */
  | "cold-start"
  /** `pool()` only: `retryOn` said this attempt failed, so another instance is tried. */
  | "failed"
  /** A thrown error that is not a cold-start signal. */
  | "error"
  /** `pool()` only: the instance was at its concurrency limit and refused it unseen; moved to another at once. */
  | "busy";

/** Reported once per attempt to `onAttempt`. */
export interface AttemptEvent {
  /** Export name of the container. */
  container: string;
  /** Durable Object name of the instance (`id` for `get`, `moorage:pool:N` for `any`/`pool`). */
  instance: string;
  /** 1-based attempt number within the call. */
  attempt: number;
  outcome: AttemptResult;
  /** Whether the client will make another attempt after this one. */
  willRetry: boolean;
  /** Milliseconds from the start of the call until this attempt was sent. */
  waitMs: number;
  /** The response status, when there was a response. */
  status?: number;
  /** The object's `moorage-cold-start-ms`, when the response carried it. */
  coldStartMs?: number;
  /** The name of the matched signal, when `outcome` is `"cold-start"`. */
  signal?: string;
  /** The thrown error, when the attempt threw. */
  error?: unknown;
}

/** Reported once per `fetch()` call to `onCall`, after it settled. */
export interface CallEvent {
  container: string;
  /** The instance of the last attempt. */
  instance: string;
  /** The request's method, uppercased. */
  method: string;
  /** The request's URL path, without the query string (which may carry secrets). */
  path: string;
  attempts: number;
  /** Milliseconds from the start of the call until the last attempt was sent: what cold starts and retries cost. */
  waitMs: number;
  /** Total milliseconds until the response (or error) arrived. */
  totalMs: number;
  status?: number;
  coldStartMs?: number;
  error?: unknown;
  /** Set when a hedge was sent: which attempt's answer was returned (`first` or `hedge`). */
  hedge?: "first" | "hedge";
  /** How many `busy` refusals (an instance at its concurrency limit) moved the call to another instance. */
  busyMoves?: number;
  /** A declared pool's call held in the client while every serving instance was at its limit: milliseconds held. */
  heldMs?: number;
}

/** Options for `createContainerContext` (generated `containers(env, options)` passes them through). */
export interface ContainerContextOptions {
  /** Called after every attempt. Errors it throws are logged, never thrown into the request. */
  onAttempt?: (event: AttemptEvent) => void;
  /** Called once per `fetch()` when it settles. Errors it throws are logged, never thrown into the request. */
  onCall?: (event: CallEvent) => void;
  /** Defaults for every `get`/`any`/`pool` call of this context; per-call options override them. */
  retry?: RetryOptions;
  /** Spread each backoff delay uniformly over [delay/2, delay] so cold callers do not retry in lockstep. Default false. */
  jitter?: boolean;
  /** Randomness for `any()`, `pool()` and jitter: a seed (deterministic), or a function returning [0, 1). */
  random?: number | (() => number);
  /** Clock and timer, for tests. Defaults to `Date.now` and `setTimeout`. */
  clock?: Clock;
}

/** Time as the client sees it; a test can substitute a virtual clock. */
export interface Clock {
  now(): number;
  /** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}
