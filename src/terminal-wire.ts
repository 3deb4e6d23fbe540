/**
 * The terminal framing: what travels over the WebSocket `handle.terminal()` opens, between a browser terminal
 * (xterm.js, or any WebSocket client) and the PTY in the container. Shared by the Durable Object
 * (`src/do/terminal.ts`), the client (`src/client/terminal.ts`) and the README, so the framing has one definition.
 *
 * - Binary messages, both ways: raw terminal bytes (keystrokes in; the screen's output out, stdout and stderr
 *   merged as a PTY merges them, with `\r\n` line ends).
 * - Text messages from the browser, JSON: `{"type":"input","data":"ls\r"}` (the same as binary input, for clients
 *   that only send strings) and `{"type":"resize","cols":120,"rows":40}`. Anything else is ignored.
 * - Text messages to the browser, JSON: `{"type":"exit","exitCode":0}` when the command ends (the socket then
 *   closes with 1000), or `{"type":"error","message":"..."}` when the terminal could not start or failed (the socket
 *   then closes with 1011).
 *
 * Opening a terminal takes two steps: a one-time ticket over Durable Object RPC (`terminalTicket(options)`, which
 * also starts the container), then the WebSocket upgrade through the object's `fetch` with the ticket in
 * `TERMINAL_TICKET_HEADER`. Only RPC hands out tickets, so no header a Worker forwards can open a shell.
 * Boundary: types and constants only; no I/O, no Node built-ins.
 */

/** The header carrying a terminal ticket on the upgrade request (the client strips `moorage-*` from callers). */
export const TERMINAL_TICKET_HEADER = "moorage-terminal-ticket";

/** Size limits of a PTY, in columns and rows (workerd takes up to 65535; no screen needs more than this). */
export const TERMINAL_MAX_SIZE = 1000;
/** The size a terminal starts with when `cols` / `rows` are not given. */
export const TERMINAL_DEFAULT_SIZE = { cols: 80, rows: 24 } as const;
/** What a terminal runs when `cmd` is not given. */
export const TERMINAL_DEFAULT_CMD: readonly string[] = ["/bin/sh"];
/** `TERM` in the terminal's environment unless `env` sets one: what xterm.js emulates. */
export const TERMINAL_DEFAULT_TERM = "xterm-256color";

/** Whether `value` is a usable PTY dimension. */
export function isTerminalSize(value: unknown): value is number {
  return typeof value === "number" && Number.isInteger(value) && value >= 1 && value <= TERMINAL_MAX_SIZE;
}

/** The directed message for a bad `cols` / `rows` (the client and the object refuse with the same words). */
export function terminalSizeProblem(field: "cols" | "rows", value: unknown): string {
  return `moorage terminal: "${field}" must be a whole number from 1 to ${TERMINAL_MAX_SIZE} (got ${JSON.stringify(value)})`;
}

/** What a terminal runs in, as sent over RPC. */
export interface TerminalWireOptions {
  cols: number;
  rows: number;
  /** Default `TERMINAL_DEFAULT_CMD`. */
  cmd?: string[];
  cwd?: string;
  env?: Record<string, string>;
  user?: string;
}

/** Text messages the browser sends. */
export type TerminalClientMessage = { type: "input"; data: string } | { type: "resize"; cols: number; rows: number };

/** Text messages the browser receives. */
export type TerminalServerMessage = { type: "exit"; exitCode: number } | { type: "error"; message: string };

/** Close codes of the terminal socket. */
export const TERMINAL_CLOSE = { exited: 1000, failed: 1011 } as const;
