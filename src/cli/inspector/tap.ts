/**
 * Reading Moorage's structured records out of `wrangler dev`'s output.
 *
 * wrangler prints what the Worker and its Durable Objects log, one line per `console.log`, sometimes with a prefix
 * or colour codes of its own. A Moorage record is the JSON object on such a line whose `source` is `"moorage"`
 * (lifecycle events from `src/do/lifecycle-log.ts`, request/egress/bridge records from `src/records.ts`).
 * Boundary: bytes in, records out. Everything else on the line, and every other line, is left alone; a line that
 * is not valid JSON is not a record. Input is untrusted: field types are checked by the consumer.
 */

/** A parsed Moorage record: the common fields checked, the rest as printed. */
export interface TappedRecord {
  source: "moorage";
  event: string;
  container: string;
  instance: string;
  timestamp: number;
  [field: string]: unknown;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: colour codes are what this strips.
const ANSI = /\u001b\[[0-9;]*[A-Za-z]/g;
/** Longer lines are not records (a container's log can be huge; records are small). */
const MAX_RECORD_LINE = 64 * 1024;

/** The Moorage record on `line`, or undefined. */
export function parseRecordLine(line: string): TappedRecord | undefined {
  if (line.length > MAX_RECORD_LINE || !line.includes('"moorage"')) return undefined;
  const text = line.replace(ANSI, "");
  const start = text.indexOf("{");
  const end = text.lastIndexOf("}");
  if (start < 0 || end <= start) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text.slice(start, end + 1));
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  const record = value as Record<string, unknown>;
  if (record.source !== "moorage" || typeof record.event !== "string") return undefined;
  if (typeof record.container !== "string" || typeof record.instance !== "string") return undefined;
  const timestamp =
    typeof record.timestamp === "number" && Number.isFinite(record.timestamp) ? record.timestamp : Date.now();
  return { ...record, timestamp } as TappedRecord;
}

/** Splits a byte stream into lines (a line may arrive in pieces); `flush` hands over an unterminated last line. */
export class LineSplitter {
  #pending = "";
  readonly #onLine: (line: string) => void;

  constructor(onLine: (line: string) => void) {
    this.#onLine = onLine;
  }

  push(chunk: Buffer | string): void {
    const text = this.#pending + chunk.toString();
    const lines = text.split("\n");
    this.#pending = lines.pop() ?? "";
    // An endless line (a binary dump) must not grow without bound: it cannot be a record anyway.
    if (this.#pending.length > MAX_RECORD_LINE) this.#pending = "";
    for (const line of lines) this.#onLine(line.replace(/\r$/, ""));
  }

  flush(): void {
    if (this.#pending) this.#onLine(this.#pending);
    this.#pending = "";
  }
}
