/**
 * A stand-in for the `cloudflare:workers` module, for the Node unit suite only.
 *
 * `MoorageContainer` extends `DurableObject` and `MoorageOutbound` extends `WorkerEntrypoint`, both from
 * `cloudflare:workers`, which exists only inside workerd. The unit project in `vitest.config.ts` aliases the module
 * id to this file so they run against the fake context of `fake-context.ts`. It mirrors only what those base
 * classes do at run time: keep `ctx` and `env` on the instance.
 */

export class DurableObject<Env = unknown> {
  protected ctx: DurableObjectState;
  protected env: Env;
  constructor(ctx: DurableObjectState, env: Env) {
    this.ctx = ctx;
    this.env = env;
  }
}

export class WorkerEntrypoint<Env = unknown, Props = unknown> {
  protected ctx: { props: Props; waitUntil(promise: Promise<unknown>): void };
  protected env: Env;
  constructor(ctx: { props: Props; waitUntil(promise: Promise<unknown>): void }, env: Env) {
    this.ctx = ctx;
    this.env = env;
  }
}
