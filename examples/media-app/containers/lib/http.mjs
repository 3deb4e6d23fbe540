/**
 * Shared plumbing for the example's container servers: JSON responses, body reading, a per-process boot id
 * and a `listen` that can be delayed on purpose.
 *
 * Why it exists: every container in the media app is a plain `node:http` server with no npm dependencies (the
 * images build from a bare Node base with no registry). Keeping the boring parts here keeps each container's
 * `main.mjs` about what that container does. Boundary: no app logic, no Moorage imports.
 */
import { randomUUID } from "node:crypto";
import { createServer } from "node:http";

/** Changes on every process start: a caller comparing boot ids sees whether it reached the same container run. */
export const BOOT_ID = randomUUID();
/** When this process started, in epoch ms. */
export const STARTED_AT = Date.now();

/** Writes `body` as JSON with `status`. */
export function json(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

/** Reads the request body as text, capped so a misbehaving caller cannot exhaust the container's memory. */
export async function readText(req, limit = 1_000_000) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > limit) throw new Error(`body over ${limit} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** Resolves after `ms` milliseconds. */
export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** One structured log line, so `docker logs` and wrangler's output stay greppable. */
export function log(event, fields = {}) {
  console.log(JSON.stringify({ at: new Date().toISOString(), event, boot: BOOT_ID, ...fields }));
}

/**
 * Starts an HTTP server on `port` after `delayMs` (a container that takes seconds to start listening is one of
 * the behaviours Moorage must wait for). Returns the server so callers can attach `upgrade` handlers.
 */
export function serve(port, handler, { delayMs = 0 } = {}) {
  const server = createServer((req, res) => {
    Promise.resolve(handler(req, res)).catch((error) => {
      log("handler-error", { port, url: req.url, message: String(error?.message ?? error) });
      if (!res.headersSent) json(res, 500, { error: String(error?.message ?? error) });
      else res.destroy();
    });
  });
  setTimeout(() => {
    server.listen(port, "0.0.0.0", () => log("listening", { port, afterMs: Date.now() - STARTED_AT }));
  }, delayMs);
  return server;
}

/** Reads a non-negative integer from the environment, with a fallback. */
export function envInt(name, fallback) {
  const n = Number.parseInt(process.env[name] ?? "", 10);
  return Number.isFinite(n) && n >= 0 ? n : fallback;
}

// Stop promptly on SIGTERM (the platform's stop signal) so stop() and sleepAfter are observable quickly.
process.on("SIGTERM", () => {
  log("sigterm");
  process.exit(0);
});
