/**
 * The object's side of `terminal()` without containers: option checks (directed errors), one-time tickets, and
 * the decoding of what a browser sends. The PTY bridge itself runs against real containers in
 * test/real/terminal.test.ts (it needs workerd's `WebSocketPair` and a real PTY).
 */
import { describe, expect, it } from "vitest";
import { isMoorageError } from "../errors.js";
import { checkTerminalOptions, decodeClientMessage, TerminalTickets } from "./terminal.js";

describe("checkTerminalOptions", () => {
  it("fills in 80 x 24 and /bin/sh", () => {
    expect(checkTerminalOptions({})).toEqual({ cols: 80, rows: 24, cmd: ["/bin/sh"] });
    expect(checkTerminalOptions(undefined)).toEqual({ cols: 80, rows: 24, cmd: ["/bin/sh"] });
  });

  it("keeps what the caller chose", () => {
    expect(
      checkTerminalOptions({ cols: 120, rows: 40, cmd: ["bash", "-l"], cwd: "/work", env: { A: "1" }, user: "1000" }),
    ).toEqual({ cols: 120, rows: 40, cmd: ["bash", "-l"], cwd: "/work", env: { A: "1" }, user: "1000" });
  });

  it.each([
    [{ cols: 0 }, '"cols" must be a whole number from 1 to 1000 (got 0)'],
    [{ rows: 1.5 }, '"rows" must be a whole number from 1 to 1000 (got 1.5)'],
    [{ cols: "80" }, '"cols" must be a whole number from 1 to 1000 (got "80")'],
    [{ rows: 1001 }, '"rows" must be a whole number from 1 to 1000 (got 1001)'],
    [{ cmd: [] }, "the command must be a non-empty array of strings"],
    [{ cwd: "relative" }, '"cwd" must be an absolute path'],
    [{ env: { "BAD-NAME": "x" } }, '"env.BAD-NAME" must be a valid variable name'],
  ])("refuses %j with a directed invalid-option error", (options, message) => {
    let thrown: unknown;
    try {
      checkTerminalOptions(options);
    } catch (error) {
      thrown = error;
    }
    expect(isMoorageError(thrown, "invalid-option")).toBe(true);
    expect((thrown as Error).message).toContain(message);
  });
});

describe("TerminalTickets", () => {
  const options = { cols: 80, rows: 24 };

  it("a ticket opens once, and only before it expires", () => {
    const tickets = new TerminalTickets();
    const a = tickets.issue(options, 1_000);
    expect(a).toMatch(/^[0-9a-f]{32}$/);
    expect(tickets.take(a, 2_000)).toEqual(options);
    expect(tickets.take(a, 2_000)).toBeUndefined();
    const b = tickets.issue(options, 1_000);
    expect(tickets.take(b, 31_000)).toBeUndefined();
    expect(tickets.take("0".repeat(32), 1_000)).toBeUndefined();
  });

  it("at most 32 outstanding; expired ones make room again", () => {
    const tickets = new TerminalTickets();
    for (let i = 0; i < 32; i++) tickets.issue(options, 0);
    expect(() => tickets.issue(options, 0)).toThrow(/32 terminals are already being opened on this instance/);
    expect(tickets.issue(options, 30_001)).toMatch(/^[0-9a-f]{32}$/);
  });
});

describe("decodeClientMessage", () => {
  const bytes = (s: string) => new TextEncoder().encode(s);

  it("binary messages and input messages are keystrokes", () => {
    expect(decodeClientMessage(bytes("ls\r").buffer)).toEqual({ input: bytes("ls\r") });
    expect(decodeClientMessage(bytes("ls\r"))).toEqual({ input: bytes("ls\r") });
    expect(decodeClientMessage(JSON.stringify({ type: "input", data: "ls\r" }))).toEqual({ input: bytes("ls\r") });
  });

  it("resize messages carry a valid size", () => {
    expect(decodeClientMessage('{"type":"resize","cols":120,"rows":40}')).toEqual({ resize: { cols: 120, rows: 40 } });
    expect(decodeClientMessage('{"type":"resize","cols":0,"rows":40}')).toBeUndefined();
  });

  it("anything else is ignored, never thrown", () => {
    for (const junk of ["not json", "null", '{"type":"input","data":5}', '{"type":"exit"}', 42, null]) {
      expect(decodeClientMessage(junk)).toBeUndefined();
    }
  });
});
