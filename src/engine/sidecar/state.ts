/**
 * The sidecar's live egress configuration, as pushed by workerd's `PUT /egress`.
 *
 * Why: workerd sends `{"port": P, "dns": {"allowHostnames": [...]}, "internet": {"enabled": bool}}`
 * before every container start (and `{"port": P}` alone when it recovers a running sidecar). Both the
 * DNS responder and the egress listener read this one object, so an update applies atomically to both.
 * Boundary: validation and storage; side effects (firewall updates) are the subscribers' business.
 */
import { parsePort } from "./args.js";
import { hostnameGlobMatches, isSafeHostname, normalizeHostname } from "./names.js";

/** Most hostname globs one `PUT /egress` may carry (workerd sends the allow list of one container). */
export const MAX_ALLOW_HOSTNAMES = 4096;

export interface EgressConfig {
  /** workerd's egress listener port on the docker gateway; undefined until known. */
  port: number | undefined;
  /** Hostname globs workerd intercepts; `*` means every name. */
  allowHostnames: string[];
  /** Whether non-intercepted traffic may leave (workerd passes it through, answering 202). */
  internetEnabled: boolean;
}

export type EgressUpdate = Partial<EgressConfig>;

/** Parses a `PUT /egress` body; throws an Error naming the bad field. Missing fields stay unchanged. */
export function parseEgressBody(body: string): EgressUpdate {
  let json: unknown;
  try {
    json = JSON.parse(body === "" ? "{}" : body);
  } catch {
    throw new Error("body is not JSON");
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) throw new Error("body must be a JSON object");
  const o = json as Record<string, unknown>;
  const update: EgressUpdate = {};
  if (o.port !== undefined) {
    const port = typeof o.port === "number" ? parsePort(String(o.port)) : undefined;
    if (port === undefined) throw new Error(`"port" must be a TCP port number, got ${JSON.stringify(o.port)}`);
    update.port = port;
  }
  if (o.dns !== undefined && o.dns !== null) {
    const dns = o.dns as Record<string, unknown>;
    if (dns.allowHostnames !== undefined) {
      if (!Array.isArray(dns.allowHostnames) || !dns.allowHostnames.every((h) => typeof h === "string")) {
        throw new Error(`"dns.allowHostnames" must be an array of strings`);
      }
      if (dns.allowHostnames.length > MAX_ALLOW_HOSTNAMES) {
        throw new Error(
          `"dns.allowHostnames" has ${dns.allowHostnames.length} entries; at most ${MAX_ALLOW_HOSTNAMES}`,
        );
      }
      const names = dns.allowHostnames.map((h: string) => normalizeHostname(h));
      const bad = names.find((h) => !isSafeHostname(h));
      if (bad !== undefined) throw new Error(`"dns.allowHostnames" holds ${JSON.stringify(bad)}, not a hostname glob`);
      update.allowHostnames = names;
    }
  }
  if (o.internet !== undefined && o.internet !== null) {
    const enabled = (o.internet as Record<string, unknown>).enabled;
    if (typeof enabled !== "boolean") throw new Error(`"internet.enabled" must be a boolean`);
    update.internetEnabled = enabled;
  }
  return update;
}

type Listener = (config: EgressConfig, previous: EgressConfig) => void | Promise<void>;

export class EgressState {
  private config: EgressConfig;
  private readonly listeners: Array<Listener> = [];

  constructor(initial: EgressConfig) {
    this.config = { ...initial, allowHostnames: [...initial.allowHostnames] };
  }

  get current(): Readonly<EgressConfig> {
    return this.config;
  }

  /** Applies an update; resolves once every subscriber (e.g. the firewall) has applied it too. */
  async apply(update: EgressUpdate): Promise<void> {
    const previous = this.config;
    this.config = { ...previous, ...update };
    try {
      for (const fn of this.listeners) await fn(this.config, previous);
    } catch (err) {
      this.config = previous; // a config the firewall could not enforce is not in force
      throw err;
    }
  }

  onChange(fn: Listener): void {
    this.listeners.push(fn);
  }

  /** Whether DNS should answer `hostname` with a synthetic address (workerd will intercept it). */
  isIntercepted(hostname: string): boolean {
    const name = normalizeHostname(hostname);
    return this.config.allowHostnames.some((glob) => hostnameGlobMatches(glob, name));
  }
}
