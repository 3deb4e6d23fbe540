/**
 * The fetcher container: downloads source media for the app from partner hosts, behind an egress firewall
 * (`enableInternet: false` + `allowedHosts` / `deniedHosts`).
 *
 * Why it exists: it is the container whose outbound traffic the app constrains. `/fetch?url=` makes one outbound
 * request from inside the container and reports what the container saw (a status and body, or the network
 * error), so the firewall is observable from outside. Boundary: it never bypasses the platform's interception.
 */
import { BOOT_ID, json, serve } from "../lib/http.mjs";

serve(8080, async (req, res) => {
  const url = new URL(req.url, "http://fetcher");
  if (url.pathname === "/info") return json(res, 200, { container: "fetcher", bootId: BOOT_ID });
  if (url.pathname !== "/fetch") return json(res, 404, { error: `no route ${url.pathname}` });
  const target = url.searchParams.get("url");
  if (!target) return json(res, 400, { error: "pass ?url=http://host/path" });
  try {
    const answer = await fetch(target, { signal: AbortSignal.timeout(8_000) });
    const body = await answer.text();
    return json(res, 200, { bootId: BOOT_ID, reached: answer.ok, status: answer.status, body: body.slice(0, 500) });
  } catch (error) {
    const cause = error?.cause?.code ?? error?.cause?.message ?? error?.name;
    return json(res, 200, { bootId: BOOT_ID, reached: false, error: String(error?.message ?? error), cause });
  }
});
