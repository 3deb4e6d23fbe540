/**
 * Outbound handlers: what answers when a container calls a host the platform intercepts.
 *
 * - The fetcher (`enableInternet: false`) may only reach partner hosts. Locally those hosts do not exist, so the
 *   Worker answers for them: it forwards to PARTNER_ORIGIN when set (the test suite points it at its own loopback
 *   server) and otherwise replies itself. The allow/deny lists still decide first: an unlisted or denied host
 *   never reaches these handlers.
 * - The renderer's token-mode bridge calls `APP_URL` (`http://app.internal`). In production APP_URL is the
 *   Worker's public URL; locally a container cannot reach wrangler dev's loopback port, so this host is routed
 *   back into the Worker's own `fetch`, where the RPC endpoint checks the bearer token like any public call.
 */
import { setOutboundHandlers } from "moorage/do";
import { FetcherContainer, RendererContainer } from "../moorage/_generated/containers";
import type { Env } from "./env";

async function partner(request: Request, env: Env): Promise<Response> {
  const url = new URL(request.url);
  if (env.PARTNER_ORIGIN) {
    const target = new URL(`${url.pathname}${url.search}`, env.PARTNER_ORIGIN);
    const forwarded = new Request(target, request);
    forwarded.headers.set("x-partner-host", url.hostname);
    return fetch(forwarded);
  }
  return Response.json({ partner: url.hostname, path: url.pathname, servedBy: "media-app worker" });
}

export function installOutboundHandlers(appFetch: (request: Request, env: Env) => Promise<Response>): void {
  setOutboundHandlers<Env>(FetcherContainer, {
    byHost: { "partner.media.test": partner, "*.media.test": partner },
  });
  setOutboundHandlers<Env>(RendererContainer, {
    byHost: { "app.internal": (request, env) => appFetch(request, env) },
  });
}
