/**
 * A hand-rolled Durable Object namespace for the client's unit tests: it records every `idFromName`, every
 * request (per attempt) and every RPC, and answers `fetch` from a script. Deliberately independent of the test
 * double in `src/testing`, so the client is tested against something it does not share code with.
 */
import type { ContainerStub } from "../stub.js";
import type { Clock } from "../types.js";

export type Script = (request: Request, instance: string, attempt: number) => Response | Promise<Response>;

export interface Sent {
  instance: string;
  request: Request;
  body: string;
}

export function fakeNamespace(script: Script) {
  const names: string[] = [];
  const sent: Sent[] = [];
  const rpc: { instance: string; method: string; args: unknown[] }[] = [];
  const namespace = {
    idFromName(name: string) {
      names.push(name);
      return { name };
    },
    get(id: { name: string }): ContainerStub {
      const instance = id.name;
      const call =
        (method: string) =>
        // biome-ignore lint/suspicious/noExplicitAny: one recorder stands in for every RPC signature
        async (...args: unknown[]): Promise<any> => {
          rpc.push({ instance, method, args });
          return method === "getState" ? { status: "healthy", lastChange: 1 } : undefined;
        };
      return {
        async fetch(request) {
          const body = request.body ? await request.clone().text() : "";
          sent.push({ instance, request, body });
          return script(request, instance, sent.length);
        },
        start: call("start"),
        stop: call("stop"),
        destroy: call("destroy"),
        getState: call("getState"),
        renewActivityTimeout: call("renewActivityTimeout"),
        exec: call("exec"),
        execSignal: call("execSignal"),
        terminalTicket: call("terminalTicket"),
        snapshot: call("snapshot"),
        snapshots: call("snapshots"),
        allowHost: call("allowHost"),
        denyHost: call("denyHost"),
        removeAllowedHost: call("removeAllowedHost"),
        removeDeniedHost: call("removeDeniedHost"),
        setAllowedHosts: call("setAllowedHosts"),
        setDeniedHosts: call("setDeniedHosts"),
      };
    },
  };
  return { namespace, names, sent, rpc };
}

/** A clock whose sleeps are recorded and instant. */
export function recordingClock(): Clock & { sleeps: number[] } {
  let now = 1_000;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => now,
    sleep: async (ms, signal) => {
      if (signal?.aborted) throw signal.reason;
      sleeps.push(ms);
      now += ms;
    },
  };
}

/** What the object answers while its container is still starting (`moorage-error: starting`). */
export const noInstance = () =>
  Response.json(
    { error: "starting", message: "container is still starting: There is no Container instance available" },
    { status: 503, headers: { "moorage-error": "starting" } },
  );
