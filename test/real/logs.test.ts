/**
 * `moorage logs` with real containers: a running instance's stdout and stderr, `--follow` streaming a line that is
 * printed after it started, and a crashed instance's last lines with its exit code.
 */
import { spawn } from "node:child_process";
import { describe, expect, test } from "vitest";
import { main } from "../../src/cli/main.js";
import type { Output } from "../../src/cli/output.js";
import { beyondHttpSkipped, CLI, until, useBeyondHttpApp } from "../fixtures/beyond-http/app.js";

const app = useBeyondHttpApp();

async function logs(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const o: Output = {
    info: (l) => out.push(l),
    error: (l) => err.push(l),
    ok: (l) => out.push(l),
    warn: (l) => out.push(l),
    fail: (l) => out.push(l),
    dim: (t) => t,
    bold: (t) => t,
  };
  const code = await main(["logs", "shell", ...args], o, app.dir);
  return { code, out, err };
}

describe.skipIf(beyondHttpSkipped)("moorage logs (real containers)", () => {
  test("a running instance: stdout and stderr, each on its own stream", async () => {
    const res = await app.fetch("/c/alpha/say?text=first");
    expect(await res.text()).toBe("ok");
    const r = await until("the line in the logs", async () => {
      const got = await logs("--id", "alpha");
      return got.out.includes("said first") ? got : undefined;
    });
    expect(r.code).toBe(0);
    expect(r.out).toContain("shell server starting");
    expect(r.err).toContain("warned first");
    expect(r.out).not.toContain("warned first");
  });

  test("--follow streams a line printed after it started", async () => {
    await app.fetch("/c/alpha/ping");
    const child = spawn(process.execPath, [CLI, "logs", "shell", "--id", "alpha", "--follow", "--tail", "0"], {
      cwd: app.dir,
      env: { ...process.env, NO_COLOR: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let seen = "";
    child.stdout.on("data", (d: Buffer) => {
      seen += d.toString();
    });
    const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
    try {
      await until("follow to attach", async () => {
        await app.fetch("/c/alpha/say?text=live");
        return seen.includes("said live");
      });
      expect(seen).not.toContain("said first"); // --tail 0: only what came after
    } finally {
      child.kill("SIGINT");
    }
    expect(await exited).toBe(0);
  });

  test("a crashed instance's last lines stay readable (the crash message and what came before it)", async () => {
    await app.fetch("/c/beta/say?text=before-crash");
    await app.fetch("/c/beta/crash?code=3");
    // Locally the instance's container keeps its output when it exits, and when it is started again after the
    // crash, so the lines before the crash are still there whichever state the instance is in now.
    const r = await until("the crash to show", async () => {
      const got = await logs("--id", "beta");
      return got.err.includes("crashing with 3") ? got : undefined;
    });
    expect(r.code).toBe(0);
    expect(r.out).toContain("said before-crash");
    expect(r.err.indexOf("warned before-crash")).toBeLessThan(r.err.indexOf("crashing with 3"));
  });
});
