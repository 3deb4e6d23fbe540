/**
 * The Worker's bindings, and the app-wide types for `moorage/server`'s `query` / `mutation` / `action` builders.
 *
 * Why here: one declaration that both the routes and the function files (`moorage/jobs.ts`) read, so
 * `ctx.env`, `ctx.identity` and `ctx.containers` are typed everywhere without passing generics around.
 */
import type { ContainerContext } from "moorage";
import type { ContainerIdentity, TokenIdentity } from "moorage/server";
import type { containerSpecs } from "../moorage/_generated/containers";

export interface Env {
  /** Durable Object namespaces written by `moorage sync`. */
  CONTAINER_RENDERER: DurableObjectNamespace;
  CONTAINER_THUMBNAILER: DurableObjectNamespace;
  CONTAINER_FETCHER: DurableObjectNamespace;
  CONTAINER_TRANSCODER: DurableObjectNamespace;
  CONTAINER_ARCHIVER: DurableObjectNamespace;
  CONTAINER_JOURNAL: DurableObjectNamespace;
  /** Secrets from `.dev.vars` (locally) or `wrangler secret put`. */
  RENDER_API_KEY?: string;
  MOORAGE_CONTAINER_TOKEN?: string;
  ARCHIVE_TOKEN?: string;
  /** Secrets Store binding (wrangler `secrets_store_secrets`). */
  SIGNING_KEYS?: { get(): Promise<string> };
  /** Where the fetcher's partner host really lives; unset: the Worker answers for the partner itself. */
  PARTNER_ORIGIN?: string;
}

/** Who may call the app's functions: a holder of the container token, or a container through the bridge. */
export type AppIdentity = ContainerIdentity | TokenIdentity;

declare module "moorage/server" {
  interface Register {
    env: Env;
    identity: AppIdentity;
    containers: ContainerContext<typeof containerSpecs>;
  }
}
