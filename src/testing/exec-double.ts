/**
 * The test double's `exec`: a test handler plays the command, and the rest is production code.
 *
 * The handler's answer becomes a stand-in for the platform's `ExecProcess`, which runs through the Durable
 * Object's own `runExec` (framing, `timeoutMs`, cancellation, `execSignal`, the typed "cannot start" ends) and
 * the client's own decoder, so `exec`, `execOutput`, `kill()`, `signal` and the output cap behave as they do
 * against a real container. A handler that answers `{ exitCode: 127, stderr: "sh: 1: exec: x: not found" }`
 * gets the same `command-not-found` error as a missing command in a real image.
 * Boundary: test-only stand-ins; no timers of its own beyond what `runExec` sets.
 */
import { type ExecCapable, ExecRegistry, runExec } from "../do/exec.js";
import type { ExecWireOptions } from "../exec-wire.js";

/** What an exec handler sees. */
export interface TestExecInfo {
  container: string;
  instance: string;
  cwd?: string;
  env?: Record<string, string>;
  user?: string;
  /** The stdin the caller passed, as text (empty when none). */
  stdin: string;
  /** Aborted when the process is killed (timeout, `kill()`, the caller's signal): stop and return. */
  signal: AbortSignal;
}

/** What an exec handler answers: output (strings, bytes, or streams for incremental output) and an exit code. */
export interface TestExecResult {
  exitCode?: number;
  stdout?: string | Uint8Array | ReadableStream<Uint8Array>;
  stderr?: string | Uint8Array | ReadableStream<Uint8Array>;
}

/** Plays a command in the double: `(cmd, info) => ({ exitCode: 0, stdout: "hi\n" })`. */
export type TestExecHandler = (cmd: string[], info: TestExecInfo) => TestExecResult | Promise<TestExecResult>;

const encoder = new TextEncoder();

function asStream(value: TestExecResult["stdout"]): ReadableStream<Uint8Array> {
  if (value instanceof ReadableStream) return value;
  const bytes = typeof value === "string" ? encoder.encode(value) : (value ?? new Uint8Array(0));
  return new ReadableStream<Uint8Array>({
    start(controller) {
      if (bytes.byteLength > 0) controller.enqueue(bytes);
      controller.close();
    },
  });
}

async function readText(stream: ReadableStream | undefined): Promise<string> {
  if (!stream) return "";
  return new Response(stream).text();
}

let nextPid = 100;

/** A stand-in for `ctx.container` whose `exec` runs `handler`. */
export function execCapable(handler: TestExecHandler, who: { container: string; instance: string }): ExecCapable {
  return {
    async exec(cmd, options = {}) {
      const killed = new AbortController();
      let killSignal = 0;
      const stdin = await readText(options.stdin instanceof ReadableStream ? options.stdin : undefined);
      const info: TestExecInfo = {
        ...who,
        stdin,
        signal: killed.signal,
        ...(options.cwd !== undefined ? { cwd: options.cwd } : {}),
        ...(options.env !== undefined ? { env: options.env } : {}),
        ...(options.user !== undefined ? { user: options.user } : {}),
      };
      const answer = Promise.resolve().then(() => handler(cmd, info));
      const killedExit = new Promise<number>((resolve) =>
        killed.signal.addEventListener("abort", () => resolve(128 + killSignal), { once: true }),
      );
      const out = new TransformStream<Uint8Array, Uint8Array>();
      const err = new TransformStream<Uint8Array, Uint8Array>();
      const exitCode = (async () => {
        const result = await Promise.race([answer, killedExit.then(() => undefined)]);
        if (result === undefined) {
          await Promise.all([out.writable.close(), err.writable.close()]).catch(() => undefined);
          return killedExit;
        }
        const pipe = (from: TestExecResult["stdout"], to: WritableStream<Uint8Array>) =>
          asStream(from)
            .pipeTo(to, { signal: killed.signal })
            .catch(() => to.close().catch(() => undefined));
        await Promise.all([pipe(result.stdout, out.writable), pipe(result.stderr, err.writable)]);
        return killed.signal.aborted ? killedExit : (result.exitCode ?? 0);
      })();
      const proc: ExecProcess = {
        stdin: null,
        stdout: out.readable,
        stderr: err.readable,
        pid: nextPid++,
        isPty: false,
        exitCode,
        output: () => {
          throw new Error("moorage test double: output() is not used by Moorage's exec path");
        },
        kill: (signo = 15) => {
          killSignal = signo;
          killed.abort();
        },
        resize: () => {
          throw new Error("resize() can only be called on a process that was started with a PTY.");
        },
      };
      return proc;
    },
  };
}

/** The double's `exec` RPC for one instance: the object's real `runExec` over the handler. */
export function execDouble(handler: TestExecHandler, who: { container: string; instance: string }) {
  const registry = new ExecRegistry();
  const container = execCapable(handler, who);
  return {
    exec: async (cmd: string[], options: ExecWireOptions, stdin?: ReadableStream<Uint8Array>) =>
      runExec(container, cmd, { ...options, stdin }, { registry }),
    execSignal: async (id: string, signo: number) => registry.signal(id, signo),
  };
}
