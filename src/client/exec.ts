/**
 * `handle.exec()` and `handle.execOutput()`: run a command in an instance's container, streamed or buffered.
 *
 * The Durable Object starts the container if needed (with the definition's environment, like a request), runs
 * the command with the platform's `ctx.container.exec()`, and returns one framed stream (`../exec-wire.ts`); this
 * module turns it back into a process: `stdout` and `stderr` streams, an `exitCode` promise, `kill()`, and
 * `output()` with a byte cap. `signal` cancels (the process is killed), `timeoutMs` kills it on the object's
 * clock. A command that cannot start rejects `exitCode` with a typed `ExecError`, never a silent 127.
 * Boundary: client side only; talks to the object through `ContainerStub.exec` / `execSignal`.
 */

import type { ErrorCode } from "../errors.js";
import { createFrameDecoder, decodeJson, EXEC_FRAME, type ExecEndFrame, type ExecStartFrame } from "../exec-wire.js";
import { MoorageContainerError } from "./errors.js";
import type { ContainerStub } from "./stub.js";

/** Options for `exec` and `execOutput`. */
export interface ExecOptions {
  /** Working directory (absolute). Default: the image's. */
  cwd?: string;
  /** Extra environment for this process, over the container's own. */
  env?: Record<string, string>;
  /** User name or uid to run as. Default: the image's. */
  user?: string;
  /** Bytes for the process's stdin (closed after them). Without it, stdin is empty. */
  stdin?: string | Uint8Array | ArrayBuffer | ReadableStream<Uint8Array>;
  /** Kill the process (SIGKILL) after this long; `exitCode` then rejects with code `exec-timeout`. */
  timeoutMs?: number;
  /** Aborting kills the process; `exitCode` then rejects with the signal's reason. */
  signal?: AbortSignal;
}

/** Options for the buffered form. */
export interface ExecOutputOptions extends ExecOptions {
  /** Most bytes of stdout plus stderr to keep; more is an `exec-output-too-large` error. Default 1 MiB. */
  maxOutputBytes?: number;
}

/** What `execOutput` (and `process.output()`) resolves with. */
export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** A running command. Read `stdout` and `stderr` (or call `output()`), and await `exitCode`. */
export interface ContainerProcess {
  /** The process id inside the container's namespace as the platform reports it. */
  readonly pid: number;
  /** The instance it runs on (for `any()` / `pool()`, the one the call chose: `poolInstance(i)` reaches it again). */
  readonly instance: string;
  readonly stdout: ReadableStream<Uint8Array>;
  readonly stderr: ReadableStream<Uint8Array>;
  /** Resolves with the exit code; rejects with `ExecError` (cannot start, timeout) or the abort reason. */
  readonly exitCode: Promise<number>;
  /** Sends a signal (default SIGTERM, 15). */
  kill(signal?: number): Promise<void>;
  /** Reads both streams to the end (at most `maxOutputBytes`, default 1 MiB) and the exit code. */
  output(options?: { maxOutputBytes?: number }): Promise<ExecResult>;
}

/** Why an exec failed: a code of the one registry (`ERROR_CODES` in `../errors.ts`). */
export type ExecErrorCode = Extract<
  ErrorCode,
  | "command-not-found"
  | "command-not-executable"
  | "exec-failed"
  | "exec-timeout"
  | "exec-output-too-large"
  | "invalid-option"
>;

/** Why an exec gave no usable exit code. `code` says which; the message names the command and the fix. */
export class ExecError extends MoorageContainerError {
  readonly execCode: ExecErrorCode;
  constructor(
    message: string,
    details: { execCode: ExecErrorCode; container: string; instance: string; cause?: unknown },
  ) {
    super("exec-failed", message, {
      container: details.container,
      instance: details.instance,
      cause: details.cause,
    });
    this.execCode = details.execCode;
  }
}

export const DEFAULT_MAX_OUTPUT_BYTES = 1024 * 1024;

const encoder = new TextEncoder();

function toStream(stdin: ExecOptions["stdin"]): ReadableStream<Uint8Array> | undefined {
  if (stdin === undefined) return undefined;
  if (stdin instanceof ReadableStream) return stdin;
  const bytes = typeof stdin === "string" ? encoder.encode(stdin) : new Uint8Array(stdin);
  return new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(bytes);
      controller.close();
    },
  });
}

/** `"ls -la"` runs through `/bin/sh -c`; an array runs as is. A bad command is `invalid-option`, naming it. */
export function commandArgv(cmd: string | readonly string[], who: { container: string; instance?: string }): string[] {
  if (typeof cmd === "string") {
    if (cmd.trim() === "") {
      throw new MoorageContainerError(
        "invalid-option",
        'moorage exec: the command is empty; pass e.g. "ls -la" or ["ls", "-la"]',
        who,
      );
    }
    return ["/bin/sh", "-c", cmd];
  }
  if (!Array.isArray(cmd) || cmd.length === 0 || cmd.some((a) => typeof a !== "string") || cmd[0] === "") {
    throw new MoorageContainerError(
      "invalid-option",
      `moorage exec: the command must be a string or a non-empty array of strings (got ${JSON.stringify(cmd)})`,
      who,
    );
  }
  return [...cmd];
}

/** Runs `cmd` on the object behind `stub` and returns the process. */
export async function execOn(
  stub: () => ContainerStub,
  who: { container: string; instance: string },
  cmd: string | readonly string[],
  options: ExecOptions = {},
): Promise<ContainerProcess> {
  const argv = commandArgv(cmd, who);
  const { signal, stdin, ...wire } = options;
  signal?.throwIfAborted();
  const framed = await stub().exec(argv, wire, toStream(stdin));
  const reader = framed.getReader();
  const decoder = createFrameDecoder();
  let out!: ReadableStreamDefaultController<Uint8Array>;
  let err!: ReadableStreamDefaultController<Uint8Array>;
  const stdout = new ReadableStream<Uint8Array>({
    start(c) {
      out = c;
    },
  });
  const stderr = new ReadableStream<Uint8Array>({
    start(c) {
      err = c;
    },
  });
  let settle!: { resolve: (code: number) => void; reject: (e: unknown) => void };
  const exitCode = new Promise<number>((resolve, reject) => {
    settle = { resolve, reject };
  });
  // Callers that only read the streams must not see an unhandled rejection.
  exitCode.catch(() => undefined);

  const fail = (error: unknown) => {
    settle.reject(error);
    for (const c of [out, err]) {
      try {
        c.error(error);
      } catch {
        // Already closed.
      }
    }
  };
  const close = () => {
    for (const c of [out, err]) {
      try {
        c.close();
      } catch {
        // Already closed or errored.
      }
    }
  };
  const describe = `${JSON.stringify(argv.join(" "))} in container "${who.container}" (instance "${who.instance}")`;
  const onEnd = (end: ExecEndFrame) => {
    if ("error" in end) {
      close();
      settle.reject(new ExecError(end.message, { execCode: end.error, ...who }));
    } else if (end.timedOut) {
      close();
      settle.reject(
        new ExecError(`moorage exec: ${describe} ran past timeoutMs ${options.timeoutMs} and was killed`, {
          execCode: "exec-timeout",
          ...who,
        }),
      );
    } else {
      close();
      settle.resolve(end.exitCode);
    }
  };

  // The first frame says the process started (or why not) before exec() resolves.
  let start: ExecStartFrame | undefined;
  const pending: Array<{ type: number; payload: Uint8Array }> = [];
  let ended = false;
  while (start === undefined && !ended) {
    const { done, value } = await reader.read();
    if (done) {
      throw new ExecError(`moorage exec: the object ended the stream for ${describe} before the process started`, {
        execCode: "exec-failed",
        ...who,
      });
    }
    for (const frame of decoder.push(value)) {
      if (start === undefined && frame.type === EXEC_FRAME.start) start = decodeJson<ExecStartFrame>(frame.payload);
      else if (start === undefined && frame.type === EXEC_FRAME.end) {
        const end = decodeJson<ExecEndFrame>(frame.payload);
        reader.cancel().catch(() => undefined);
        if ("error" in end) throw new ExecError(end.message, { execCode: end.error, ...who });
        ended = true;
        onEnd(end);
      } else pending.push(frame);
    }
  }
  const id = start?.id;
  const kill = async (signo = 15) => {
    if (id !== undefined) await stub().execSignal(id, signo);
  };
  const dispatch = (frame: { type: number; payload: Uint8Array }) => {
    try {
      if (frame.type === EXEC_FRAME.stdout) out.enqueue(frame.payload);
      else if (frame.type === EXEC_FRAME.stderr) err.enqueue(frame.payload);
    } catch {
      // The caller cancelled that stream: drop its output, keep the other and the exit.
    }
    if (frame.type === EXEC_FRAME.end) onEnd(decodeJson<ExecEndFrame>(frame.payload));
  };
  if (!ended) {
    for (const f of pending) dispatch(f);
    const onAbort = () => {
      // Cancelling the framed stream kills the process on the object's side.
      reader.cancel(signal?.reason).catch(() => undefined);
      fail(signal?.reason ?? new DOMException("The exec was aborted", "AbortError"));
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    void (async () => {
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          for (const frame of decoder.push(value)) dispatch(frame);
        }
        // A stream that ends without an end frame: the object went away mid-run.
        fail(
          new ExecError(`moorage exec: the connection to ${describe} was lost before it exited`, {
            execCode: "exec-failed",
            ...who,
          }),
        );
      } catch (error) {
        if (!signal?.aborted) fail(error);
      } finally {
        signal?.removeEventListener("abort", onAbort);
      }
    })();
  }

  return {
    pid: start?.pid ?? 0,
    instance: who.instance,
    stdout,
    stderr,
    exitCode,
    kill,
    output: (o) =>
      collect(stdout, stderr, exitCode, o?.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES, describe, who, kill),
  };
}

async function collect(
  stdout: ReadableStream<Uint8Array>,
  stderr: ReadableStream<Uint8Array>,
  exitCode: Promise<number>,
  max: number,
  describe: string,
  who: { container: string; instance: string },
  kill: (signo?: number) => Promise<void>,
): Promise<ExecResult> {
  let total = 0;
  let over: ExecError | undefined;
  const read = async (stream: ReadableStream<Uint8Array>): Promise<string> => {
    const chunks: Uint8Array[] = [];
    const reader = stream.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > max) {
        over ??= new ExecError(
          `moorage exec: ${describe} wrote more than maxOutputBytes ${max} bytes; raise maxOutputBytes, or use exec() and read stdout/stderr as streams`,
          { execCode: "exec-output-too-large", ...who },
        );
        await reader.cancel().catch(() => undefined);
        break;
      }
      chunks.push(value);
    }
    const all = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0));
    let at = 0;
    for (const c of chunks) {
      all.set(c, at);
      at += c.byteLength;
    }
    return new TextDecoder().decode(all);
  };
  const [out, err] = await Promise.all([read(stdout), read(stderr)]);
  if (over) {
    await kill(9).catch(() => undefined);
    throw over;
  }
  return { exitCode: await exitCode, stdout: out, stderr: err };
}
