/**
 * Lifecycle hooks: code an app runs when one of its container runs starts, stops, fails, goes idle or reaches its
 * hard timeout. Registered per generated class at the top level of the Worker entry:
 *
 *   setContainerHooks(TranscoderContainer, {
 *     onStart: ({ instance, generation }) => console.log("up", instance, generation),
 *     onStop: (run, { exitCode, reason }) => ...,
 *   });
 *
 * Hooks are Moorage's own, not methods of the Durable Object: a method would be callable by anyone holding the
 * stub over RPC, and `onHardTimeoutExpired()` called that way would stop a container. Each fires exactly once per
 * real event, whichever Durable Object instance observes it (the run ledger records what was reported), and an
 * object that wakes up to find its container running fires nothing.
 *
 * Boundary: the registry and the types. Deciding when an event happened is `lifecycle.ts`'s.
 */

import { MoorageError } from "../errors.js";
import type { StopReason } from "./lifecycle-log.js";

/** The run a hook is about, with the controls a hook may use. */
export interface RunContext<Env = unknown> {
  /** The container's export name (`transcoder`). */
  container: string;
  /** The instance name (`id` for `get`, the pool instance for `any`/`pool`). */
  instance: string;
  /** The run generation (increments on every fresh start). */
  generation: number;
  env: Env;
  /** Stops the run (default SIGTERM; SIGKILL follows after the grace period if it ignores it). */
  stop(signal?: "SIGTERM" | "SIGINT" | "SIGKILL" | number): Promise<void>;
  /** Pushes back `sleepAfter`. */
  renewActivityTimeout(): void;
}

export interface StopDetails {
  /** The exit code, when the platform reported one. */
  exitCode?: number;
  reason: StopReason;
  /** True when Moorage escalated to SIGKILL because the run outlived the grace period after SIGTERM. */
  killed?: boolean;
}

export interface ContainerHooks<Env = unknown> {
  /** A run passed its ports and `readyOn` for the first time. */
  onStart?(run: RunContext<Env>): void | Promise<void>;
  /** A run ended. */
  onStop?(run: RunContext<Env>, details: StopDetails): void | Promise<void>;
  /** A start failed, or the platform reported an error for a run. */
  onError?(run: RunContext<Env>, error: unknown): void | Promise<void>;
  /** `sleepAfter` of idle time elapsed. Default: stop the run. Replaces the default when set. */
  onActivityExpired?(run: RunContext<Env>): void | Promise<void>;
  /** `hardTimeout` elapsed. Default: stop the run. Replaces the default when set. */
  onHardTimeoutExpired?(run: RunContext<Env>): void | Promise<void>;
}

/** Anything with a class name: a generated container class. */
type ContainerClass = abstract new (...args: never[]) => unknown;

const registry = new Map<string, ContainerHooks<never>>();

/**
 * Registers lifecycle hooks for a generated container class. Call at the top level of the Worker entry so every
 * isolate that runs the Durable Object has them. A second call replaces the first; `undefined` unregisters.
 */
export function setContainerHooks<Env = unknown>(
  container: ContainerClass,
  hooks: ContainerHooks<Env> | undefined,
): void {
  if (typeof container !== "function" || !container.name) {
    throw new MoorageError(
      "invalid-option",
      "setContainerHooks: pass a generated container class, e.g. setContainerHooks(ApiContainer, {})",
    );
  }
  if (hooks === undefined) registry.delete(container.name);
  else registry.set(container.name, hooks as ContainerHooks<never>);
}

/** The hooks registered for a class name (the object's `constructor.name`). */
export function hooksFor(className: string): ContainerHooks<unknown> {
  return (registry.get(className) ?? {}) as ContainerHooks<unknown>;
}
