/**
 * `createContainerContext(env, specs)`: the typed entry point generated `containers(env)` wraps.
 *
 * Builds one accessor per spec without touching `env`: a binding is looked up only when a handle actually sends
 * or calls something, so a Worker that never uses a container never fails for its missing binding. Naming comes
 * from `definition/naming.ts` and nowhere else.
 */
import { DEFAULT_POOL_SIZE, instanceIdProblem, poolInstanceName } from "../definition/naming.js";
import { POOL_COORDINATOR_INSTANCE } from "../definition/pool.js";
import { inspecting, inspectRecord, type RequestRecord, writeRecord } from "../records.js";
import { MoorageContainerError } from "./errors.js";
import { containerHandle, fetchHandle } from "./handle.js";
import { type LoadTracker, loadFor } from "./load.js";
import { poolExec } from "./pool-exec.js";
import { hedgeStateFor, resolveHedge } from "./pool-hedge.js";
import { PoolHold } from "./pool-hold.js";
import { type PoolDemand, type PoolState, scalePolicyOf } from "./pool-scaling.js";
import { PoolView, poolViewFor } from "./pool-view.js";
import { randomSource, resolvePolicy, systemClock } from "./retry.js";
import type { Route, SendContext } from "./send.js";
import type { ContainerStub, NamespaceLike } from "./stub.js";
import type {
  CallEvent,
  ContainerAccessor,
  ContainerContext,
  ContainerContextOptions,
  ContainerSpec,
} from "./types.js";

/** The command that regenerates bindings and reconciles `wrangler.jsonc`. */
export const FIX_BINDINGS_COMMAND = "moorage generate && moorage sync";

export function createContainerContext<const S extends readonly ContainerSpec[]>(
  env: object,
  specs: S,
  options: ContainerContextOptions = {},
): ContainerContext<S> {
  const random = randomSource(options.random);
  const clock = options.clock ?? systemClock;
  const context: Record<string, ContainerAccessor> = {};
  for (const spec of specs) {
    let load: LoadTracker | undefined;
    const send: SendContext = {
      container: spec.exportName,
      stub: (instance) => stubFor(env, spec, instance),
      // Looked up on first use, like the binding itself.
      load: () => (load ??= loadFor((env as Record<string, unknown>)[spec.binding])),
      clock,
      random,
      onAttempt: options.onAttempt,
      onCall: withInspectRecord(env, options.onCall),
    };
    context[spec.exportName] = accessor(send, spec, options, env);
  }
  return context as ContainerContext<S>;
}

function accessor(
  ctx: SendContext,
  spec: ContainerSpec,
  options: ContainerContextOptions,
  env: object,
): ContainerAccessor {
  const jitter = options.jitter ?? false;
  const namespace = () => (env as Record<string, unknown>)[spec.binding];
  const policy = spec.instances ? scalePolicyOf(spec.instances, spec.concurrency) : undefined;
  const coordinator = () => ctx.stub(POOL_COORDINATOR_INSTANCE);
  const readState = async (demand?: PoolDemand): Promise<PoolState> => {
    const stub = coordinator();
    if (!policy || typeof stub.mooragePoolState !== "function") {
      throw new MoorageContainerError(
        "invalid-option",
        `moorage: container "${spec.exportName}": poolState() needs a declared pool (instances: { min, max } in moorage/containers.ts) served by moorage/do; run \`${FIX_BINDINGS_COMMAND}\``,
        { container: spec.exportName },
      );
    }
    return demand ? stub.mooragePoolState(policy, demand) : stub.mooragePoolState(policy);
  };
  // Looked up on first use, like the binding: the isolate's view of this pool's size, and its activator.
  const view = () =>
    policy
      ? poolViewFor(namespace(), () => {
          const pv = new PoolView(policy, ctx.clock.now(), readState, undefined, ctx.clock);
          pv.hold = new PoolHold({
            size: poolSize(spec),
            limit: spec.concurrency?.limit,
            target: policy.target,
            clock: ctx.clock,
            random: ctx.random,
            active: () => pv.active(ctx.clock.now()),
            cost: (index) => ctx.load().cost(poolInstanceName(index), ctx.clock.now()),
            // A warm-up: the instance's own start(), in the background; never a user's request. The object's
            // start() also takes `instance` (as the coordinator sends it), which the public options type omits.
            warm: (index) => {
              const name = poolInstanceName(index);
              const stub = ctx.stub(name) as unknown as { start(options: { instance: string }): Promise<void> };
              return stub.start({ instance: name });
            },
            heldChanged: (held) => pv.setHeld(ctx.clock.now(), held),
          });
          const hold = pv.hold;
          pv.onState = (state) => hold.learn(state);
          return pv;
        })
      : undefined;
  return {
    get(id, retry) {
      const problem = instanceIdProblem(id);
      if (problem !== undefined) {
        throw new MoorageContainerError(
          "invalid-id",
          `moorage: container "${spec.exportName}": get(${JSON.stringify(id)}): ${problem}`,
          { container: spec.exportName },
        );
      }
      return containerHandle(ctx, id, resolvePolicy(spec.exportName, jitter, options.retry, retry));
    },
    poolInstance(index, retry) {
      const size = poolSize(spec);
      if (!Number.isInteger(index) || index < 0 || index >= size) {
        throw new MoorageContainerError(
          "invalid-option",
          `moorage: container "${spec.exportName}": poolInstance(${index}) is not an instance of its pool; use a whole number from 0 to ${size - 1} (maxInstances is ${size})`,
          { container: spec.exportName },
        );
      }
      return containerHandle(
        ctx,
        poolInstanceName(index),
        resolvePolicy(spec.exportName, jitter, options.retry, retry),
      );
    },
    any(retry) {
      const policy = resolvePolicy(spec.exportName, jitter, options.retry, retry);
      // A declared pool spreads over its active instances only (see pool-view.ts).
      const index = Math.floor(ctx.random() * (view()?.active(ctx.clock.now()) ?? poolSize(spec)));
      const route: Route = { kind: "instance", instance: poolInstanceName(index) };
      return { ...fetchHandle(ctx, route, policy), ...poolExec(ctx, route) };
    },
    pool(pool) {
      const retry = resolvePolicy(spec.exportName, jitter, options.retry, pool);
      const hedge = resolveHedge(pool?.hedge);
      if (typeof hedge === "string") {
        throw new MoorageContainerError("invalid-option", `moorage: container "${spec.exportName}": ${hedge}`, {
          container: spec.exportName,
        });
      }
      const size = poolSize(spec);
      const pv = view();
      const route: Route = pv
        ? {
            kind: "pool",
            size,
            retryOn: pool?.retryOn,
            active: () => pv.active(ctx.clock.now()),
            track: (delta) => pv.track(ctx.clock.now(), delta),
            ...(pv.hold ? { hold: () => (pv.hold as PoolHold).begin() } : {}),
          }
        : { kind: "pool", size, retryOn: pool?.retryOn };
      const setup = hedge
        ? { policy: hedge, state: hedgeStateFor(namespace()), idempotent: pool?.idempotent }
        : undefined;
      return { ...fetchHandle(ctx, route, retry, undefined, setup), ...poolExec(ctx, route) };
    },
    poolState: readState,
    poolView() {
      const pv = view();
      if (!pv) {
        throw new MoorageContainerError(
          "invalid-option",
          `moorage: container "${spec.exportName}": poolView() needs a declared pool (instances: { min, max } in moorage/containers.ts); run \`${FIX_BINDINGS_COMMAND}\``,
          { container: spec.exportName },
        );
      }
      return pv.snapshot(ctx.clock.now());
    },
  };
}

function poolSize(spec: ContainerSpec): number {
  // A declared pool's max is its size (it is at most maxInstances, checked by defineContainer).
  const size = spec.instances?.max ?? spec.maxInstances ?? DEFAULT_POOL_SIZE;
  if (!Number.isInteger(size) || size < 1) {
    throw new MoorageContainerError(
      "invalid-option",
      `moorage: container "${spec.exportName}": maxInstances must be a whole number of at least 1 (got ${size}); fix it in moorage/containers.ts and run \`${FIX_BINDINGS_COMMAND}\``,
      { container: spec.exportName },
    );
  }
  return size;
}

/** The stub for one instance, or a directed error naming the binding and the fix. */
function stubFor(env: object, spec: ContainerSpec, instance: string): ContainerStub {
  const namespace = (env as Record<string, unknown>)[spec.binding];
  if (!isNamespace(namespace)) {
    const found =
      namespace === undefined ? "is missing" : `is not a Durable Object namespace (got ${typeof namespace})`;
    throw new MoorageContainerError(
      "missing-binding",
      `moorage: container "${spec.exportName}" needs the Durable Object binding env.${spec.binding}, but it ${found}. Run \`${FIX_BINDINGS_COMMAND}\` to add the class, binding and migration to wrangler.jsonc, then restart \`wrangler dev\` (or redeploy).`,
      { container: spec.exportName, instance },
    );
  }
  return namespace.get(namespace.idFromName(instance) as never) as ContainerStub;
}

function isNamespace(value: unknown): value is NamespaceLike {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as NamespaceLike).idFromName === "function" &&
    typeof (value as NamespaceLike).get === "function"
  );
}

/** Under `moorage dev` (`MOORAGE_INSPECT` set), every call also writes a `request` record for the inspector. */
function withInspectRecord(
  env: object,
  onCall: ((event: CallEvent) => void) | undefined,
): ((event: CallEvent) => void) | undefined {
  if (!inspecting(env)) return onCall;
  return (event) => {
    const fields: Parameters<typeof inspectRecord<RequestRecord>>[1] = {
      container: event.container,
      instance: event.instance,
      method: event.method,
      path: event.path,
      attempts: event.attempts,
      waitMs: Math.round(event.waitMs),
      totalMs: Math.round(event.totalMs),
    };
    if (event.status !== undefined) fields.status = event.status;
    if (event.coldStartMs !== undefined) fields.coldStartMs = event.coldStartMs;
    if (event.error !== undefined) {
      const code = (event.error as { code?: unknown }).code;
      fields.error =
        typeof code === "string" ? code : event.error instanceof Error ? event.error.message : String(event.error);
    }
    writeRecord(inspectRecord<RequestRecord>("request", fields));
    onCall?.(event);
  };
}
