/**
 * Ready-made `resolveIdentity` hooks: a bearer token checked against a Worker secret (token mode), and a way to try
 * several resolvers in order. Identities from the zero-config bridge come from `bridge-handler.ts` instead, because
 * there the platform, not a header, says who is calling.
 */
import type { ResolveIdentity } from "./rpc/handler.js";
import { timingSafeEqual } from "./timing-safe.js";

/** The identity `bearerTokenIdentity` returns by default on a match. */
export interface TokenIdentity {
  readonly kind: "token";
  /** The name of the secret the token matched. */
  readonly secret: string;
}

/** Options for `bearerTokenIdentity`. */
export interface BearerTokenOptions<Env, Identity> {
  /** The name of the Worker secret holding the expected token. Default `"MOORAGE_CONTAINER_TOKEN"`. */
  readonly secret?: string;
  /** What to return on a match: a value, or a function of the request and env. Default `{ kind: "token", secret }`. */
  readonly identity?: Identity | ((request: Request, env: Env) => Identity | Promise<Identity>);
}

/**
 * Token mode: accept `Authorization: Bearer <token>` when `<token>` equals `env[secret]` (compared in constant
 * time), and return `identity`; otherwise return `null`, so the call runs anonymously and the function's own
 * checks refuse it. Fails closed: when the secret is unset or empty, no token matches.
 *
 * Forward the same secret to the container (`secrets: ["MOORAGE_CONTAINER_TOKEN"]` in `defineContainer`) and pass it
 * to `createContainerBridge({ token })`.
 */
export function bearerTokenIdentity<Env = unknown, Identity = TokenIdentity>(
  options: BearerTokenOptions<Env, Identity> = {},
): ResolveIdentity<Env, Identity> {
  const secret = options.secret ?? "MOORAGE_CONTAINER_TOKEN";
  return async (request, env) => {
    const expected = (env as Record<string, unknown> | undefined)?.[secret];
    const presented = bearerToken(request);
    if (typeof expected !== "string" || expected === "" || presented === null) return null;
    if (!timingSafeEqual(presented, expected)) return null;
    const identity = options.identity ?? ({ kind: "token", secret } satisfies TokenIdentity as Identity);
    return typeof identity === "function"
      ? await (identity as (request: Request, env: Env) => Identity | Promise<Identity>)(request, env)
      : identity;
  };
}

/** The token from `Authorization: Bearer <token>` (scheme case-insensitive), or null. */
export function bearerToken(request: Request): string | null {
  const header = request.headers.get("authorization");
  const match = header?.match(/^Bearer[ \t]+(\S+)[ \t]*$/i);
  return match?.[1] ?? null;
}

/**
 * Try resolvers in order; the first non-null identity wins.
 *
 * @example resolveIdentity: firstIdentity(bearerTokenIdentity(), sessionIdentity)
 */
export function firstIdentity<Env, Identity>(
  ...resolvers: ReadonlyArray<ResolveIdentity<Env, Identity>>
): ResolveIdentity<Env, Identity> {
  return async (request, env) => {
    for (const resolve of resolvers) {
      const identity = await resolve(request, env);
      if (identity !== null && identity !== undefined) return identity;
    }
    return null;
  };
}
