/**
 * The Durable Object's side of `exec`: runs a command in the running container with `ctx.container.exec()` and
 * returns one framed byte stream (see `../exec-wire.ts`) carrying start, stdout, stderr and the end.
 *
 * Why here: the platform's `ExecProcess` cannot cross Durable Object RPC (a stream, another stream, a promise and
 * methods), so the object turns it into one stream the client decodes. What this adds to the platform call:
 * `timeoutMs` (SIGKILL, reported as `timedOut`), cancellation (the caller cancelling the stream kills the
 * process), a typed end for a command that cannot start (workerd wraps every command in `/bin/sh -c 'exec "$@"'`,
 * so a missing one is the shell's exit 127 "not found" and a non-executable one 126), `execSignal()` by id, and
 * an `onEnd` callback that fires exactly once (the object releases the exec's activity there).
 * Boundary: no lifecycle decisions; the caller starts the container first and counts activity.
 */

import { MoorageError } from "../errors.js";
import {
  EXEC_FRAME,
  type ExecEndFrame,
  type ExecStartFrame,
  type ExecWireOptions,
  encodeFrame,
  encodeJsonFrame,
} from "../exec-wire.js";

/** The part of `ctx.container` exec needs (workers-types' `Container.exec`). */
export interface ExecCapable {
  exec(cmd: string[], options?: ContainerExecOptions): Promise<ExecProcess>;
}

const SIGKILL = 9;
/** How much of stderr is kept to recognise the shell's "not found" answer. */
const STDERR_SNIFF_BYTES = 1024;

/** The processes an object is running, by id, so a later RPC can signal one. */
export class ExecRegistry {
  readonly #running = new Map<string, ExecProcess>();
  #next = 0;

  add(process: ExecProcess): string {
    this.#next += 1;
    const id = `exec-${this.#next}`;
    this.#running.set(id, process);
    return id;
  }

  remove(id: string): void {
    this.#running.delete(id);
  }

  /** Sends `signo` to a running process; false when there is none by that id (it already ended). */
  signal(id: string, signo: number): boolean {
    const process = this.#running.get(id);
    if (!process) return false;
    process.kill(signo);
    return true;
  }

  get size(): number {
    return this.#running.size;
  }
}

export interface RunExecOptions extends ExecWireOptions {
  stdin?: ReadableStream<Uint8Array> | undefined;
}

export interface RunExecHooks {
  registry: ExecRegistry;
  /** Called once when the process ended, failed to start, or the caller went away. */
  onEnd?: (end: ExecEndFrame) => void;
}

/** Validates what a caller sent over RPC (untrusted), with a directed message. */
export function checkExecRequest(cmd: unknown, options: unknown): { cmd: string[]; options: ExecWireOptions } {
  if (!Array.isArray(cmd) || cmd.length === 0 || !cmd.every((a) => typeof a === "string") || cmd[0] === "") {
    throw new MoorageError(
      "invalid-option",
      `moorage exec: the command must be a non-empty array of strings like ["ls", "-la"] (got ${JSON.stringify(cmd)})`,
    );
  }
  const o = (options ?? {}) as Record<string, unknown>;
  const out: ExecWireOptions = {};
  if (o.cwd !== undefined) {
    if (typeof o.cwd !== "string" || !o.cwd.startsWith("/")) {
      throw new MoorageError(
        "invalid-option",
        `moorage exec: "cwd" must be an absolute path (got ${JSON.stringify(o.cwd)})`,
      );
    }
    out.cwd = o.cwd;
  }
  if (o.user !== undefined) {
    if (typeof o.user !== "string" || o.user === "") {
      throw new MoorageError(
        "invalid-option",
        `moorage exec: "user" must be a user name or uid like "1000" (got ${JSON.stringify(o.user)})`,
      );
    }
    out.user = o.user;
  }
  if (o.env !== undefined) {
    if (typeof o.env !== "object" || o.env === null || Array.isArray(o.env)) {
      throw new MoorageError(
        "invalid-option",
        `moorage exec: "env" must be an object of strings (got ${JSON.stringify(o.env)})`,
      );
    }
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(o.env)) {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k) || typeof v !== "string") {
        throw new MoorageError(
          "invalid-option",
          `moorage exec: "env.${k}" must be a valid variable name with a string value`,
        );
      }
      env[k] = v;
    }
    out.env = env;
  }
  if (o.timeoutMs !== undefined) {
    if (typeof o.timeoutMs !== "number" || !Number.isFinite(o.timeoutMs) || o.timeoutMs <= 0) {
      throw new MoorageError(
        "invalid-option",
        `moorage exec: "timeoutMs" must be a positive number (got ${JSON.stringify(o.timeoutMs)})`,
      );
    }
    out.timeoutMs = o.timeoutMs;
  }
  return { cmd: [...(cmd as string[])], options: out };
}

const decoder = new TextDecoder();

/** The shell's answer for a command it could not run, recognised from the start of stderr. */
function startFailure(exitCode: number, stderr: string, command: string): ExecEndFrame | undefined {
  const first = stderr.split("\n")[0] ?? "";
  if (!first.includes(command)) return undefined;
  if (exitCode === 127 && /not found|No such file/i.test(first)) {
    return {
      error: "command-not-found",
      message: `moorage exec: "${command}" was not found in the container (${first.trim()})`,
    };
  }
  if (exitCode === 126 && /Permission denied|cannot execute|Is a directory/i.test(first)) {
    return {
      error: "command-not-executable",
      message: `moorage exec: "${command}" cannot be executed (${first.trim()})`,
    };
  }
  return undefined;
}

/**
 * Starts `cmd` and returns the framed stream. The stream starts with a `start` frame (or, when the platform refused,
 * an `end` frame with `error: "exec-failed"`), then output frames in arrival order, then one `end` frame.
 */
export function runExec(
  container: ExecCapable,
  cmd: string[],
  options: RunExecOptions,
  hooks: RunExecHooks,
): ReadableStream<Uint8Array> {
  const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>(undefined, undefined, {
    highWaterMark: 64,
  });
  const writer = writable.getWriter();
  let ended = false;
  const finish = (end: ExecEndFrame) => {
    if (ended) return;
    ended = true;
    hooks.onEnd?.(end);
  };
  void (async () => {
    let proc: ExecProcess;
    try {
      proc = await container.exec(cmd, {
        ...(options.cwd !== undefined ? { cwd: options.cwd } : {}),
        ...(options.env !== undefined ? { env: options.env } : {}),
        ...(options.user !== undefined ? { user: options.user } : {}),
        ...(options.stdin !== undefined ? { stdin: options.stdin } : {}),
        stdout: "pipe",
        stderr: "pipe",
      });
    } catch (error) {
      const end: ExecEndFrame = {
        error: "exec-failed",
        message: `moorage exec: the container could not start ${JSON.stringify(cmd[0])}: ${(error as Error)?.message ?? String(error)}`,
      };
      await writer.write(encodeJsonFrame(EXEC_FRAME.end, end)).catch(() => undefined);
      await writer.close().catch(() => undefined);
      finish(end);
      return;
    }
    const id = hooks.registry.add(proc);
    let killed = false;
    let timedOut = false;
    const kill = () => {
      if (killed) return;
      killed = true;
      try {
        proc.kill(SIGKILL);
      } catch {
        // Already gone.
      }
    };
    const timer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            kill();
          }, options.timeoutMs);
    let callerGone = false;
    // The caller cancelling the stream errors our side of it, output or not: the process goes too.
    writer.closed.catch(() => {
      callerGone = true;
      kill();
    });
    const write = async (frame: Uint8Array) => {
      if (callerGone) return;
      try {
        await writer.write(frame);
      } catch {
        // The caller cancelled the stream: nobody wants the output, so the process goes too.
        callerGone = true;
        kill();
      }
    };
    let sniffed = "";
    const pump = async (stream: ReadableStream | null, type: typeof EXEC_FRAME.stdout | typeof EXEC_FRAME.stderr) => {
      if (!stream) return;
      const reader = stream.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        const bytes = value instanceof Uint8Array ? value : new Uint8Array(value as ArrayBuffer);
        if (type === EXEC_FRAME.stderr && sniffed.length < STDERR_SNIFF_BYTES) sniffed += decoder.decode(bytes);
        await write(encodeFrame(type, bytes));
      }
    };
    let end: ExecEndFrame;
    try {
      await write(encodeJsonFrame(EXEC_FRAME.start, { id, pid: proc.pid } satisfies ExecStartFrame));
      const [exitCode] = await Promise.all([
        proc.exitCode,
        pump(proc.stdout, EXEC_FRAME.stdout),
        pump(proc.stderr, EXEC_FRAME.stderr),
      ]);
      end = startFailure(exitCode, sniffed, cmd[0] as string) ?? {
        exitCode,
        ...(timedOut ? { timedOut: true } : {}),
        ...(killed && !timedOut ? { killed: true } : {}),
      };
    } catch (error) {
      end = { error: "exec-failed", message: `moorage exec: ${(error as Error)?.message ?? String(error)}` };
    } finally {
      if (timer !== undefined) clearTimeout(timer);
      hooks.registry.remove(id);
    }
    await write(encodeJsonFrame(EXEC_FRAME.end, end));
    await writer.close().catch(() => undefined);
    finish(end);
  })();
  return readable;
}
