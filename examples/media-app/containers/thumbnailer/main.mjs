/**
 * The thumbnailer container: stateless image resizing behind a fixed pool (`any()` / `pool()`).
 *
 * Why it exists: stateless work should spread over the pool and survive one bad instance. `/poison` lets a caller
 * (the example's ops route, the test suite) make this instance fail on purpose, either with a 503 or by dying
 * mid-request, so `pool({ attempts })` can be seen moving to another instance. Boundary: no real image codecs; the
 * "thumbnail" is a description of one.
 */
import { BOOT_ID, json, log, readText, serve } from "../lib/http.mjs";

/** "off" | "5xx" | "die": how `/thumb` misbehaves on this instance. */
let poison = "off";
let served = 0;

serve(8080, async (req, res) => {
  const url = new URL(req.url, "http://thumbnailer");
  switch (url.pathname) {
    case "/thumb": {
      if (poison === "5xx") return json(res, 503, { error: "thumbnailer is poisoned", bootId: BOOT_ID });
      if (poison === "die") {
        // Answer nothing: the process exits while the request is in flight.
        log("dying-mid-request");
        res.write("");
        process.exit(1);
      }
      served += 1;
      const width = Number(url.searchParams.get("w") ?? 128);
      return json(res, 200, { bootId: BOOT_ID, width, height: Math.round(width * 0.75), served });
    }
    case "/poison": {
      const body = JSON.parse((await readText(req)) || "{}");
      poison = ["5xx", "die"].includes(body.mode) ? body.mode : "off";
      log("poison", { poison });
      return json(res, 200, { bootId: BOOT_ID, poison });
    }
    case "/info":
      return json(res, 200, { container: "thumbnailer", bootId: BOOT_ID, poison, served });
    default:
      return json(res, 404, { error: `no route ${url.pathname}` });
  }
});
