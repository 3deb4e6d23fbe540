/**
 * `handle.terminal({ cols, rows, cmd? })`: a WebSocket carrying a PTY in the container, as the `101` response a
 * Worker returns to a browser as is (or uses itself through `response.webSocket`). The framing is defined once in
 * `../terminal-wire.ts` and documented in the README ("Terminals").
 *
 * Two steps: a one-time ticket over RPC (which validates the options and starts the container, so a bad option or
 * a failed start rejects here, before any socket exists), then the upgrade through the object's `fetch` carrying
 * the ticket. Only RPC hands out tickets, so a header a caller forwards can never open a shell.
 * Boundary: client side only; the PTY and the bridging live in `../do/terminal.ts`.
 */
import { HEADERS } from "../protocol.js";
import {
  isTerminalSize,
  TERMINAL_TICKET_HEADER,
  type TerminalWireOptions,
  terminalSizeProblem,
} from "../terminal-wire.js";
import { MoorageContainerError } from "./errors.js";
import { commandArgv } from "./exec.js";
import type { ContainerStub } from "./stub.js";

/** Options for `terminal()`. */
export interface TerminalOptions {
  /** Columns and rows of the PTY at start (the browser sends `resize` messages later). Default 80 x 24. */
  cols?: number;
  rows?: number;
  /** What runs in the terminal, like `exec`'s command (a string runs through `/bin/sh -c`). Default `["/bin/sh"]`. */
  cmd?: string | readonly string[];
  /** Working directory (absolute). Default: the image's. */
  cwd?: string;
  /** Extra environment; `TERM` defaults to `xterm-256color`. */
  env?: Record<string, string>;
  /** User name or uid to run as. Default: the image's. */
  user?: string;
}

export async function terminalOn(
  stub: () => ContainerStub,
  who: { container: string; instance: string },
  options: TerminalOptions = {},
): Promise<Response> {
  const wire: Partial<TerminalWireOptions> = {};
  for (const field of ["cols", "rows"] as const) {
    const value = options[field];
    if (value === undefined) continue;
    if (!isTerminalSize(value)) {
      throw new MoorageContainerError("invalid-option", terminalSizeProblem(field, value), who);
    }
    wire[field] = value;
  }
  if (options.cmd !== undefined) wire.cmd = commandArgv(options.cmd, who);
  if (options.cwd !== undefined) wire.cwd = options.cwd;
  if (options.env !== undefined) wire.env = { ...options.env };
  if (options.user !== undefined) wire.user = options.user;
  const ticket = await stub().terminalTicket(wire);
  const response = await stub().fetch(
    new Request("http://container/", {
      headers: {
        upgrade: "websocket",
        [TERMINAL_TICKET_HEADER]: ticket,
        [HEADERS.instanceName]: encodeURIComponent(who.instance),
      },
    }),
  );
  if (response.status !== 101 || !response.webSocket) {
    const body = await response.text().catch(() => "");
    throw new MoorageContainerError(
      "terminal-failed",
      `moorage terminal: container "${who.container}" (instance "${who.instance}") did not open a terminal (status ${response.status}: ${body.slice(0, 500)})`,
      who,
    );
  }
  return response;
}
