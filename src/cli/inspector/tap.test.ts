import { describe, expect, it } from "vitest";
import { LineSplitter, parseRecordLine } from "./tap.js";

const record = { source: "moorage", event: "start", container: "renderer", instance: "doc-1", timestamp: 1000 };

describe("reading Moorage records from wrangler's output", () => {
  it("finds the record on a line with a prefix and colour codes", () => {
    const line = `\u001b[2m[wrangler:info]\u001b[22m ${JSON.stringify(record)}`;
    expect(parseRecordLine(line)).toMatchObject(record);
    expect(parseRecordLine(JSON.stringify(record))).toMatchObject(record);
  });

  it("ignores other JSON, prose, broken JSON and records missing their identity", () => {
    expect(parseRecordLine('{"source":"other","event":"start","container":"a","instance":"b"}')).toBeUndefined();
    expect(parseRecordLine("GET / 200 OK (3ms) moorage")).toBeUndefined();
    expect(parseRecordLine('{"source":"moorage","event":"start"')).toBeUndefined();
    expect(parseRecordLine('{"source":"moorage","event":"start","container":1,"instance":"b"}')).toBeUndefined();
    expect(parseRecordLine('["moorage"]')).toBeUndefined();
  });

  it("uses the time of arrival when the record's timestamp is not a number", () => {
    const parsed = parseRecordLine(JSON.stringify({ ...record, timestamp: "soon" }));
    expect(typeof parsed?.timestamp).toBe("number");
  });

  it("joins lines that arrive in pieces and drops an endless line", () => {
    const lines: string[] = [];
    const splitter = new LineSplitter((l) => lines.push(l));
    splitter.push("first li");
    splitter.push("ne\r\nsecond\n");
    splitter.push("x".repeat(70_000));
    splitter.push("tail\nlast");
    splitter.flush();
    expect(lines).toEqual(["first line", "second", "tail", "last"]);
  });
});
