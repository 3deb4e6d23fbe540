/**
 * The archiver container: pushes finished documents to cold storage with ARCHIVE_TOKEN.
 *
 * Why it exists: it declares a secret the example's `.dev.vars` leaves unset on purpose, so calling it shows
 * Moorage's fail-closed start (a message naming the variable and where to set it) instead of a container that
 * runs without its credential. Set ARCHIVE_TOKEN in `.dev.vars` and it works.
 */
import { BOOT_ID, json, serve } from "../lib/http.mjs";

serve(8080, (req, res) => {
  const url = new URL(req.url, "http://archiver");
  if (!process.env.ARCHIVE_TOKEN) return json(res, 500, { error: "ARCHIVE_TOKEN is not set" });
  return json(res, 200, { container: "archiver", bootId: BOOT_ID, archived: url.pathname.slice(1) || null });
});
