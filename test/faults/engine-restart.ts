/**
 * The matrix's last fault: the Docker engine restarted under a running `wrangler dev`.
 *
 * The engine on this machine is shared by every engineer and test run, so this fault never touches it: it starts a
 * private dockerd (private-engine.ts: own data root, exec root, socket, pidfile, bridge and address range, no
 * iptables), loads Moorage's images into it, runs a second wrangler dev session of the fault fixture against it,
 * and restarts THAT engine (SIGTERM, then start again) while the prober's traffic runs. Without root or dockerd the
 * row is skipped with the reason, printed in the table. The row passes with nothing lost or run twice and no
 * overlapping start. The instance does not serve again under this wrangler dev: the restart took the container's
 * networking sidecar, which workerd never recreates (SIDECAR_LIMIT); Moorage's part is a directed failure.
 * Boundary: never restarts, stops or reconfigures an engine it did not start.
 */

import { rmSync } from "node:fs";
import { requireEngine, startWranglerDev, type WranglerDev } from "../real/harness.js";
import { type Fault, type FaultRow, runFault, SIDECAR_LIMIT } from "./faults.js";
import { AppFollower } from "./follower.js";
import { errorRow, FAULT_WORKER, prepareFaultFixture, removeSnapshot } from "./matrix.js";
import { type PrivateEngine, privateEngineUnavailable, startPrivateEngine } from "./private-engine.js";

export const ENGINE_RESTART: Fault = {
  id: "engine-restart",
  title: "Docker engine restarted under a running wrangler dev (a private dockerd)",
  container: "app",
  prefix: "engine",
  recovers: false,
  mustServeAtEnd: true,
  // The restart kills the sidecar with everything else; see SIDECAR_LIMIT.
  limit: SIDECAR_LIMIT,
  expected: "requests fail directed while the engine is down and after it (the sidecar is gone); no POST runs twice",
  warm: true,
  plan: { durationMs: 16_000, loops: { get: 1, post: 1 }, workMs: 100, budgetMs: 20_000, pauseMs: 100 },
  injectAtMs: 2000,
};

export async function engineRestartRow(log: (line: string) => void): Promise<FaultRow> {
  const why = privateEngineUnavailable();
  if (why) {
    const reason = `skipped: restarting an engine needs a private dockerd (the shared one serves other sessions), and ${why}`;
    log(`fault engine-restart: ${reason}`);
    return { ...errorRow(ENGINE_RESTART, ""), error: undefined, skipped: reason };
  }
  const shared = await requireEngine();
  let engine: PrivateEngine | undefined;
  let dev: WranglerDev | undefined;
  let dir: string | undefined;
  let follower: AppFollower | undefined;
  try {
    engine = await startPrivateEngine([shared.images.nodeBase, shared.images.sidecar], log);
    const privateEngine = engine;
    dir = await prepareFaultFixture(log);
    dev = await startWranglerDev({
      cwd: dir,
      workerName: FAULT_WORKER,
      env: { DOCKER_HOST: engine.host },
      readyTimeoutMs: 240_000,
    });
    const f = new AppFollower(FAULT_WORKER, engine.env);
    follower = f;
    f.start();
    log(`fault engine-restart: wrangler dev on ${dev.url} against ${engine.host}`);
    const fault: Fault = {
      ...ENGINE_RESTART,
      inject: async () => {
        const { downMs } = await privateEngine.restart();
        f.start(); // the events stream ended with the engine
        return `private dockerd stopped (SIGTERM) and started again: ${downMs} ms without an engine`;
      },
    };
    const row = await runFault(
      { port: dev.port, follower: f, fixtureDir: dir, log, tag: Date.now().toString(36) },
      fault,
    );
    log(
      `fault engine-restart: sent ${row.sent}, ok ${row.succeeded}, directed ${row.failedDirected}, lost ${row.lost}, twice ${row.executedTwice}, starts ${row.starts}, serving at end ${row.servingAtEnd}`,
    );
    return row;
  } catch (err) {
    log(`fault engine-restart: ERROR ${(err as Error).message}`);
    return errorRow(ENGINE_RESTART, (err as Error).message);
  } finally {
    follower?.stop();
    await dev?.stop().catch(() => undefined);
    await engine?.remove().catch(() => undefined);
    if (dir) rmSync(dir, { recursive: true, force: true });
    removeSnapshot();
  }
}
