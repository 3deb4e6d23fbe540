/**
 * Public types of the Docker-free test double. The context it returns has exactly the client's types
 * (`ContainerContext<S>`), plus a few inspection members.
 */
import type { ContainerContext, ContainerContextOptions, ContainerSpec, ContainerState } from "../client/types.js";
import type { ContainerDefinition } from "../definition/types.js";
import type { TestExecHandler } from "./exec-double.js";

/** Where a request to the double was routed. */
export interface TestRequestInfo {
  /** Export name of the container. */
  container: string;
  /** Instance name: the `id` given to `get`, or `pool-N` for `any`/`pool`. */
  instance: string;
  /** The port chosen with `.port(n)`, or undefined for the default port. */
  port: number | undefined;
}

/** Plays the container's application: gets the request the container would get. */
export type TestHandler = (request: Request, info: TestRequestInfo) => Response | Promise<Response>;

/** A method of a handle, as recorded. */
export type RecordedMethod =
  | "fetch"
  | "start"
  | "stop"
  | "destroy"
  | "getState"
  | "renewActivityTimeout"
  | "egress.allow"
  | "egress.deny"
  | "egress.removeAllowed"
  | "egress.removeDenied"
  | "egress.setAllowed"
  | "egress.setDenied"
  | "exec"
  | "execSignal"
  | "terminalTicket"
  | "snapshot"
  | "snapshots";

/** One call that reached an instance. A `fetch` is recorded once per attempt. */
export interface RecordedCall {
  container: string;
  instance: string;
  method: RecordedMethod;
  /** Arguments of lifecycle and egress calls (`[]` for `fetch`). */
  args: unknown[];
  /** `fetch` only: a clone of the request as the container received it (body still readable). */
  request?: Request;
  /** `fetch` only: the port chosen with `.port(n)`. */
  port?: number;
  /** Virtual time of the call, in ms since the context was created. */
  at: number;
}

/** What the double knows about one instance. */
export interface TestInstance {
  status: ContainerState["status"];
  /** How many times it went from not running to running (explicit `start()` or a first request). */
  starts: number;
  /** Requests that reached the handler (cold-start signals included). */
  requests: number;
  /** `durable_object`: the image name the last start ran. */
  image?: string;
  /** `durable_object`: starts that restored `persist` directories or a whole-container snapshot. */
  restores: number;
  allowedHosts: string[];
  deniedHosts: string[];
}

export interface TestContextOptions extends Omit<ContainerContextOptions, "random" | "clock"> {
  /** Seed for `any`/`pool` routing and jitter. Default 0: the same test always routes the same way. */
  seed?: number;
  /** Real timers instead of the default virtual clock (backoff then really waits). */
  realTime?: boolean;
  /** Pool size per container when no `specs` are given (default 3). */
  maxInstances?: number | Record<string, number>;
  /** Plays `exec` per container: `{ shell: (cmd, info) => ({ exitCode: 0, stdout: "hi\n" }) }`. */
  exec?: Readonly<Record<string, TestExecHandler>>;
  /**
   * The generated `definitions` (or some of them): with one, a container's images, `persist` and size follow its
   * declaration exactly. Without, a spec's `images` are taken as declared, with no `persist`.
   */
  definitions?: Readonly<Record<string, ContainerDefinition>>;
}

/** Inspection members of the test double. */
export interface TestControls {
  /** Every call that reached an instance, in order. */
  readonly calls: readonly RecordedCall[];
  /** Calls to one container (and instance). */
  callsTo(container: string, instance?: string): RecordedCall[];
  /** The state of one instance (a fresh, stopped record if it was never used). */
  instance(container: string, instance: string): TestInstance;
  /** Virtual milliseconds elapsed (backoff advances it instantly). */
  now(): number;
  /** Forgets recorded calls and instance state. */
  reset(): void;
  /**
   * The container bindings the double serves (`CONTAINER_X`, one per container), for code that calls
   * `containers(env)` itself: spread them over a real env, `worker.fetch(request, { ...env, ...c.bindings }, ctx)`,
   * and the Worker's own client routes into the handlers (recorded like the double's own calls). This is how Worker
   * tests run in `@cloudflare/vitest-pool-workers`, which disables containers.
   */
  readonly bindings: Readonly<Record<string, unknown>>;
}

/** The double: the client's context for `S`, plus inspection. */
export type TestContainerContext<S extends readonly ContainerSpec[]> = ContainerContext<S> & TestControls;

/** Handlers for a spec list: any subset (a container without one fails with a directed error when fetched). */
export type TestHandlersFor<S extends readonly ContainerSpec[]> = {
  readonly [K in S[number]["exportName"]]?: TestHandler;
};

/** The spec list implied by a handler map. */
export type SpecsOf<H> = readonly {
  readonly exportName: keyof H & string;
  readonly binding: string;
  readonly maxInstances?: number;
}[];
