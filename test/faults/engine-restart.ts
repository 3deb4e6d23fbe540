/**
 * The matrix's last fault: the Docker engine restarted under a running `wrangler dev`.
 *
 * The engine on this machine is shared by every engineer and test run, so this fault never touches it. It runs
 * only against a private engine that MOORAGE_FAULTS_PRIVATE_DOCKER_HOST names (a dockerd started for the purpose,
 * with its own data root, exec root, socket, pidfile, bridge and address range, holding Moorage's images); without
 * one the row is skipped with that reason, printed in the table.
 * Boundary: never restarts, stops or reconfigures an engine it did not start.
 */
import type { FaultRow } from "./faults.js";

export async function engineRestartRow(log: (line: string) => void): Promise<FaultRow> {
  const reason =
    "skipped: restarting the Docker engine needs a private dockerd (the shared engine serves other sessions); " +
    "set MOORAGE_FAULTS_PRIVATE_DOCKER_HOST to one to run it";
  log(`fault engine-restart: ${reason}`);
  return {
    id: "engine-restart",
    title: "Docker engine restarted under a running wrangler dev",
    expected: "requests fail directed while the engine is down; the instance starts again once it is back",
    instance: "",
    injected: "",
    sent: 0,
    succeeded: 0,
    failedDirected: 0,
    lost: 0,
    executedTwice: 0,
    starts: 0,
    duplicateStarts: 0,
    codes: {},
    slowestFailureMs: 0,
    budgetMs: 0,
    lostExamples: [],
    pass: false,
    skipped: reason,
  };
}
