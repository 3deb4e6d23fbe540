/**
 * What the inspector page shows: the snapshot `moorage dev` sends the browser on every change.
 *
 * Why a module of its own: the dev process builds it (`state.ts`) and the page renders it (`ui/`); both compile
 * against these types, so the page cannot drift from what the server sends.
 * Boundary: types and limits only, no imports, nothing Node- or DOM-specific.
 */

/** How many of each list a snapshot keeps (newest last). */
export const LIMITS = { events: 300, requests: 200, egress: 200, bridge: 200, logLines: 80 } as const;

/**
 * An instance's state as a person would name it: `starting` (the engine runs its container, ports not open yet),
 * `running` (ports open, `readyOn` pending), `healthy` (serving), `stopping`, `stopped`, `failed` (its last start
 * failed).
 */
export type InstanceState = "starting" | "running" | "healthy" | "stopping" | "stopped" | "failed";

/** One cold start, split into its phases (milliseconds; a phase is absent when it was not measured). */
export interface ColdStartView {
  generation: number;
  /** Epoch ms the start was issued. */
  startedAt: number;
  /** Getting a container instance until its process ran. */
  instanceWaitMs?: number;
  /** Process running until every required port accepted connections. */
  portsMs?: number;
  /** True when instance wait could not be told apart: `portsMs` then counts from the start. */
  portsIncludeWait?: boolean;
  /** Ports open until every `readyOn` probe passed. */
  readyOnMs?: number;
  /** Start issued until ready. */
  totalMs?: number;
  ports: number[];
}

export interface LogLineView {
  stream: "stdout" | "stderr";
  time?: number;
  text: string;
}

export interface InstanceView {
  container: string;
  instance: string;
  state: InstanceState;
  /** The run generation (increments on every fresh start); 0 before the first. */
  generation: number;
  /** Epoch ms of the last state change. */
  since: number;
  exitCode?: number;
  /** The last error message, while `failed`. */
  error?: string;
  /** The latest cold start. */
  coldStart?: ColdStartView;
  /** The engine's view of its container, when there is one. */
  docker?: { id: string; name: string; status: string; running: boolean };
  /** The tail of the container's logs (oldest first). */
  logs: LogLineView[];
}

export interface ContainerView {
  /** Export name in `moorage/containers.ts`. */
  name: string;
  className: string;
  instances: InstanceView[];
}

/** One lifecycle event on the timeline. */
export interface TimelineEvent {
  time: number;
  event: string;
  container: string;
  instance: string;
  generation?: number;
  /** A short human summary of the event's fields (`exit 0, sleep`, `ports 1203 ms`). */
  detail: string;
}

export interface RequestView {
  time: number;
  container: string;
  instance: string;
  /** `GET`, `POST`, ... ("?" from a record that did not say). */
  method: string;
  /** The URL path (no query string). */
  path: string;
  attempts: number;
  waitMs: number;
  totalMs: number;
  status?: number;
  coldStartMs?: number;
  error?: string;
}

export interface EgressView {
  time: number;
  container: string;
  instance: string;
  host: string;
  allowed: boolean;
  rule: string;
  pattern?: string;
}

export interface BridgeView {
  time: number;
  /** The calling container and instance; empty when a token-mode call came from outside any container. */
  container: string;
  instance: string;
  /** `zero-config` or `token`. */
  mode: string;
  method: string;
  path: string;
  /** `file:export` of the function called. */
  functionPath?: string;
  /** The identity the function was given, summarized (`container renderer / doc-1`, `token SECRET`, `anonymous`). */
  identity?: string;
  /** Token mode through an outbound handler: the host the container called. */
  via?: string;
  status: number;
  durationMs: number;
}

export interface InspectorSnapshot {
  /** The Worker's name from its wrangler config. */
  worker?: string;
  /** Epoch ms the dev session started. */
  startedAt: number;
  /** Whether the local engine answers; `message` says why not. */
  engine: { ok: boolean; message?: string };
  containers: ContainerView[];
  events: TimelineEvent[];
  requests: RequestView[];
  egress: EgressView[];
  bridge: BridgeView[];
}
