/**
 * Egress on the platform's interception primitives. What a run intercepts is the least its configuration needs:
 *
 * - always `moorage.internal` (the zero-config bridge), that one host;
 * - each host glob of the app's outbound handlers (`setOutboundHandlers`);
 * - each `deniedHosts` glob (answered "disallowed");
 * - with the internet off, each `allowedHosts` glob (answered by going out from the Worker);
 * - everything (`interceptAllOutboundHttp`) only when an allow-list must gate a container that has internet access,
 *   or the app registered a catch-all handler.
 *
 * So a container with no lists and no handlers sends its outbound traffic straight out: only its calls to
 * `moorage.internal` ever touch the Worker. Interceptions cannot be removed on the platform, so every glob ever
 * registered for the instance is re-registered with the current lists on each change, and `MoorageOutbound`
 * decides with those lists; a host that left the lists is then simply refused or let through.
 *
 * Runtime changes (`egress.allow(host)`, ...) are kept per instance in Durable Object storage and outlive restarts
 * of the object and of its container. Lists set by the platform library's base class under its own key are read
 * once, so instances upgraded from it keep their runtime changes.
 *
 * Boundary: list state, its persistence, and applying it to `ctx.container`. Answering intercepted requests is
 * `outbound.ts`.
 */
import type { ContainerDefinition } from "../definition/types.js";
import { BRIDGE_HOST } from "./environment.js";
import { ObjectError } from "./errors.js";
import { type OutboundProps, outboundHandlersFor } from "./outbound.js";
import type { KvLike } from "./run-ledger.js";

const KEY = "moorage:egress";
/** Where `@cloudflare/containers` kept runtime list changes (read once, for upgraded instances). */
const LEGACY_KEY = "OUTBOUND_CONFIGURATION";

interface Stored {
  /** Runtime replacement of the declared allow-list (absent: the declared one applies). */
  allowedHosts?: string[];
  deniedHosts?: string[];
  /** Every glob ever registered for interception on this instance. */
  intercepted?: string[];
  interceptAll?: boolean;
}

/** The slice of `ctx.container` egress needs. */
export interface InterceptingContainer {
  interceptOutboundHttp(addr: string, binding: Fetcher): Promise<void>;
  interceptOutboundHttps(addr: string, binding: Fetcher): Promise<void>;
  interceptAllOutboundHttp(binding: Fetcher): Promise<void>;
}

type OutboundFactory = (options: { props: OutboundProps }) => Fetcher;

/** Who the interception is for: the container, the instance and the run generation. */
export interface EgressIdentity {
  container: string;
  instance: string;
  generation: number;
}

export class Egress {
  #stored: Stored;

  constructor(
    private readonly kv: KvLike,
    private readonly definition: ContainerDefinition,
    private readonly className: string,
  ) {
    this.#stored = kv.get<Stored>(KEY) ?? this.#legacy();
  }

  #legacy(): Stored {
    const old = this.kv.get<{ allowedHosts?: string[]; deniedHosts?: string[] }>(LEGACY_KEY);
    const stored: Stored = {};
    if (Array.isArray(old?.allowedHosts)) stored.allowedHosts = old.allowedHosts.filter((h) => h !== BRIDGE_HOST);
    if (Array.isArray(old?.deniedHosts)) stored.deniedHosts = [...old.deniedHosts];
    return stored;
  }

  /** The allow-list in force, or undefined when there is none. */
  get allowedHosts(): string[] | undefined {
    if (this.#stored.allowedHosts) return [...this.#stored.allowedHosts];
    return this.definition.allowedHosts.length > 0 ? [...this.definition.allowedHosts] : undefined;
  }

  get deniedHosts(): string[] {
    return [...(this.#stored.deniedHosts ?? this.definition.deniedHosts)];
  }

  setAllowed(hosts: readonly string[]): void {
    this.#save({ allowedHosts: unique(hosts) });
  }

  allow(host: string): void {
    this.#save({ allowedHosts: unique([...(this.allowedHosts ?? []), host]) });
  }

  removeAllowed(host: string): void {
    this.#save({ allowedHosts: (this.allowedHosts ?? []).filter((h) => h !== host) });
  }

  setDenied(hosts: readonly string[]): void {
    this.#save({ deniedHosts: unique(hosts) });
  }

  deny(host: string): void {
    this.#save({ deniedHosts: unique([...this.deniedHosts, host]) });
  }

  removeDenied(host: string): void {
    this.#save({ deniedHosts: this.deniedHosts.filter((h) => h !== host) });
  }

  #save(patch: Stored): void {
    this.#stored = { ...this.#stored, ...patch };
    this.kv.put(KEY, this.#stored);
  }

  /** Whether all outbound HTTP must pass through the Worker. */
  needsInterceptAll(): boolean {
    if (outboundHandlersFor(this.className).catchAll) return true;
    return this.allowedHosts !== undefined && this.definition.enableInternet;
  }

  /** The host globs this configuration intercepts one by one (plus any registered earlier). */
  hostsToIntercept(): string[] {
    const hosts = new Set<string>([BRIDGE_HOST, ...(this.#stored.intercepted ?? [])]);
    for (const host of Object.keys(outboundHandlersFor(this.className).byHost ?? {})) hosts.add(host);
    for (const host of this.deniedHosts) hosts.add(host);
    if (!this.definition.enableInternet) for (const host of this.allowedHosts ?? []) hosts.add(host);
    return [...hosts];
  }

  props(identity: EgressIdentity): OutboundProps {
    const props: OutboundProps = {
      className: this.className,
      container: identity.container,
      instance: identity.instance,
      generation: identity.generation,
      labels: { ...this.definition.labels },
      enableInternet: this.definition.enableInternet,
      deniedHosts: this.deniedHosts,
    };
    const allowed = this.allowedHosts;
    if (allowed !== undefined) props.allowedHosts = allowed;
    return props;
  }

  /** Applies the current configuration to the (starting or running) container. */
  async apply(container: InterceptingContainer, exports: unknown, identity: EgressIdentity): Promise<void> {
    const factory = (exports as { MoorageOutbound?: OutboundFactory } | undefined)?.MoorageOutbound;
    if (typeof factory !== "function") {
      throw new ObjectError(
        "config",
        `moorage: container "${identity.container}" cannot route its outbound traffic: the Worker does not export ` +
          "MoorageOutbound. Re-export the generated module from your Worker entry " +
          '(`export * from "./moorage/_generated/containers"`) and run `moorage generate`.',
      );
    }
    const fetcher = factory({ props: this.props(identity) });
    const hosts = this.hostsToIntercept();
    const all = this.needsInterceptAll() || this.#stored.interceptAll === true;
    for (const host of hosts) {
      await container.interceptOutboundHttp(host, fetcher);
      if (this.definition.interceptHttps && host !== BRIDGE_HOST) await container.interceptOutboundHttps(host, fetcher);
    }
    if (all) {
      if (this.definition.interceptHttps) await container.interceptOutboundHttps("*", fetcher);
      await container.interceptAllOutboundHttp(fetcher);
    }
    const intercepted = hosts.filter((h) => h !== BRIDGE_HOST);
    const before = this.#stored;
    if (
      (before.intercepted ?? []).length !== intercepted.length ||
      (before.interceptAll === true) !== all ||
      !this.kv.get(KEY)
    ) {
      this.#save({ intercepted, ...(all ? { interceptAll: true } : {}) });
    }
  }
}

function unique(hosts: readonly string[]): string[] {
  return [...new Set(hosts.filter((h) => typeof h === "string" && h.length > 0))];
}
