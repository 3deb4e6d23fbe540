/**
 * `exec` with real containers (workerd's `ctx.container.exec()` over Docker exec): a command on an instance that
 * was not running yet (started with the definition's environment), a large streamed output, a non-zero exit,
 * stdin, a missing command as a typed error, a timeout and cancellation with the caller's signal.
 */
import { describe, expect, test } from "vitest";
import { beyondHttpSkipped, until, useBeyondHttpApp } from "../fixtures/beyond-http/app.js";

const app = useBeyondHttpApp();

async function exec(id: string, cmd: string | string[], options: Record<string, unknown> = {}) {
  const res = await app.fetch(`/exec/${id}`, { method: "POST", body: JSON.stringify({ cmd, options }) });
  return (await res.json()) as {
    exitCode?: number;
    stdout?: string;
    stderr?: string;
    error?: string;
    message?: string;
  };
}

describe.skipIf(beyondHttpSkipped)("exec (real containers)", () => {
  test("starts a stopped instance with the definition's environment, then runs the command", async () => {
    const r = await exec("fresh", ["/bin/sh", "-c", 'echo "$GREETING"; echo "$EXTRA" >&2'], {
      env: { EXTRA: "per-exec" },
      cwd: "/tmp",
    });
    expect(r).toEqual({ exitCode: 0, stdout: "hello from the definition\n", stderr: "per-exec\n" });
    expect((await exec("fresh", "pwd", { cwd: "/tmp" })).stdout).toBe("/tmp\n");
  });

  test("a non-zero exit comes back as the exit code, with both streams", async () => {
    expect(await exec("e1", "echo out; echo err >&2; exit 3")).toEqual({
      exitCode: 3,
      stdout: "out\n",
      stderr: "err\n",
    });
  });

  test("stdin reaches the command", async () => {
    expect(await exec("e1", ["cat"], { stdin: "piped through stdin" })).toMatchObject({
      exitCode: 0,
      stdout: "piped through stdin",
    });
  });

  test("a command the image does not have is command-not-found, not a 127", async () => {
    const r = await exec("e1", ["no-such-tool", "--flag"]);
    expect(r.error).toBe("command-not-found");
    expect(r.message).toContain('"no-such-tool" was not found in the container');
  });

  test("a large output streams through intact", async () => {
    const lines = 150_000;
    const res = await app.fetch("/exec-stream/e2", {
      method: "POST",
      body: JSON.stringify({ cmd: ["node", "-e", `for (let i = 0; i < ${lines}; i++) console.log("line " + i)`] }),
    });
    const text = await res.text();
    const all = text.split("\n");
    expect(all.at(-2)).toBe("exit 0");
    expect(all.length - 2).toBe(lines);
    expect(all[lines - 1]).toBe(`line ${lines - 1}`);
  });

  test("timeoutMs kills a command that runs too long", async () => {
    const r = await exec("e3", ["sleep", "30"], { timeoutMs: 800 });
    expect(r.error).toBe("exec-timeout");
    expect(r.message).toContain("ran past timeoutMs 800 and was killed");
  });

  test("the caller's signal cancels the command: it stops running in the container", async () => {
    const ticker = "setInterval(() => require('fs').appendFileSync('/tmp/ticks', 'x'), 50)";
    const r = await app.fetch("/exec-abort/e4", {
      method: "POST",
      // Long enough for node to start in the container and tick under load; the abort is what is tested.
      body: JSON.stringify({ cmd: ["node", "-e", ticker], afterMs: 3_000 }),
    });
    expect(await r.json()).toEqual({ rejected: "aborted by the fixture" });
    const size = async () =>
      (await exec("e4", ["node", "-e", "console.log(require('fs').statSync('/tmp/ticks').size)"])).stdout;
    const before = await size();
    expect(Number(before)).toBeGreaterThan(0);
    // Killed: the file stops growing.
    await until("the ticker to stop", async () => {
      const a = await size();
      await new Promise((r) => setTimeout(r, 400));
      return (await size()) === a;
    });
  });
});
