/**
 * Terminals with real containers: Node's own WebSocket client through the Worker (`terminal()`) to a PTY in the
 * container (workerd's `exec` with `pty`, over Docker exec), in the documented framing: the size it starts with,
 * a resize the program then sees, keystrokes sent both as binary and as `input` messages, a command's output, and
 * the exit code frame followed by a normal close. Also: a command given as `cmd`, a directed error for a bad size,
 * and a caller's ticket header that never opens a shell.
 */
import { describe, expect, test } from "vitest";
import { beyondHttpSkipped, until, useBeyondHttpApp } from "../fixtures/beyond-http/app.js";

const app = useBeyondHttpApp();
/** Prints the PTY's size as the program in it sees it (the image has no `stty`). */
const SIZE = `node -e "console.log('size ' + process.stdout.columns + 'x' + process.stdout.rows)"\r`;

interface Session {
  ws: WebSocket;
  screen(): string;
  control: Array<Record<string, unknown>>;
  closed: Promise<number>;
}

async function open(query: string): Promise<Session> {
  const ws = new WebSocket(`${app.url.replace("http", "ws")}/term/${query}`);
  ws.binaryType = "arraybuffer";
  let screen = "";
  const control: Array<Record<string, unknown>> = [];
  const decoder = new TextDecoder();
  ws.addEventListener("message", (event) => {
    if (typeof event.data === "string") control.push(JSON.parse(event.data));
    else screen += decoder.decode(new Uint8Array(event.data as ArrayBuffer), { stream: true });
  });
  const closed = new Promise<number>((resolve) => ws.addEventListener("close", (e) => resolve(e.code)));
  await new Promise<void>((resolve, reject) => {
    ws.addEventListener("open", () => resolve());
    ws.addEventListener("error", () => reject(new Error(`the terminal WebSocket failed; screen so far: ${screen}`)));
  });
  return { ws, screen: () => screen, control, closed };
}

async function sees(session: Session, what: string, text: string): Promise<void> {
  await until(what, async () => session.screen().includes(text), 20_000).catch((e: Error) => {
    throw new Error(
      `${e.message}; screen: ${JSON.stringify(session.screen())}; control: ${JSON.stringify(session.control)}`,
    );
  });
}

describe.skipIf(beyondHttpSkipped)("terminal (real containers)", () => {
  test("size, resize, a command's output and the exit code over the documented framing", async () => {
    const t = await open("t1?cols=100&rows=30");
    // Typed before the shell may even exist: nothing is lost.
    t.ws.send(new TextEncoder().encode(SIZE));
    await sees(t, "the starting size", "size 100x30");

    t.ws.send(JSON.stringify({ type: "resize", cols: 120, rows: 40 }));
    t.ws.send(JSON.stringify({ type: "input", data: SIZE }));
    await sees(t, "the size after the resize", "size 120x40");

    t.ws.send(JSON.stringify({ type: "input", data: "echo done-$((6 * 7)); echo to-stderr >&2\r" }));
    await sees(t, "a command's output", "done-42");
    await sees(t, "stderr on the same screen", "to-stderr");

    t.ws.send(JSON.stringify({ type: "input", data: "exit 7\r" }));
    expect(await t.closed).toBe(1000);
    expect(t.control).toEqual([{ type: "exit", exitCode: 7 }]);
  });

  test("cmd runs instead of a shell, in the definition's environment; its exit code ends the session", async () => {
    const cmd = JSON.stringify(["/bin/sh", "-c", 'echo "term=$TERM greeting=$GREETING"; exit 3']);
    const t = await open(`t2?cmd=${encodeURIComponent(cmd)}`);
    expect(await t.closed).toBe(1000);
    expect(t.screen()).toContain("term=xterm-256color greeting=hello from the definition");
    expect(t.control).toEqual([{ type: "exit", exitCode: 3 }]);
  });

  test("a bad size is a directed error before any socket exists", async () => {
    const res = await app.fetch("/term/t3?cols=0&rows=24");
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({
      error: "invalid-option",
      message: 'moorage terminal: "cols" must be a whole number from 1 to 1000 (got 0)',
    });
  });

  test("a ticket header from a caller never reaches the object: the request goes to the app", async () => {
    const res = await app.fetch("/c/t4/ping", { headers: { "moorage-terminal-ticket": "0".repeat(32) } });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("pong");
  });
});
