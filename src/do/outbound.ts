/**
 * The outbound side of egress: the app's own outbound handlers (a typed replacement for assigning the platform
 * library's `outboundByHost` on a class), and `MoorageOutbound`, the Worker entrypoint the platform calls for every
 * container request Moorage intercepted. The generated module exports it; the Durable Object reaches it through
 * `ctx.exports.MoorageOutbound({ props })`, and `props` carry the instance's identity and its current lists.
 *
 * Decision order for one intercepted request: `moorage.internal` -> the bridge handler; a denied host -> refused;
 * with an allow-list, an unlisted host -> refused; the app's handler for the host (exact name, then glob) or its
 * catch-all handler; otherwise the request goes out to the internet when the host is allowed or the container has
 * internet access, and is refused when not. Refusals answer 520 "Origin is disallowed", as the platform does.
 *
 * Boundary: deciding and answering intercepted requests. Which hosts get intercepted is `egress.ts`'s job.
 */
import { WorkerEntrypoint } from "cloudflare:workers";
import { MoorageError } from "../errors.js";
import { tagOutboundCaller } from "../records.js";
import { type BridgeCaller, bridgeOutboundHandler } from "./bridge.js";
import { BRIDGE_HOST } from "./environment.js";
import { consoleSink, lifecycleRecord } from "./lifecycle-log.js";

/** Who is calling out: the container's export name, the instance, and the host it called. */
export interface OutboundCaller extends BridgeCaller {
  host: string;
}

/** Answers one intercepted outbound request of a container. */
export type OutboundHandler<Env = unknown> = (
  request: Request,
  env: Env,
  caller: OutboundCaller,
) => Response | Promise<Response>;

export interface OutboundHandlers<Env = unknown> {
  /**
   * Host (or host glob: `"*.media.test"`) -> handler. Only these hosts are routed through the Worker; the lists
   * (`allowedHosts`, `deniedHosts`) still decide first.
   */
  byHost?: Record<string, OutboundHandler<Env>>;
  /** Every other outbound HTTP request. Setting it routes all of the container's outbound HTTP through the Worker. */
  catchAll?: OutboundHandler<Env>;
}

/** What the Durable Object attaches to the entrypoint it hands to the platform. Plain JSON. */
export interface OutboundProps {
  /** The Durable Object class name (the registry key). */
  className: string;
  container: string;
  instance: string;
  enableInternet: boolean;
  /** Absent: no allow-list. */
  allowedHosts?: string[];
  deniedHosts: string[];
  /** The run generation the interception was set up for. */
  generation: number;
  labels: Record<string, string>;
}

/** How an intercepted request was answered, as reported on `egress` lifecycle records. */
export type EgressDecision = "bridge" | "denied" | "not-allowed" | "handler" | "catch-all" | "internet" | "no-internet";

type ContainerClass = abstract new (...args: never[]) => unknown;

const registry = new Map<string, OutboundHandlers<never>>();

/**
 * Registers outbound handlers for a generated container class. Call at the top level of the Worker entry (the
 * Durable Object reads the hosts when it starts a run, and the entrypoint runs them). A second call replaces the
 * first; `undefined` unregisters. Takes effect for runs started afterwards.
 */
export function setOutboundHandlers<Env = unknown>(
  container: ContainerClass,
  handlers: OutboundHandlers<Env> | undefined,
): void {
  if (typeof container !== "function" || !container.name) {
    throw new MoorageError(
      "invalid-option",
      "setOutboundHandlers: pass a generated container class, e.g. setOutboundHandlers(FetcherContainer, { byHost })",
    );
  }
  for (const host of Object.keys(handlers?.byHost ?? {})) {
    if (!host || /[\s/]/.test(host)) {
      throw new MoorageError(
        "invalid-option",
        `setOutboundHandlers(${container.name}): "${host}" is not a host or host glob`,
      );
    }
  }
  if (handlers === undefined) registry.delete(container.name);
  else registry.set(container.name, handlers as OutboundHandlers<never>);
}

export function outboundHandlersFor(className: string): OutboundHandlers<unknown> {
  return (registry.get(className) ?? {}) as OutboundHandlers<unknown>;
}

/** `*` matches any run of characters; everything else literally. */
export function hostMatches(pattern: string, host: string): boolean {
  const parts = pattern.toLowerCase().split("*");
  if (parts.length === 1) return pattern.toLowerCase() === host;
  const first = parts[0] ?? "";
  const last = parts[parts.length - 1] ?? "";
  if (!host.startsWith(first) || !host.endsWith(last) || host.length < first.length + last.length) return false;
  let at = first.length;
  for (const middle of parts.slice(1, -1)) {
    const found = host.indexOf(middle, at);
    if (found === -1) return false;
    at = found + middle.length;
  }
  return at <= host.length - last.length;
}

const firstMatch = (patterns: readonly string[], host: string) => patterns.find((p) => hostMatches(p, host));

function disallowed(): Response {
  return new Response("Origin is disallowed", { status: 520 });
}

/**
 * The decision for one intercepted request (no side effects). `pattern` is the list entry or handler key that
 * decided it (`"evil.cdn.media.test"` of `deniedHosts`, `"*.media.test"` of `byHost`), when one did.
 */
export function decideOutbound(
  host: string,
  props: OutboundProps,
): { decision: EgressDecision; handler?: OutboundHandler<unknown>; pattern?: string } {
  if (host === BRIDGE_HOST) return { decision: "bridge" };
  const denied = firstMatch(props.deniedHosts, host);
  if (denied !== undefined) return { decision: "denied", pattern: denied };
  const allowed = props.allowedHosts === undefined ? undefined : firstMatch(props.allowedHosts, host);
  if (props.allowedHosts !== undefined && allowed === undefined) return { decision: "not-allowed" };
  const handlers = outboundHandlersFor(props.className);
  const byHost = handlers.byHost ?? {};
  const key =
    byHost[host] !== undefined
      ? host
      : Object.keys(byHost).find((pattern) => pattern !== host && hostMatches(pattern, host));
  const handler = key === undefined ? undefined : byHost[key];
  if (handler) return { decision: "handler", handler, pattern: key as string };
  if (handlers.catchAll) return { decision: "catch-all", handler: handlers.catchAll };
  if (allowed !== undefined) return { decision: "internet", pattern: allowed };
  if (props.enableInternet) return { decision: "internet" };
  return { decision: "no-internet" };
}

/**
 * Answers one intercepted request and reports the decision as an `egress` lifecycle record (`host`, `decision`,
 * the `pattern` that decided it, `method`; never the path or headers, which may carry secrets).
 */
export async function answerOutbound(request: Request, env: unknown, props: OutboundProps): Promise<Response> {
  const host = new URL(request.url).hostname.toLowerCase().replace(/\.+$/, "");
  const caller: OutboundCaller = { container: props.container, instance: props.instance, host };
  const { decision, handler, pattern } = decideOutbound(host, props);
  try {
    consoleSink(
      lifecycleRecord(
        "egress",
        {
          container: props.container,
          instance: props.instance,
          labels: props.labels ?? {},
          generation: props.generation,
        },
        { host, decision, method: request.method, ...(pattern === undefined ? {} : { pattern }) },
      ),
    );
  } catch {
    // Reporting never changes the answer.
  }
  switch (decision) {
    case "bridge":
      return bridgeOutboundHandler(request, env, caller);
    case "handler":
    case "catch-all":
      // Lets the RPC endpoint name this container if the handler passes the request on to the Worker (token mode).
      tagOutboundCaller(request, caller);
      return (handler as OutboundHandler<unknown>)(request, env, caller);
    case "internet":
      return fetch(request);
    default:
      return disallowed();
  }
}

/**
 * The entrypoint the platform sends intercepted container requests to. Exported by the generated module; never
 * call it yourself.
 */
export class MoorageOutbound extends WorkerEntrypoint<unknown, OutboundProps> {
  override async fetch(request: Request): Promise<Response> {
    return answerOutbound(request, this.env, this.ctx.props);
  }
}
