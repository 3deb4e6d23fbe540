/**
 * The client's `ContainerStub` (src/client/stub.ts, declared structurally so the root entry never imports
 * `cloudflare:workers`) checked against `MoorageContainer` at compile time, both ways: every method the client calls
 * exists on the object with a compatible signature, and every RPC method the object exposes is one the client knows.
 * `npm run typecheck` fails when they drift; the runtime assertions below make the same check visible in the suite.
 */
import { describe, expect, it } from "vitest";
import type { ContainerStub } from "../client/stub.js";
import { MoorageContainer } from "./container.js";

/** Function-valued string keys of `T`. */
type Methods<T> = {
  [K in keyof T as K extends string ? (T[K] extends (...args: never[]) => unknown ? K : never) : never]: T[K];
};
/** What a stub of the object can call: its methods, minus the platform's handler and per-instance fields. */
type ObjectSurface = Omit<Methods<MoorageContainer>, "alarm" | "lifecycleSink" | "__DURABLE_OBJECT_BRAND">;
/** The client's methods the object must have (optional ones belong to other classes, e.g. a pool coordinator). */
type RequiredStub = { [K in keyof ContainerStub as undefined extends ContainerStub[K] ? never : K]: ContainerStub[K] };

type Assert<T extends true> = T;
/** The object can stand in for the client's stub. */
type ObjectSatisfiesStub = Assert<ObjectSurface extends RequiredStub ? true : false>;
/** The object exposes nothing the client's stub does not declare. */
type NoUndeclaredMethods = Assert<Exclude<keyof ObjectSurface, keyof ContainerStub> extends never ? true : false>;

const REQUIRED: Record<keyof RequiredStub, true> = {
  fetch: true,
  start: true,
  stop: true,
  destroy: true,
  getState: true,
  renewActivityTimeout: true,
  allowHost: true,
  denyHost: true,
  removeAllowedHost: true,
  removeDeniedHost: true,
  setAllowedHosts: true,
  setDeniedHosts: true,
  exec: true,
  execSignal: true,
  terminalTicket: true,
  snapshot: true,
  snapshots: true,
};

/** Compiles only while both assertions hold. */
const CHECKED: [ObjectSatisfiesStub, NoUndeclaredMethods] = [true, true];

describe("ContainerStub and MoorageContainer", () => {
  it("agree at compile time (this file does not typecheck otherwise)", () => {
    expect(CHECKED).toEqual([true, true]);
  });

  it("every method the client calls is a method of the object", () => {
    const proto = MoorageContainer.prototype as unknown as Record<string, unknown>;
    for (const name of Object.keys(REQUIRED)) expect(typeof proto[name], name).toBe("function");
  });
});
