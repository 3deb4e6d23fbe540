/**
 * `terminal()` on the client: a ticket over RPC, then the upgrade carrying it; options checked before anything is
 * sent; a refused upgrade is a `terminal-failed` error naming the instance. (The PTY itself: test/real/terminal.test.ts.)
 */
import { describe, expect, it } from "vitest";
import { isMoorageError } from "../errors.js";
import type { ContainerStub } from "./stub.js";
import { terminalOn } from "./terminal.js";

function stub(answer: () => Response) {
  const calls: Array<{ method: string; arg: unknown }> = [];
  const s = {
    async terminalTicket(options: unknown) {
      calls.push({ method: "terminalTicket", arg: options });
      return "ab".repeat(16);
    },
    async fetch(request: Request) {
      calls.push({ method: "fetch", arg: request });
      return answer();
    },
  } as unknown as ContainerStub;
  return { stub: () => s, calls };
}

const who = { container: "sandbox", instance: "user 1" };
/** Node's Response cannot have status 101; the object's answer is shaped like workerd's. */
const upgraded = { status: 101, webSocket: {} } as unknown as Response;

describe("terminalOn", () => {
  it("asks for a ticket, then opens the upgrade with it, and resolves with the 101 response", async () => {
    const { stub: s, calls } = stub(() => upgraded);
    const response = await terminalOn(s, who, { cols: 100, rows: 30, cmd: "htop", env: { A: "1" } });
    expect(response).toBe(upgraded);
    expect(calls[0]).toEqual({
      method: "terminalTicket",
      arg: { cols: 100, rows: 30, cmd: ["/bin/sh", "-c", "htop"], env: { A: "1" } },
    });
    const request = calls[1]?.arg as Request;
    expect(request.headers.get("upgrade")).toBe("websocket");
    expect(request.headers.get("moorage-terminal-ticket")).toBe("ab".repeat(16));
    expect(request.headers.get("moorage-instance")).toBe("user%201");
  });

  it("a bad size or command is invalid-option, and nothing is sent", async () => {
    const { stub: s, calls } = stub(() => upgraded);
    for (const options of [{ cols: 0 }, { rows: 2000 }, { cols: Number.NaN }, { cmd: [] as string[] }, { cmd: " " }]) {
      const error = await terminalOn(s, who, options).catch((e: unknown) => e);
      expect(isMoorageError(error, "invalid-option"), String(error)).toBe(true);
    }
    expect(calls).toEqual([]);
  });

  it("an upgrade the object refuses is terminal-failed, naming the instance and the status", async () => {
    const { stub: s } = stub(() => Response.json({ error: "bad-request", message: "unknown ticket" }, { status: 400 }));
    const error = await terminalOn(s, who).catch((e: unknown) => e);
    expect(isMoorageError(error, "terminal-failed")).toBe(true);
    expect((error as Error).message).toMatch(
      /container "sandbox" \(instance "user 1"\) did not open a terminal \(status 400/,
    );
  });
});
