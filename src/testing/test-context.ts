/**
 * `createContainerTestContext({ name: handler })`: the Docker-free double of `containers(env)`.
 *
 * It builds fake namespaces (see `fake-namespace.ts`) into a fake `env` and hands them to the real
 * `createContainerContext`, with a seeded random source and, by default, a virtual clock so backoff costs no wall
 * time but is still reported in `moorage-wait-ms`. Same surface and types as the client, plus inspection.
 */
import { createContainerContext } from "../client/context.js";
import { randomSource, systemClock } from "../client/retry.js";
import type { Clock, ContainerSpec } from "../client/types.js";
import { bindingName, DEFAULT_POOL_SIZE } from "../definition/naming.js";
import type { ContainerDefinition } from "../definition/types.js";
import { policyOf, type SnapshotPolicy } from "../do/snapshot-plan.js";
import { type FakeWorld, fakeNamespace, instanceKey, newInstance } from "./fake-namespace.js";
import type {
  SpecsOf,
  TestContainerContext,
  TestContextOptions,
  TestControls,
  TestHandler,
  TestHandlersFor,
  TestInstance,
} from "./types.js";

const CONTROL_NAMES: ReadonlySet<string> = new Set(["bindings", "calls", "callsTo", "instance", "now", "reset"]);

/** With the generated specs: types, binding names and pool sizes all come from them. */
export function createContainerTestContext<const S extends readonly ContainerSpec[]>(
  handlers: TestHandlersFor<S>,
  options: TestContextOptions & { readonly specs: S },
): TestContainerContext<S>;
/** Inferred from the handlers: one container per key. */
export function createContainerTestContext<const H extends Readonly<Record<string, TestHandler>>>(
  handlers: H,
  options?: TestContextOptions,
): TestContainerContext<SpecsOf<H>>;
/** Typed by an explicit spec list: `createContainerTestContext<typeof containerSpecs>({ ... })`. */
export function createContainerTestContext<S extends readonly ContainerSpec[]>(
  handlers: TestHandlersFor<S>,
  options?: TestContextOptions,
): TestContainerContext<S>;
export function createContainerTestContext(
  handlers: Readonly<Record<string, TestHandler | undefined>>,
  options: TestContextOptions & { readonly specs?: readonly ContainerSpec[] } = {},
): TestContainerContext<readonly ContainerSpec[]> {
  const specs = options.specs ?? Object.keys(handlers).map((name) => specFor(name, options.maxInstances));
  for (const spec of specs) {
    if (CONTROL_NAMES.has(spec.exportName)) {
      throw new TypeError(
        `moorage test double: a container named "${spec.exportName}" would hide the double's own "${spec.exportName}" member; rename it in the test`,
      );
    }
  }

  const clock = options.realTime ? systemClock : virtualClock();
  const origin = clock.now();
  const world: FakeWorld = { calls: [], instances: new Map(), snapshots: new Map(), now: () => clock.now() - origin };
  const env = Object.fromEntries(
    specs.map((spec) => [
      spec.binding,
      fakeNamespace(
        spec.exportName,
        handlers[spec.exportName],
        world,
        options.exec?.[spec.exportName],
        snapshotPolicy(spec, options.definitions?.[spec.exportName]),
      ),
    ]),
  );
  const {
    seed,
    realTime: _realTime,
    maxInstances: _maxInstances,
    specs: _specs,
    exec: _exec,
    definitions: _definitions,
    ...clientOptions
  } = options;
  const containers = createContainerContext(env, specs, { ...clientOptions, random: randomSource(seed ?? 0), clock });

  const controls: TestControls = {
    get calls() {
      return world.calls;
    },
    callsTo: (container, instance) =>
      world.calls.filter((c) => c.container === container && (instance === undefined || c.instance === instance)),
    instance: (container, instance): TestInstance => {
      const found = world.instances.get(instanceKey(container, instance)) ?? newInstance();
      return structuredClone(found);
    },
    now: world.now,
    reset: () => {
      world.calls.length = 0;
      world.instances.clear();
      world.snapshots.clear();
    },
    bindings: Object.freeze({ ...env }),
  };
  return Object.defineProperties({ ...containers }, Object.getOwnPropertyDescriptors(controls)) as TestContainerContext<
    readonly ContainerSpec[]
  >;
}

/** The declaration's rules when given, else the spec's image names (no `persist`). */
function snapshotPolicy(spec: ContainerSpec, definition: ContainerDefinition | undefined): SnapshotPolicy {
  if (definition) return policyOf(definition);
  const images = spec.images ?? [];
  return { durable: images.length > 0, images, persist: [], instanceType: "lite" };
}

function specFor(exportName: string, maxInstances: TestContextOptions["maxInstances"]): ContainerSpec {
  const size = typeof maxInstances === "number" ? maxInstances : (maxInstances?.[exportName] ?? DEFAULT_POOL_SIZE);
  return { exportName, binding: bindingName(exportName), maxInstances: size };
}

/** Time that only moves when something sleeps: backoff is instant yet measurable. */
function virtualClock(): Clock {
  let now = 0;
  return {
    now: () => now,
    sleep: async (ms, signal) => {
      if (signal?.aborted) throw signal.reason;
      now += ms;
    },
  };
}
