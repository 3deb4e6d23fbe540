/**
 * The transcoder container: a job runner that takes a while to boot (it "loads codecs" for START_DELAY_MS before
 * it listens) and whose lifetime is capped by `hardTimeout`.
 *
 * Why it exists: cold starts that take seconds must be waited for, a busy container must still stop when its
 * hard timeout elapses, and an action (`jobs:transcode`) drives it through `ctx.containers`. Boundary: no real
 * codecs; `/work` is busy waiting on a timer.
 */
import { BOOT_ID, envInt, json, readText, STARTED_AT, serve, sleep } from "../lib/http.mjs";

serve(
  8080,
  async (req, res) => {
    const url = new URL(req.url, "http://transcoder");
    switch (url.pathname) {
      case "/transcode": {
        const body = JSON.parse((await readText(req)) || "{}");
        return json(res, 200, { bootId: BOOT_ID, startedAt: STARTED_AT, docId: body.docId ?? null, format: "webm" });
      }
      case "/work": {
        const ms = Math.min(Number(url.searchParams.get("ms") ?? 1000), 120_000);
        await sleep(ms);
        return json(res, 200, { bootId: BOOT_ID, workedMs: ms });
      }
      case "/info":
        return json(res, 200, { container: "transcoder", bootId: BOOT_ID, startedAt: STARTED_AT });
      default:
        return json(res, 404, { error: `no route ${url.pathname}` });
    }
  },
  { delayMs: envInt("START_DELAY_MS", 0) },
);
