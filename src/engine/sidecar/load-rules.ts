/**
 * Loads a rule script into the kernel by piping it to a loader's stdin (`nft -f -`, `iptables-restore --noflush
 * --wait`): the one way the firewall (netfilter.ts) and the link-layer guard (link-guard.ts) apply their rules, so
 * both fail alike, in the loader's own words.
 * Boundary: one child process per call; resolves on exit 0, rejects with the exit code and stderr otherwise.
 */
import { spawn } from "node:child_process";

/** Most characters of the loader's stderr kept in the error (its first lines name the failing rule). */
const STDERR_KEPT = 500;

/** Run `binary args...` with `script` on stdin; reject with its exit code and stderr when it fails. */
export function loadRules(binary: string, args: readonly string[], script: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { stdio: ["pipe", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => {
      if (stderr.length < STDERR_KEPT) stderr += d.toString();
    });
    child.on("error", (err) => reject(new Error(`${binary}: ${err.message}`)));
    child.on("close", (code) => {
      if (code === 0) resolve();
      else {
        const said = stderr.trim().split("\n").join("; ").slice(0, STDERR_KEPT);
        reject(new Error(`${binary} exited with ${code}: ${said}`));
      }
    });
    // A loader that exits before reading all of stdin must not crash the sidecar with EPIPE: its exit code says why.
    child.stdin.on("error", () => {});
    child.stdin.end(script);
  });
}
