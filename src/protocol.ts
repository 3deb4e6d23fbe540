/**
 * The wire contract between the client (`moorage`), the Durable Object base class (`moorage/do`) and the test
 * double, in one module so both ends always agree:
 *
 * - the request headers the client sets (and the routing headers it strips from whatever the caller passed);
 * - the object's own error codes (`moorage-error` header, JSON body `{ error: code, message }`), each with its
 *   status, whether the request may have reached the app, and so whether and how it may be retried;
 * - ONE cold-start catalog: the platform's (and local engine's) error messages and the code each one means. The
 *   object classifies thrown platform errors with `matchPlatformMessage`; the client's `COLD_START_SIGNALS` are
 *   derived from the same two lists (`src/client/signals.ts`), and a test checks they agree.
 * - the idempotency rule: which requests may be sent again after a failure that may have reached the app.
 *
 * For the object's side (H1, `src/do`): take the port from `HEADERS.port` and the instance from
 * `decodeInstanceName(HEADERS.instanceName)` (prefer `ctx.id.name` when workerd sets it); strip every routing
 * header (`isRoutingHeader`) before forwarding to the container, and every `moorage-*` header from the container's
 * response before adding your own; answer your own failures with an `OBJECT_ERRORS` code and its status;
 * classify thrown platform errors with `matchPlatformMessage` (its `code`), an unknown failure while proxying to a
 * serving container as `unreachable`. `TRANSIENT_MESSAGES` is the flat list of texts, for code that wants one.
 *
 * No runtime imports: loaded by the Worker, the Durable Object and the test double alike.
 */

/** Request and response headers Moorage reads or writes. All lowercase: `Headers` compares case-insensitively. */
export const HEADERS = {
  /** Set by the client on every request to the object: the container port (decimal) the object proxies to. */
  port: "moorage-port",
  /**
   * Set by the client on every request to the object: the instance name, `encodeURIComponent`-encoded (headers
   * are trimmed and Latin-1 only; `encodeInstanceName`). Set by the client on its responses too, encoded the same.
   */
  instanceName: "moorage-instance",
  /** Set by the client on responses: how many attempts the call took. */
  attempts: "moorage-attempts",
  /** Set by the client on responses: milliseconds spent waiting on cold starts and retries before this response. */
  waitMs: "moorage-wait-ms",
  /** Set by the object on responses: milliseconds this request waited for the container to start and be ready. */
  coldStartMs: "moorage-cold-start-ms",
  /** Set by the client on responses: how many `busy` refusals moved the call to another pool instance (when any). */
  busyMoves: "moorage-busy-moves",
  /** Set by the client on responses of a declared pool's call that was held for a free slot: milliseconds held. */
  heldMs: "moorage-held-ms",
  /** Set by the client on responses of `pool({ hedge })` when a hedge was sent: `first` or `hedge` won. */
  hedged: "moorage-hedged",
  /** Set by the object on its own error responses only: the `ObjectErrorCode`. Proof the response is Moorage's. */
  error: "moorage-error",
} as const;

/** Every header of Moorage's internal protocol starts with this. */
export const INTERNAL_HEADER_PREFIX = "moorage-";
/** The platform library's port header: a caller must never be able to pick the container port with it. */
export const PLATFORM_TARGET_PORT_HEADER = "cf-container-target-port";
/** The header a caller sets to say a request may safely run twice (IETF draft "The Idempotency-Key HTTP Header"). */
export const IDEMPOTENCY_KEY_HEADER = "idempotency-key";
/**
 * The zero-config bridge's host: every container gets `MOORAGE_URL=http://moorage.internal`; its Durable Object
 * intercepts calls to it (never resolved by DNS). The bridge client reads it to tell zero-config from token mode.
 */
export const BRIDGE_HOST = "moorage.internal";

/** True for a header that steers routing or belongs to Moorage's protocol: never taken from a caller or a container. */
export function isRoutingHeader(name: string): boolean {
  const lower = name.toLowerCase();
  return lower.startsWith(INTERNAL_HEADER_PREFIX) || lower === PLATFORM_TARGET_PORT_HEADER;
}

/** Deletes every routing header (`isRoutingHeader`) from `headers`, in place, and returns it. */
export function stripRoutingHeaders(headers: Headers): Headers {
  const names: string[] = [];
  headers.forEach((_value, name) => {
    if (isRoutingHeader(name)) names.push(name);
  });
  for (const name of names) headers.delete(name);
  return headers;
}

/** The header value for an instance name: any Unicode string survives (no trimming, no Latin-1 limit). */
export function encodeInstanceName(name: string): string {
  return encodeURIComponent(name);
}

/** The instance name from its header value, or undefined when the value is absent or not valid percent-encoding. */
export function decodeInstanceName(value: string | null | undefined): string | undefined {
  if (value === null || value === undefined || value === "") return undefined;
  try {
    return decodeURIComponent(value);
  } catch {
    return undefined;
  }
}

/** Methods that are idempotent by definition (RFC 9110 9.2.2), for which a re-send is always safe. */
export const IDEMPOTENT_METHODS: ReadonlySet<string> = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * True when a request may be sent again after a failure that may have reached the app: its method is idempotent,
 * it carries an `Idempotency-Key` header, or the caller said so explicitly (`{ idempotent: true }`).
 */
export function isIdempotent(method: string, headers: Headers, explicit?: boolean): boolean {
  if (explicit === true) return true;
  if (explicit === false) return false;
  return IDEMPOTENT_METHODS.has(method.toUpperCase()) || headers.has(IDEMPOTENCY_KEY_HEADER);
}

/** Whether a failed request may have reached the app. */
export type Delivery = "not-delivered" | "maybe-delivered";

/**
 * What a client may do about a failure: `any` (re-send whatever the method: the app never saw it), `idempotent`
 * (re-send only an idempotent request), `never` (a verdict; waiting will not change it).
 */
export type RetryRule = "any" | "idempotent" | "never";

/** One of the object's own error codes. */
export interface ObjectErrorSpec {
  /** The HTTP status the object answers with (`busy` may also be 429, rate limits are 429). */
  readonly status: number;
  readonly delivery: Delivery;
  readonly retry: RetryRule;
  /** True when the retry should go to another instance if there is one (`pool()`); `get()` waits on the same one. */
  readonly moveInstance: boolean;
  readonly meaning: string;
}

/** The object's error codes (value of `moorage-error`), with what each means for the request and for retries. */
export const OBJECT_ERRORS = {
  starting: {
    status: 503,
    delivery: "not-delivered",
    retry: "any",
    moveInstance: false,
    meaning: "the container is still starting (or the platform is provisioning it)",
  },
  busy: {
    status: 503,
    delivery: "not-delivered",
    retry: "any",
    moveInstance: true,
    meaning: "the instance is over its concurrency limit",
  },
  stopping: {
    status: 503,
    delivery: "not-delivered",
    retry: "any",
    moveInstance: false,
    meaning: "the container is stopping; a later request starts it again",
  },
  "not-listening": {
    status: 502,
    delivery: "not-delivered",
    retry: "any",
    moveInstance: false,
    meaning: "the app's port refused the connection before anything was sent",
  },
  "connection-lost": {
    status: 502,
    delivery: "maybe-delivered",
    retry: "idempotent",
    moveInstance: false,
    meaning: "the container went away after the request was sent",
  },
  unreachable: {
    status: 502,
    delivery: "maybe-delivered",
    retry: "idempotent",
    moveInstance: false,
    meaning: "the serving container could not be reached and the object cannot tell whether the request arrived",
  },
  "not-ready": {
    status: 503,
    delivery: "not-delivered",
    retry: "never",
    moveInstance: false,
    meaning: "readyOn probes did not all pass within the readiness budget (the budget was the wait)",
  },
  config: {
    status: 500,
    delivery: "not-delivered",
    retry: "never",
    moveInstance: false,
    meaning: "a secret, Secrets Store binding or export is missing: it will not fix itself",
  },
  "start-failed": {
    status: 500,
    delivery: "not-delivered",
    retry: "never",
    moveInstance: false,
    meaning: "the container could not be started (it exited, or the platform refused the start)",
  },
  "bad-request": {
    status: 400,
    delivery: "not-delivered",
    retry: "never",
    moveInstance: false,
    meaning: "the request to the object is malformed (a bad moorage-port header)",
  },
} as const satisfies Record<string, ObjectErrorSpec>;

/** The object's error codes, as they travel in `moorage-error`. */
export type ObjectErrorCode = keyof typeof OBJECT_ERRORS;

/** True when `value` (a `moorage-error` header, say) is one of the object's codes. */
export function isObjectErrorCode(value: unknown): value is ObjectErrorCode {
  return typeof value === "string" && Object.hasOwn(OBJECT_ERRORS, value);
}

/** May a request that failed with `code` be sent again? `idempotent` is `isIdempotent(...)` for the request. */
export function mayRetry(code: ObjectErrorCode, idempotent: boolean): boolean {
  const rule: RetryRule = OBJECT_ERRORS[code].retry;
  return rule === "any" || (rule === "idempotent" && idempotent);
}

/** One message the platform (workerd, the container runtime, the local engine) uses, and what it means. */
export interface PlatformMessage {
  /** Stable name, reported by the client as `AttemptEvent.signal`. */
  readonly name: string;
  /** Lowercased substring matched against a thrown error's message (and its causes'). */
  readonly text: string;
  /** The object code it means (which fixes delivery and the retry rule). */
  readonly code: ObjectErrorCode;
  /** The status the object answers with for it, when not the code's own (rate limits are 429). */
  readonly status?: number;
  /** Where it comes from, for readers. */
  readonly source: string;
  /** A message that matches, for tests and the test double. */
  readonly example: string;
}

/**
 * The cold-start catalog: thrown platform errors that mean "not serving (yet)" or "the connection went away",
 * first match wins (so the more specific texts come first). Anything not listed is not a platform signal.
 */
export const PLATFORM_MESSAGES = [
  {
    name: "no-instance",
    text: "no container instance",
    code: "starting",
    source: "platform: no instance can be provided yet (deploys, capacity dips; containers#45)",
    example: "There is no Container instance available at this time.",
  },
  {
    name: "rate-limited",
    text: "too many containers",
    code: "starting",
    status: 429,
    source: "platform: 'you are requesting too many containers per second'",
    example: "You are requesting too many containers per second, try again later",
  },
  {
    name: "monitor-missing",
    text: "monitor failed to find container",
    code: "starting",
    source: "local engine transient (containers#155)",
    example: "monitor failed to find container",
  },
  {
    name: "port-not-found",
    text: "container port not found",
    code: "starting",
    source: "local engine transient (containers#155): the port mapping is not there yet",
    example: "Failed to proxy: container port not found",
  },
  {
    name: "did-not-start",
    text: "did not start after",
    code: "starting",
    source: "a start that is still in progress when its wait ran out",
    example: "Container did not start after 8000ms",
  },
  {
    name: "container-stopping",
    text: "container is stopping",
    code: "stopping",
    source: "platform: the container is shutting down",
    example: "The container is stopping",
  },
  {
    name: "connection-refused",
    text: "connection refused",
    code: "not-listening",
    source: "nothing accepted the connection, so nothing was sent (containers#155)",
    example: "connect ECONNREFUSED: connection refused",
  },
  {
    name: "port-not-listening",
    text: "not listening",
    code: "not-listening",
    source: "platform: the container process is up but its port is not open yet",
    example: "the container is not listening on port 8080",
  },
  {
    name: "try-again-later",
    text: "try again later",
    code: "starting",
    source: "platform transients that refuse the request and ask for a retry",
    example: "Service temporarily unavailable, try again later",
  },
  {
    name: "link-lost",
    text: "network connection lost",
    code: "connection-lost",
    source: "platform: the link to the container (or the object) broke, possibly after the request was sent",
    example: "Network connection lost.",
  },
  {
    name: "container-disconnected",
    text: "container suddenly disconnected",
    code: "connection-lost",
    source: "platform: the container went away mid-request",
    example: "Container suddenly disconnected",
  },
  {
    name: "port-closed",
    text: "closed unexpectedly",
    code: "connection-lost",
    source: "platform: the container's port closed the connection mid-request",
    example: "Container port connection closed unexpectedly",
  },
  {
    name: "object-reset",
    text: "durable object reset",
    code: "connection-lost",
    source: "platform: the object was reset (code update) with the request in flight",
    example: "Durable Object reset because its code was updated.",
  },
] as const satisfies readonly PlatformMessage[];

/** The names of the platform messages. */
export type PlatformMessageName = (typeof PLATFORM_MESSAGES)[number]["name"];

/** The catalog's texts, flat: every thrown-error text that is a platform signal. */
export const TRANSIENT_MESSAGES: readonly string[] = PLATFORM_MESSAGES.map((m) => m.text);

/** The platform message a thrown error matches (its message or a cause's, case-insensitively), or undefined. */
export function matchPlatformMessage(error: unknown): PlatformMessage | undefined {
  const text = errorText(error);
  if (text === "") return undefined;
  return (PLATFORM_MESSAGES as readonly PlatformMessage[]).find((m) => text.includes(m.text));
}

function errorText(error: unknown): string {
  let text = "";
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current !== undefined && current !== null; depth++) {
    if (current instanceof Error) {
      text += `${current.message.toLowerCase()}\n`;
      current = current.cause;
    } else {
      text += String(current).toLowerCase();
      break;
    }
  }
  return text;
}
