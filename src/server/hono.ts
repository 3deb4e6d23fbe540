/**
 * Mounting the RPC endpoint in a Hono app without depending on Hono: the middleware is typed structurally against
 * the two things it uses (`c.req.raw`, `c.env`), which every Hono `Context` has.
 */
import type { RpcHandler } from "./rpc/handler.js";

/** The part of a Hono `Context` the middleware reads. */
export interface HonoLikeContext<Env> {
  readonly req: { readonly raw: Request };
  readonly env: Env;
}

/**
 * Hono middleware answering `rpc.path` and passing every other request on.
 *
 * @example app.use(honoRpc(rpc));
 */
export function honoRpc<Env>(
  rpc: RpcHandler<Env, unknown>,
): (c: HonoLikeContext<Env>, next: () => Promise<void>) => Promise<Response | undefined> {
  return async (c, next) => {
    const response = await rpc(c.req.raw, c.env);
    if (response) return response;
    await next();
    return undefined;
  };
}
