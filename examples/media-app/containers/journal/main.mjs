/**
 * The journal container: one notebook per entity id, kept as a text file in /data.
 *
 * Why it exists: its declaration persists /data (`persist: ["/data"]` under the `durable_object` policy), so the
 * entries written here come back after the container stops or sleeps and a new one starts: each response says
 * which process answered (`bootId`) so a caller sees the file outlive the container that wrote it.
 * Boundary: reads and appends one file; no Moorage imports.
 */
import { appendFileSync, mkdirSync, readFileSync } from "node:fs";
import { BOOT_ID, json, readText, STARTED_AT, serve } from "../lib/http.mjs";

const DIR = "/data";
const FILE = `${DIR}/journal.txt`;
/** One entry at most this long, and at most this many kept on disk, so a caller cannot fill the disk. */
const MAX_ENTRY = 500;
const MAX_ENTRIES = 200;

function entries() {
  try {
    return readFileSync(FILE, "utf8").split("\n").filter(Boolean);
  } catch (error) {
    if (error?.code === "ENOENT") return [];
    throw error;
  }
}

serve(8080, async (req, res) => {
  const url = new URL(req.url, "http://journal");
  if (url.pathname !== "/entries") return json(res, 404, { error: `no route ${url.pathname}` });
  if (req.method === "POST") {
    const text = (await readText(req, 10_000)).replace(/[\r\n]+/g, " ").trim();
    if (!text) return json(res, 400, { error: "an entry needs some text" });
    if (text.length > MAX_ENTRY) return json(res, 413, { error: `an entry is at most ${MAX_ENTRY} characters` });
    if (entries().length >= MAX_ENTRIES) return json(res, 409, { error: `the journal is full (${MAX_ENTRIES})` });
    mkdirSync(DIR, { recursive: true });
    appendFileSync(FILE, `${new Date().toISOString()} ${text}\n`);
  }
  return json(res, 200, { file: FILE, entries: entries(), bootId: BOOT_ID, startedAt: STARTED_AT });
});
