/**
 * What a user writes (`ContainerConfig`) and what the rest of Moorage reads (`ContainerDefinition`).
 *
 * `defineContainer` turns the first into the second once, at authoring time: defaults applied, durations in
 * seconds, image resolved to a tagged union. Codegen inlines the definition as JSON into the generated Durable
 * Object classes, so the Worker never runs the validation code and every layer reads the same normalized shape.
 */
import type { DurationInput } from "./duration.js";
import type { CustomInstanceType, NamedInstanceType } from "./instance-types.js";
import type { ConcurrencyConfig, InstancesConfig, ResolvedConcurrency, ResolvedInstances } from "./pool.js";
import type { SchedulingConfig, SchedulingDefinition } from "./scheduling.js";

/** An application-level readiness probe: `GET path` on `port` must answer `status`. */
export interface ReadyCheck {
  /** Path to probe, e.g. `/ready`. Must start with `/`. */
  path: string;
  /** Port to probe; defaults to `defaultPort`. Must be one of the container's ports. */
  port?: number;
  /** Expected status; defaults to 200. */
  status?: number;
}

/**
 * The container as the user declares it in `moorage/containers.ts`. Scheduling, named images, `persist`,
 * placement and rollout fields are in `SchedulingConfig` (./scheduling.ts).
 */
export interface ContainerConfig extends SchedulingConfig {
  /**
   * Where the image comes from:
   * - a directory containing a `Dockerfile` (`"./containers/transcoder"`),
   * - a path to a Dockerfile whose name starts with `Dockerfile` (`"./containers/transcoder/Dockerfile.dev"`),
   * - or a pre-built image: `{ registry: "registry.cloudflare.com/acme/transcoder:1.4" }`.
   * Relative paths resolve against the project root (the folder holding `wrangler.jsonc`).
   * Required unless `images` names the images instead.
   */
  image?: string | { registry: string };
  /** Port a request goes to when it does not pick one with `.port(n)`. Default 8080. */
  defaultPort?: number;
  /** Every port the app must listen on before it gets traffic. Default `[defaultPort]`. */
  requiredPorts?: number[];
  /** Overrides the image's entrypoint. */
  entrypoint?: string[];
  /** A named instance type or a custom `{ vcpu, memoryMib, diskMb }`. Default `"lite"`. */
  instanceType?: NamedInstanceType | CustomInstanceType;
  /** Upper bound of running instances (wrangler `max_instances`) and the size of the `any()`/`pool()` pool. */
  maxInstances?: number;
  /** Pool sizing: `{ min, max, scaleWindow }` (warm instances, autoscaling bounds). See the README's pool model. */
  instances?: InstancesConfig;
  /** Per-instance in-flight requests: `{ target, limit }` (autoscaling target, hard cap enforced by the object). */
  concurrency?: ConcurrencyConfig;
  /** Stop the container after this much idle time. Default `"10m"`. */
  sleepAfter?: DurationInput;
  /** Stop the container this long after it started, busy or not. No cap by default. */
  hardTimeout?: DurationInput;
  /**
   * How long a stopped run may ignore SIGTERM before it gets SIGKILL, and how long a run that stops answering on its
   * ports (a drain) may take to answer again or exit before it is replaced. Default `"15s"`.
   */
  stopTimeout?: DurationInput;
  /** How long `readyOn` probes may take before requests fail with a 503. Default `"30s"`. */
  readyTimeout?: DurationInput;
  /** Plain environment variables. */
  env?: Record<string, string>;
  /** Names of Worker secrets (`.dev.vars`, `wrangler secret put`) forwarded under the same name. */
  secrets?: string[];
  /** Container env name -> Secrets Store binding name, resolved with the binding's `.get()` at first start. */
  secretsStore?: Record<string, string>;
  /** Metadata attached to every instance and every lifecycle log line. */
  labels?: Record<string, string>;
  /** `docker build --build-arg` values (wrangler `image_vars`). Ignored, with a warning, for a `{ registry }` image. */
  buildArgs?: Record<string, string>;
  /** Outbound internet access. Default `true`. */
  enableInternet?: boolean;
  /** Host globs reachable even when `enableInternet` is false (`"*.stripe.com"`). */
  allowedHosts?: string[];
  /** Host globs that are always blocked; overrides everything else. */
  deniedHosts?: string[];
  /** Apply the egress lists to HTTPS too (the image must trust the platform CA). Default `false`. */
  interceptHttps?: boolean;
  /** Application readiness probes that gate traffic. */
  readyOn?: ReadyCheck[];
}

/** Where the image comes from, resolved. Paths are as written, relative to the project root. */
export type ImageSource =
  | {
      kind: "dockerfile" /** Path to the Dockerfile. */;
      dockerfile: string /** Build context directory. */;
      context: string;
    }
  | { kind: "registry"; reference: string };

/** A readiness probe with its defaults applied. */
export interface ResolvedReadyCheck {
  path: string;
  port: number;
  status: number;
}

/**
 * The normalized definition every other layer reads. Plain JSON: codegen inlines it into the generated classes.
 * `image` is always the image a bare `start()` runs (under `images`, the `defaultImage` one).
 */
export interface ContainerDefinition extends SchedulingDefinition {
  image: ImageSource;
  defaultPort: number;
  /** Never empty: `[defaultPort]` when the user set none. */
  requiredPorts: number[];
  entrypoint?: string[];
  instanceType: NamedInstanceType | CustomInstanceType;
  /** Absent when the user set none: wrangler's own default applies and the pool has `DEFAULT_POOL_SIZE` members. */
  maxInstances?: number;
  /** Present when the pool is declared: `pool()` scales between `min` and `max` (the pool size). */
  instances?: ResolvedInstances;
  /** Present when declared: `target` per instance for autoscaling, `limit` enforced by each instance's object. */
  concurrency?: ResolvedConcurrency;
  sleepAfterSeconds: number;
  hardTimeoutSeconds?: number;
  /** Grace between SIGTERM and SIGKILL when a run is stopped; absent: 15 s. */
  stopTimeoutSeconds?: number;
  readyTimeoutSeconds: number;
  env: Record<string, string>;
  secrets: string[];
  secretsStore: Record<string, string>;
  labels: Record<string, string>;
  buildArgs: Record<string, string>;
  enableInternet: boolean;
  allowedHosts: string[];
  deniedHosts: string[];
  interceptHttps: boolean;
  readyOn: ResolvedReadyCheck[];
}

/** Defaults, in one place. */
export const DEFAULTS = {
  defaultPort: 8080,
  instanceType: "lite",
  sleepAfterSeconds: 600,
  readyTimeoutSeconds: 30,
  enableInternet: true,
  interceptHttps: false,
  readyStatus: 200,
} as const;

/** What `defineContainer` returns: the normalized definition, branded so discovery can find it among exports. */
export interface DefinedContainer extends ContainerDefinition {
  readonly [DEFINED]: true;
}

/** Marks values produced by `defineContainer`; codegen finds declarations by this brand, not by name. */
export const DEFINED: unique symbol = Symbol.for("moorage.container");
