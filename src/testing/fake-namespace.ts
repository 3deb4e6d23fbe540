/**
 * A Durable Object namespace made of plain objects: `idFromName` and `get` return stubs that run a test handler
 * for `fetch` and keep lifecycle and egress state for RPC calls, recording every call.
 *
 * This is the only part of the double that differs from production. The double plugs these namespaces into the
 * real `createContainerContext`, so routing, cold-start retry, replay rules and observability are the client's
 * own code, not a copy of it.
 */
import { MoorageContainerError } from "../client/errors.js";
import type { ContainerStub } from "../client/stub.js";
import type { ContainerStartOptions } from "../client/types.js";
import type { SnapshotPolicy } from "../do/snapshot-plan.js";
import { HEADERS, stripRoutingHeaders } from "../protocol.js";
import { execDouble, type TestExecHandler } from "./exec-double.js";
import { type SnapshotDouble, snapshotDouble } from "./snapshot-double.js";
import type { RecordedCall, RecordedMethod, TestHandler, TestInstance } from "./types.js";

/** Shared, mutable state of one test context. */
export interface FakeWorld {
  calls: RecordedCall[];
  instances: Map<string, TestInstance>;
  /** Images, sizes and snapshots per instance (`durable_object`), like the object's storage. */
  snapshots: Map<string, SnapshotDouble>;
  now(): number;
}

export function newInstance(): TestInstance {
  return { status: "stopped", starts: 0, requests: 0, restores: 0, allowedHosts: [], deniedHosts: [] };
}

export function instanceKey(container: string, instance: string): string {
  return `${container}\u0000${instance}`;
}

export function fakeNamespace(
  container: string,
  handler: TestHandler | undefined,
  world: FakeWorld,
  execHandler?: TestExecHandler,
  policy: SnapshotPolicy = { durable: false, images: [], persist: [], instanceType: "lite" },
) {
  // One exec double per instance, kept across stubs like an object's in-memory state.
  const execs = new Map<string, ReturnType<typeof execDouble>>();
  const execFor = (instance: string) => {
    if (!execHandler) return undefined;
    let found = execs.get(instance);
    if (!found) {
      found = execDouble(execHandler, { container, instance });
      execs.set(instance, found);
    }
    return found;
  };
  return {
    idFromName: (name: string) => ({ name, toString: () => name }),
    get: (id: { name: string }) => fakeStub(container, id.name, handler, world, execFor(id.name), policy),
  };
}

function fakeStub(
  container: string,
  instance: string,
  handler: TestHandler | undefined,
  world: FakeWorld,
  execs: ReturnType<typeof execDouble> | undefined,
  policy: SnapshotPolicy,
): ContainerStub {
  const state = (): TestInstance => {
    const key = instanceKey(container, instance);
    let found = world.instances.get(key);
    if (!found) {
      found = newInstance();
      world.instances.set(key, found);
    }
    return found;
  };
  const record = (method: RecordedMethod, args: unknown[], extra: Partial<RecordedCall> = {}) => {
    world.calls.push({ container, instance, method, args, at: world.now(), ...extra });
  };
  const snapshots = (): SnapshotDouble => {
    const key = instanceKey(container, instance);
    let found = world.snapshots.get(key);
    if (!found) {
      found = snapshotDouble(policy, `container "${container}" (instance "${instance}")`, world.now);
      world.snapshots.set(key, found);
    }
    return found;
  };
  const running = () => state().status === "running" || state().status === "healthy";
  const ensureRunning = (options?: ContainerStartOptions) => {
    const s = state();
    // Checked like the object checks a start: a refusal (another image, an unknown snapshot) starts nothing.
    const plan = snapshots().start(options, running());
    if (!running()) {
      s.status = "healthy";
      s.starts++;
    }
    if (plan) {
      s.image = plan.image;
      s.restores = snapshots().restores;
    }
  };
  const stopped = (signal: unknown) => {
    // Like the object: a stop that is not SIGKILL snapshots the `persist` directories of a running instance.
    if (running() && signal !== "SIGKILL" && signal !== 9) snapshots().stopped("requested");
    state().status = "stopped";
  };
  const setHosts = (list: "allowedHosts" | "deniedHosts", update: (hosts: string[]) => string[]) => {
    const s = state();
    s[list] = update(s[list]);
  };

  return {
    async fetch(request) {
      const portHeader = request.headers.get(HEADERS.port);
      const port = portHeader === null ? undefined : Number(portHeader);
      // The app sees the request without the routing headers, as the real object forwards it; the routing lands
      // in `info` instead.
      const forwarded = new Request(request, request.body ? ({ duplex: "half" } as RequestInit) : undefined);
      stripRoutingHeaders(forwarded.headers);
      record("fetch", [], { request: forwarded.clone(), port });
      if (!handler) {
        throw new MoorageContainerError(
          "no-handler",
          `moorage test double: no handler for container "${container}"; pass one: createContainerTestContext({ ${container}: (request) => new Response("ok") })`,
          { container, instance },
        );
      }
      ensureRunning();
      state().requests++;
      return handler(forwarded, { container, instance, port });
    },
    async start(options?: ContainerStartOptions) {
      record("start", options === undefined ? [] : [options]);
      ensureRunning(options);
    },
    async stop(signal) {
      record("stop", signal === undefined ? [] : [signal]);
      stopped(signal);
    },
    async destroy() {
      record("destroy", []);
      state().status = "stopped";
    },
    async getState() {
      record("getState", []);
      const { image, instanceType } = snapshots().listing();
      return {
        status: state().status,
        lastChange: world.now(),
        ...(image === undefined ? {} : { image }),
        ...(instanceType === undefined ? {} : { instanceType }),
      } as Awaited<ReturnType<ContainerStub["getState"]>>;
    },
    async snapshot(options) {
      record("snapshot", options === undefined ? [] : [options]);
      return snapshots().snapshot(options, running());
    },
    async snapshots() {
      record("snapshots", []);
      return snapshots().listing();
    },
    async renewActivityTimeout() {
      record("renewActivityTimeout", []);
    },
    async allowHost(host) {
      record("egress.allow", [host]);
      setHosts("allowedHosts", (hosts) => (hosts.includes(host) ? hosts : [...hosts, host]));
    },
    async denyHost(host) {
      record("egress.deny", [host]);
      setHosts("deniedHosts", (hosts) => (hosts.includes(host) ? hosts : [...hosts, host]));
    },
    async removeAllowedHost(host) {
      record("egress.removeAllowed", [host]);
      setHosts("allowedHosts", (hosts) => hosts.filter((h) => h !== host));
    },
    async removeDeniedHost(host) {
      record("egress.removeDenied", [host]);
      setHosts("deniedHosts", (hosts) => hosts.filter((h) => h !== host));
    },
    async setAllowedHosts(hosts) {
      record("egress.setAllowed", [hosts]);
      setHosts("allowedHosts", () => [...hosts]);
    },
    async setDeniedHosts(hosts) {
      record("egress.setDenied", [hosts]);
      setHosts("deniedHosts", () => [...hosts]);
    },
    async exec(cmd, options, stdin) {
      record("exec", [cmd, options]);
      if (!execs) {
        throw new MoorageContainerError(
          "no-handler",
          `moorage test double: no exec handler for container "${container}"; pass one: createContainerTestContext({ ... }, { exec: { ${container}: (cmd) => ({ exitCode: 0, stdout: "..." }) } })`,
          { container, instance },
        );
      }
      // Like the object: exec starts the container first and counts as activity.
      ensureRunning();
      return execs.exec(cmd, options, stdin);
    },
    async execSignal(id, signo) {
      record("execSignal", [id, signo]);
      return execs ? execs.execSignal(id, signo) : false;
    },
    async terminalTicket(options) {
      record("terminalTicket", [options]);
      throw new MoorageContainerError(
        "no-handler",
        `moorage test double: terminal() needs a PTY and a WebSocket pair, which the Docker-free double does not have; test terminals with real containers (see the README, "Terminals")`,
        { container, instance },
      );
    },
  };
}
