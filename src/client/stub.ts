/**
 * The shape of a container Durable Object stub as the client uses it: `fetch` plus the RPC methods `moorage/do`
 * exposes. Declared structurally here (not imported from `moorage/do`) because the root entry must not pull in
 * `cloudflare:workers`; the test double implements the same interface with plain objects.
 */
import type { ExecWireOptions } from "../exec-wire.js";
import type { TerminalWireOptions } from "../terminal-wire.js";
import type { LoadReport, PoolDemand, ScalePolicy } from "./pool-scaling.js";
import type {
  ContainerSignal,
  ContainerSnapshotInfo,
  ContainerStartOptions,
  ContainerState,
  PoolState,
  SnapshotListing,
} from "./types.js";

export interface ContainerStub {
  fetch(request: Request): Promise<Response>;
  start(options?: ContainerStartOptions): Promise<void>;
  stop(signal?: ContainerSignal): Promise<void>;
  destroy(): Promise<void>;
  getState(): Promise<ContainerState>;
  renewActivityTimeout(): Promise<void> | void;
  allowHost(host: string): Promise<void>;
  denyHost(host: string): Promise<void>;
  removeAllowedHost(host: string): Promise<void>;
  removeDeniedHost(host: string): Promise<void>;
  setAllowedHosts(hosts: string[]): Promise<void>;
  setDeniedHosts(hosts: string[]): Promise<void>;
  /** On a pool's coordinator instance: its state (the policy travels with every call, so a redeploy updates it). */
  mooragePoolState?(policy: ScalePolicy, demand?: PoolDemand): Promise<PoolState>;
  /** On a pool's coordinator instance: one instance's load report. */
  mooragePoolReport?(report: LoadReport, policy: ScalePolicy): Promise<void>;
  /** Runs a command; the framed stream of `../exec-wire.ts`. */
  exec(
    cmd: string[],
    options: ExecWireOptions,
    stdin?: ReadableStream<Uint8Array>,
  ): Promise<ReadableStream<Uint8Array>>;
  /** Signals a process `exec` started; false when it already ended. */
  execSignal(id: string, signo: number): Promise<boolean>;
  /** Validates the options, starts the container if needed, and returns a one-time ticket for a terminal. */
  terminalTicket(options: Partial<TerminalWireOptions>): Promise<string>;
  /** `durable_object` only: a whole-container snapshot, recorded in the instance's storage. */
  snapshot(options?: { name?: string }): Promise<ContainerSnapshotInfo>;
  /** The instance's recorded image and size choice, persisted directories and snapshots. */
  snapshots(): Promise<SnapshotListing>;
}

/** The part of a `DurableObjectNamespace` the client calls. */
export interface NamespaceLike {
  idFromName(name: string): unknown;
  get(id: never): unknown;
}
