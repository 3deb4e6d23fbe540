/**
 * The README's retry table ("Retries never replay what may have run") against the one catalog it documents,
 * `OBJECT_ERRORS` and `PLATFORM_MESSAGES` in src/protocol.ts: every object code and every platform message has
 * a row, that row says whether the request may have reached the app as the catalog does, and a re-send of a
 * non-idempotent request is promised only where the catalog allows it for any method. A catalog change that the
 * README does not follow fails here.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { OBJECT_ERRORS, type ObjectErrorCode, PLATFORM_MESSAGES } from "../../src/protocol.js";

interface Row {
  readonly signal: string;
  readonly reached: string;
  readonly idempotent: string;
  readonly other: string;
}

function retryTable(): Row[] {
  const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
  const start = readme.indexOf("**Retries never replay what may have run.**");
  expect(start, "README has the retry table's paragraph").toBeGreaterThan(-1);
  const lines = readme.slice(start).split("\n");
  const first = lines.findIndex((line) => line.startsWith("| what the attempt got |"));
  const rows: Row[] = [];
  for (const line of lines.slice(first + 2)) {
    if (!line.startsWith("|")) break;
    const [signal = "", reached = "", idempotent = "", other = ""] = line
      .slice(1, -1)
      .split(" | ")
      .map((cell) => cell.trim());
    rows.push({ signal, reached, idempotent, other });
  }
  return rows;
}

const rows = retryTable();
const reachedFor = (code: ObjectErrorCode) => (OBJECT_ERRORS[code].delivery === "not-delivered" ? "no" : "maybe");
const names = (row: Row, code: string) =>
  row.signal.includes("moorage-error") &&
  (row.signal.includes(`\`${code}\``) || row.signal.includes(`\`moorage-error: ${code}\``));

describe("README retry table", () => {
  it("has a row for every object code, saying what the catalog says about delivery and re-sends", () => {
    for (const code of Object.keys(OBJECT_ERRORS) as ObjectErrorCode[]) {
      const row = rows.find((r) => names(r, code));
      expect(row, `a row for moorage-error: ${code}`).toBeDefined();
      expect(row?.reached, code).toBe(reachedFor(code));
      const rule = OBJECT_ERRORS[code].retry;
      if (rule === "any") expect(row?.other.startsWith("retried"), `${code}: any method is re-sent`).toBe(true);
      else expect(row?.other.startsWith("retried"), `${code}: a POST is not re-sent`).toBe(false);
      if (rule === "never") expect(row?.idempotent, code).toMatch(/never retried/);
      else expect(row?.idempotent.startsWith("retried"), `${code}: an idempotent request is re-sent`).toBe(true);
    }
  });

  it("names every platform message in a thrown-signal row with the catalog's delivery", () => {
    for (const message of PLATFORM_MESSAGES) {
      const row = rows.find(
        (r) => r.signal.startsWith("a thrown") && r.signal.toLowerCase().includes(`"${message.text}"`),
      );
      expect(row, `a row naming "${message.text}"`).toBeDefined();
      expect(row?.reached, message.text).toBe(reachedFor(message.code));
      expect(row?.idempotent).toBe("retried");
      expect(row?.other.startsWith("retried"), message.text).toBe(OBJECT_ERRORS[message.code].retry === "any");
    }
  });
});
