/**
 * `exec` on the test double: the handler plays the command, the object's `runExec` and the client's decoder do
 * the rest, so every behaviour below is what a caller sees against a real container too: buffered and streamed
 * output, stdin, a non-zero exit, the typed error for a missing command, timeouts, cancellation, kill, the
 * output cap, and exec counting as a start.
 */
import { describe, expect, it } from "vitest";
import { ExecError } from "../client/exec.js";
import { isErrorCode } from "../errors.js";
import type { TestExecHandler } from "./exec-double.js";
import { createContainerTestContext } from "./test-context.js";

const ok = () => new Response("ok");

function context(options: { exec: { shell: TestExecHandler } }) {
  return createContainerTestContext({ shell: ok }, options);
}

describe("exec on the test double", () => {
  it("execOutput: exit code, stdout, stderr; cwd, env, user and stdin reach the command", async () => {
    const c = context({
      exec: {
        shell: (cmd, info) => ({
          exitCode: 3,
          stdout: `${cmd.join(" ")} in ${info.cwd} as ${info.user} with ${info.env?.MODE}: ${info.stdin}\n`,
          stderr: "careful\n",
        }),
      },
    });
    const r = await c.shell
      .get("a")
      .execOutput(["tool", "run"], { cwd: "/work", user: "1000", env: { MODE: "fast" }, stdin: "input!" });
    expect(r).toEqual({ exitCode: 3, stdout: "tool run in /work as 1000 with fast: input!\n", stderr: "careful\n" });
    expect(c.callsTo("shell", "a").map((x) => x.method)).toEqual(["exec"]);
    expect(c.instance("shell", "a")).toMatchObject({ status: "healthy", starts: 1 });
  });

  it("a string command runs through /bin/sh -c", async () => {
    const seen: string[][] = [];
    const c = context({
      exec: {
        shell: (cmd) => {
          seen.push(cmd);
          return { exitCode: 0 };
        },
      },
    });
    await c.shell.get("a").execOutput("ls -la | wc -l");
    expect(seen).toEqual([["/bin/sh", "-c", "ls -la | wc -l"]]);
  });

  it("streams a large output chunk by chunk", async () => {
    const chunk = new Uint8Array(64 * 1024).fill(120);
    const c = context({
      exec: {
        shell: () => ({
          stdout: new ReadableStream<Uint8Array>({
            start(controller) {
              for (let i = 0; i < 80; i++) controller.enqueue(chunk);
              controller.close();
            },
          }),
        }),
      },
    });
    const p = await c.shell.get("a").exec(["big"]);
    let bytes = 0;
    let reads = 0;
    for await (const part of p.stdout) {
      bytes += part.byteLength;
      reads++;
    }
    expect(bytes).toBe(80 * 64 * 1024);
    expect(reads).toBeGreaterThan(1);
    expect(await p.exitCode).toBe(0);
  });

  it("a command the image does not have is a typed error, not a silent 127", async () => {
    const c = context({ exec: { shell: (cmd) => ({ exitCode: 127, stderr: `sh: 1: exec: ${cmd[0]}: not found\n` }) } });
    const error = await c.shell
      .get("a")
      .execOutput(["nosuch"])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExecError);
    expect(error).toMatchObject({ execCode: "command-not-found", container: "shell", instance: "a" });
    expect((error as Error).message).toContain('"nosuch" was not found in the container');
  });

  it("timeoutMs kills the process and rejects with exec-timeout", async () => {
    let sawKill = false;
    const c = context({
      exec: {
        shell: (_cmd, info) =>
          new Promise((resolve) =>
            info.signal.addEventListener("abort", () => {
              sawKill = true;
              resolve({ exitCode: 137 });
            }),
          ),
      },
    });
    const error = await c.shell
      .get("a")
      .execOutput(["sleep", "60"], { timeoutMs: 30 })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ execCode: "exec-timeout" });
    expect((error as Error).message).toContain("ran past timeoutMs 30 and was killed");
    expect(sawKill).toBe(true);
  });

  it("the caller's signal cancels: the process is killed and exitCode rejects with the reason", async () => {
    let killed: () => void = () => undefined;
    const wasKilled = new Promise<void>((r) => {
      killed = r;
    });
    const c = context({
      exec: {
        shell: (_cmd, info) =>
          new Promise(() => {
            info.signal.addEventListener("abort", () => killed());
          }),
      },
    });
    const abort = new AbortController();
    const p = await c.shell.get("a").exec(["sleep", "60"], { signal: abort.signal });
    abort.abort(new Error("user gave up"));
    await expect(p.exitCode).rejects.toThrow("user gave up");
    await wasKilled;
  });

  it("kill() sends the signal; the exit code says which", async () => {
    const c = context({ exec: { shell: (_cmd, info) => new Promise(() => void info.signal) } });
    const p = await c.shell.get("a").exec(["sleep", "60"]);
    await p.kill(15);
    expect(await p.exitCode).toBe(143);
  });

  it("the buffered form refuses more than maxOutputBytes with a directed error", async () => {
    const c = context({ exec: { shell: () => ({ stdout: "x".repeat(100) }) } });
    const error = await c.shell
      .get("a")
      .execOutput(["spam"], { maxOutputBytes: 10 })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "exec-failed", execCode: "exec-output-too-large" });
    // One registry: the reason is a registered code too.
    expect(isErrorCode((error as ExecError).execCode)).toBe(true);
    expect((error as Error).message).toContain(
      "wrote more than maxOutputBytes 10 bytes; raise maxOutputBytes, or use exec()",
    );
  });

  it("without an exec handler, says how to add one", async () => {
    const c = createContainerTestContext({ shell: ok });
    await expect(c.shell.get("a").execOutput(["ls"])).rejects.toThrow(
      'no exec handler for container "shell"; pass one: createContainerTestContext({ ... }, { exec: { shell:',
    );
  });

  it("any() and pool() run the command on the instance they choose, and say which", async () => {
    const c = context({ exec: { shell: (_cmd, info) => ({ exitCode: 0, stdout: `on ${info.instance}\n` }) } });
    const r = await c.shell.pool().execOutput("hostname");
    expect(r.instance).toMatch(/^moorage:pool:[0-2]$/);
    expect(r).toEqual({ exitCode: 0, stdout: `on ${r.instance}\n`, stderr: "", instance: r.instance });
    const process = await c.shell.any().exec(["true"]);
    expect(await process.exitCode).toBe(0);
    expect(process.instance).toMatch(/^moorage:pool:[0-2]$/);
    expect(c.callsTo("shell", process.instance).map((x) => x.method)).toContain("exec");
    // The chosen instance is a pool member like any other: poolInstance(N) reaches it again.
    const index = Number(r.instance.split(":").at(-1));
    expect((await c.shell.poolInstance(index).execOutput("hostname")).stdout).toBe(`on ${r.instance}\n`);
  });
});
