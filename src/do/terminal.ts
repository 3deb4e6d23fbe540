/**
 * The Durable Object's side of `terminal()`: a PTY (`ctx.container.exec(cmd, { pty })`) bridged to a WebSocket in
 * the framing of `../terminal-wire.ts` (binary = terminal bytes both ways; text = JSON `input`/`resize` in,
 * `exit`/`error` out).
 *
 * Why tickets: the WebSocket arrives through the object's `fetch`, where headers come from whoever the Worker
 * forwards; so a terminal opens only with a one-time ticket the object handed out over RPC moments before
 * (`TerminalTickets`: 128 random bits, valid 30 s, at most 32 outstanding).
 * Keystrokes arrive as WebSocket events, possibly before the PTY process exists: they are written to the
 * process's own stdin writer (`stdin: "pipe"`), those typed before it exists kept (up to 64 KiB) and written first.
 * The socket asks for binary messages as `ArrayBuffer`: since compatibility date 2026-03-17 workerd delivers them
 * as `Blob` by default, which read as no bytes at all (why input never reached the PTY in the first attempt).
 * When the browser goes away the process gets SIGHUP (what a terminal's hangup sends) and stdin ends; SIGKILL
 * follows if it is still there after `HANGUP_GRACE_MS`.
 * Boundary: no lifecycle decisions; the caller starts the container first and counts the session as activity.
 */
import { MoorageError, messageOf } from "../errors.js";
import {
  isTerminalSize,
  TERMINAL_CLOSE,
  TERMINAL_DEFAULT_CMD,
  TERMINAL_DEFAULT_SIZE,
  TERMINAL_DEFAULT_TERM,
  type TerminalServerMessage,
  type TerminalWireOptions,
  terminalSizeProblem,
} from "../terminal-wire.js";
import { checkExecRequest, type ExecCapable } from "./exec.js";

const TICKET_TTL_MS = 30_000;
const MAX_TICKETS = 32;
const SIGHUP = 1;
const SIGKILL = 9;
const HANGUP_GRACE_MS = 5_000;
/** Most keystroke bytes kept while the process is starting (more is dropped, as a full terminal buffer would). */
const MAX_EARLY_INPUT_BYTES = 64 * 1024;

/** Validates terminal options from RPC (untrusted), with a directed message naming the field. */
export function checkTerminalOptions(raw: unknown): TerminalWireOptions {
  const o = (raw ?? {}) as Record<string, unknown>;
  const size = (field: "cols" | "rows"): number => {
    const value = o[field] ?? TERMINAL_DEFAULT_SIZE[field];
    if (!isTerminalSize(value)) throw new MoorageError("invalid-option", terminalSizeProblem(field, value));
    return value;
  };
  const { cmd, options } = checkExecRequest(o.cmd ?? [...TERMINAL_DEFAULT_CMD], {
    cwd: o.cwd,
    env: o.env,
    user: o.user,
  });
  return { cols: size("cols"), rows: size("rows"), cmd, ...options };
}

/** One-time tickets: `issue` over RPC, `take` when the WebSocket arrives. */
export class TerminalTickets {
  readonly #tickets = new Map<string, { options: TerminalWireOptions; expires: number }>();

  issue(options: TerminalWireOptions, now = Date.now()): string {
    for (const [key, t] of this.#tickets) if (t.expires <= now) this.#tickets.delete(key);
    if (this.#tickets.size >= MAX_TICKETS) {
      throw new MoorageError(
        "terminal-failed",
        `moorage terminal: ${MAX_TICKETS} terminals are already being opened on this instance; open the WebSocket of each ticket (or wait ${TICKET_TTL_MS / 1000} s for them to expire)`,
      );
    }
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    const ticket = [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
    this.#tickets.set(ticket, { options, expires: now + TICKET_TTL_MS });
    return ticket;
  }

  /** The options of a valid ticket, which is used up; undefined for an unknown or expired one. */
  take(ticket: string, now = Date.now()): TerminalWireOptions | undefined {
    const found = this.#tickets.get(ticket);
    this.#tickets.delete(ticket);
    return found && found.expires > now ? found.options : undefined;
  }
}

export interface TerminalHooks {
  /** Called for every message either way (renews the sleep timer). */
  onActivity(): void;
  /** Called once when the session ended (the process exited, failed to start, or the browser left). */
  onEnd(): void;
}

const encoder = new TextEncoder();

/** Decodes one message from the browser; undefined for anything that is not part of the framing. */
export function decodeClientMessage(
  data: unknown,
): { input: Uint8Array } | { resize: { cols: number; rows: number } } | undefined {
  if (data instanceof ArrayBuffer) return { input: new Uint8Array(data) };
  if (ArrayBuffer.isView(data)) return { input: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
  if (typeof data !== "string") return undefined;
  let message: unknown;
  try {
    message = JSON.parse(data);
  } catch {
    return undefined;
  }
  const m = message as Record<string, unknown> | null;
  if (m?.type === "input" && typeof m.data === "string") return { input: encoder.encode(m.data) };
  if (m?.type === "resize" && isTerminalSize(m.cols) && isTerminalSize(m.rows))
    return { resize: { cols: m.cols, rows: m.rows } };
  return undefined;
}

/** Answers the WebSocket upgrade with a socket bridged to a fresh PTY process. */
export function serveTerminal(container: ExecCapable, options: TerminalWireOptions, hooks: TerminalHooks): Response {
  const pair = new WebSocketPair();
  const client = pair[0];
  const server = pair[1];
  // Since compatibility date 2026-03-17 binary messages arrive as Blob unless asked otherwise; keystrokes must be
  // read in order and at once, so ask for ArrayBuffer.
  server.binaryType = "arraybuffer";
  server.accept();
  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    hooks.onEnd();
  };
  const send = (message: TerminalServerMessage) => {
    try {
      server.send(JSON.stringify(message));
    } catch {
      // The browser already left.
    }
  };
  const close = (code: number, reason: string) => {
    try {
      server.close(code, reason);
    } catch {
      // Already closed.
    }
  };

  // Keystrokes that arrive before the process exists wait here; afterwards they go straight to its stdin.
  let early: Uint8Array[] | undefined = [];
  let earlyBytes = 0;
  let stdin: WritableStreamDefaultWriter<Uint8Array> | undefined;
  let stdinClosed = false;
  const write = (bytes: Uint8Array) => {
    if (stdinClosed) return;
    if (stdin) stdin.write(bytes).catch(() => undefined);
    else if (early && earlyBytes + bytes.byteLength <= MAX_EARLY_INPUT_BYTES) {
      early.push(bytes);
      earlyBytes += bytes.byteLength;
    }
  };
  const closeStdin = () => {
    stdinClosed = true;
    early = undefined;
    stdin?.close().catch(() => undefined);
  };
  let proc: ExecProcess | undefined;
  let pendingResize: { cols: number; rows: number } | undefined;
  const resize = (size: { cols: number; rows: number }) => {
    if (!proc) {
      pendingResize = size;
      return;
    }
    try {
      proc.resize(size.cols, size.rows);
    } catch {
      // The process already ended.
    }
  };
  let browserGone = false;
  let killTimer: ReturnType<typeof setTimeout> | undefined;
  const hangUp = () => {
    closeStdin();
    if (!proc) return;
    const target = proc;
    try {
      target.kill(SIGHUP);
    } catch {
      // Already gone.
    }
    killTimer = setTimeout(() => {
      try {
        target.kill(SIGKILL);
      } catch {
        // Already gone.
      }
    }, HANGUP_GRACE_MS);
  };

  server.addEventListener("message", (event: MessageEvent) => {
    hooks.onActivity();
    const message = decodeClientMessage(event.data);
    if (!message) return; // Not part of the framing: ignored rather than breaking the session.
    if ("input" in message) write(message.input);
    else resize(message.resize);
  });
  server.addEventListener("close", () => {
    browserGone = true;
    hangUp();
    if (!proc) end();
  });
  server.addEventListener("error", () => {
    browserGone = true;
    hangUp();
  });

  void (async () => {
    try {
      proc = await container.exec(options.cmd ?? [...TERMINAL_DEFAULT_CMD], {
        pty: { cols: options.cols, rows: options.rows },
        stdin: "pipe",
        env: { TERM: TERMINAL_DEFAULT_TERM, ...options.env },
        ...(options.cwd !== undefined ? { cwd: options.cwd } : {}),
        ...(options.user !== undefined ? { user: options.user } : {}),
      });
    } catch (error) {
      send({
        type: "error",
        message: `moorage terminal: the container could not start a terminal: ${messageOf(error)}`,
      });
      close(TERMINAL_CLOSE.failed, "terminal could not start");
      closeStdin();
      end();
      return;
    }
    // The size again, as a resize: Docker engines before API 1.42 (Docker 23) ignore the size an exec starts with.
    resize(pendingResize ?? { cols: options.cols, rows: options.rows });
    pendingResize = undefined;
    stdin = (proc.stdin as WritableStream<Uint8Array> | null)?.getWriter();
    for (const bytes of early?.splice(0) ?? []) write(bytes);
    early = undefined;
    if (browserGone) hangUp();
    try {
      const reader = (proc.stdout as ReadableStream<Uint8Array> | null)?.getReader();
      for (;;) {
        const chunk = reader ? await reader.read() : { done: true as const, value: undefined };
        if (chunk.done) break;
        hooks.onActivity();
        if (browserGone) continue; // Drain, so the process is never blocked on a full PTY.
        try {
          server.send(chunk.value);
        } catch {
          browserGone = true;
          hangUp();
        }
      }
      const exitCode = await proc.exitCode;
      send({ type: "exit", exitCode });
      close(TERMINAL_CLOSE.exited, "exited");
    } catch (error) {
      send({ type: "error", message: `moorage terminal: ${messageOf(error)}` });
      close(TERMINAL_CLOSE.failed, "terminal failed");
    } finally {
      if (killTimer !== undefined) clearTimeout(killTimer);
      closeStdin();
      end();
    }
  })();
  return new Response(null, { status: 101, webSocket: client });
}
