/**
 * What every scenario gets: the running wrangler dev session, the targets (Worker, tunnel), the Worker's pid for
 * memory figures, a logger and the run's deadline. Also the container paths each target serves, in one place.
 * Boundary: types and path builders only.
 */
import type { WranglerDev } from "../../test/real/harness.js";
import type { Target } from "./http.js";

export interface BenchContext {
  dev: WranglerDev;
  worker: Target;
  /** The sidecar tunnel to the warm Moorage instance `w` (same image, same app port). */
  tunnel: Target;
  workerdPid: number | undefined;
  log: (line: string) => void;
  /** Epoch ms after which scenarios cut their loops short (the whole run is bounded). */
  deadline: number;
}

/** A path the bench compares: a label and how to reach container path `p` through it. */
export interface BenchPath {
  name: "floor" | "moorage" | "moorage-do" | "raw" | "tunnel" | "plain-worker";
  target: Target;
  path(p: string): string;
}

/** The six ways to the warm 1 KiB answer (and the streaming routes), instance `w` on every container class. */
export function warmPaths(ctx: BenchContext): BenchPath[] {
  return [
    // The floor: a bare ctx.container object proxying to getTcpPort (fixture/src/floor.ts).
    { name: "floor", target: ctx.worker, path: (p) => `/floor/get/w${p}` },
    { name: "moorage", target: ctx.worker, path: (p) => `/moo/get/plain/w${p}` },
    // Moorage's object without the client (its stub's own fetch): splits Moorage's cost into client and object.
    { name: "moorage-do", target: ctx.worker, path: (p) => `/moo/do/plain/w${p}` },
    { name: "raw", target: ctx.worker, path: (p) => `/raw/get/w${p}` },
    { name: "tunnel", target: ctx.tunnel, path: (p) => p },
    // The Worker alone: /plain answers 1 KiB itself; /plain/blob and /plain/sink stream without a container.
    { name: "plain-worker", target: ctx.worker, path: (p) => (p === "/kib" ? "/plain" : `/plain${p}`) },
  ];
}

export const timeLeft = (ctx: BenchContext) => ctx.deadline - Date.now();
