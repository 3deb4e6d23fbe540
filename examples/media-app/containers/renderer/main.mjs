/**
 * The renderer container: turns one document into a rendered page. One instance per document id (`get(docId)`).
 *
 * Why it exists: it exercises most of what a per-entity container needs, so the example's routes and the
 * real-container suite can observe them from outside: two ports (app 8080, admin 9090, both `requiredPorts`),
 * readiness (`/ready` only turns 200 after READY_DELAY_MS), build args baked into the image (`/build-info`),
 * env + secrets + Secrets Store values (`/env`, as fingerprints: never echo a secret), an application error that
 * must not be retried (`/boom`), a slow endpoint (`/slow`), a live-preview WebSocket (`/ws`), and a callback into
 * the app through the Moorage bridge (`/callback`). Boundary: plain `node:http`, no npm packages except the
 * `moorage` package copied into the image for `moorage/bridge`.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { BOOT_ID, envInt, json, log, readText, STARTED_AT, serve, sleep } from "../lib/http.mjs";
import { acceptWebSocket } from "../lib/ws.mjs";

const APP_PORT = 8080;
const ADMIN_PORT = 9090;
const READY_DELAY_MS = envInt("READY_DELAY_MS", 0);
const START_DELAY_MS = envInt("START_DELAY_MS", 0);
/** Written at build time by bake.mjs from the Dockerfile's ARGs; proves buildArgs reached `docker build`. */
const BUILD_INFO = JSON.parse(readFileSync(new URL("./build-info.json", import.meta.url), "utf8"));

/** Requests per path that reached the app (probes included), and when the first non-probe one arrived. */
const seen = { byPath: {}, firstAppRequestAt: null, appRequestsBeforeReady: 0 };
const readyAt = STARTED_AT + READY_DELAY_MS;
const isReady = () => Date.now() >= readyAt;

/** A short, stable fingerprint: lets a caller check a secret arrived without the container ever revealing it. */
const fingerprint = (value) =>
  value === undefined ? null : createHash("sha256").update(value).digest("hex").slice(0, 16);

function record(path) {
  seen.byPath[path] = (seen.byPath[path] ?? 0) + 1;
  // `/ready` is Moorage's readiness probe; `/` is the platform's own "is the port open" check during start-up.
  // Neither is application traffic.
  if (path === "/ready" || path === "/") return;
  seen.firstAppRequestAt ??= Date.now();
  if (!isReady()) seen.appRequestsBeforeReady += 1;
}

/**
 * Calls the app's server functions through the bridge, in the mode the caller asks for: `zero-config` (MOORAGE_URL,
 * identity from the platform), `token` / `bad-token` / `no-token` (APP_URL, the Worker's URL, with the right, a
 * wrong or no bearer token), or `zero-config-with-token` (a token where nothing would check it: refused at once).
 */
async function callback(mode, docId) {
  const { createContainerBridge } = await import("moorage/bridge");
  const token =
    mode === "token" || mode === "zero-config-with-token"
      ? process.env.MOORAGE_CONTAINER_TOKEN
      : mode === "bad-token"
        ? "not-the-token"
        : undefined;
  const options = mode.startsWith("zero-config")
    ? { token } // MOORAGE_URL is set by Moorage inside the container; identity comes from the platform
    : { baseUrl: process.env.APP_URL, token };
  let bridge;
  try {
    bridge = createContainerBridge(options);
  } catch (error) {
    return { refused: { code: error?.code, message: error?.message } };
  }
  const outcome = { bridgeMode: bridge.mode };
  for (const [kind, path, args] of [
    ["query", "jobs:whoami", {}],
    ["query", "jobs:listPending", { limit: 10 }],
    ["mutation", "jobs:markDone", { id: docId }],
    ["action", "jobs:transcode", { docId }],
  ]) {
    try {
      outcome[path] = { ok: true, result: await bridge[kind](path, args) };
    } catch (error) {
      outcome[path] = { ok: false, code: error?.code, status: error?.status, message: error?.message };
    }
  }
  return outcome;
}

const app = serve(
  APP_PORT,
  async (req, res) => {
    const url = new URL(req.url, "http://renderer");
    record(url.pathname);
    switch (url.pathname) {
      case "/ready":
        return json(res, isReady() ? 200 : 503, { ready: isReady(), readyAt });
      case "/info":
        return json(res, 200, { container: "renderer", port: APP_PORT, bootId: BOOT_ID, startedAt: STARTED_AT });
      case "/stats":
        return json(res, 200, { bootId: BOOT_ID, startedAt: STARTED_AT, readyAt, ...seen });
      case "/build-info":
        return json(res, 200, BUILD_INFO);
      case "/env":
        return json(res, 200, {
          RENDER_QUALITY: process.env.RENDER_QUALITY ?? null,
          RENDER_API_KEY: fingerprint(process.env.RENDER_API_KEY),
          SIGNING_KEY: fingerprint(process.env.SIGNING_KEY),
          MOORAGE_CONTAINER_TOKEN: fingerprint(process.env.MOORAGE_CONTAINER_TOKEN),
          MOORAGE_URL: process.env.MOORAGE_URL ?? null,
        });
      case "/render": {
        const text = req.method === "POST" ? await readText(req) : (url.searchParams.get("text") ?? "");
        const words = text.split(/\s+/).filter(Boolean);
        return json(res, 200, {
          bootId: BOOT_ID,
          words: words.length,
          html: `<article data-quality="${process.env.RENDER_QUALITY ?? "draft"}">${words.join(" ")}</article>`,
        });
      }
      case "/boom":
        // An application failure: Moorage must pass it through, never retry it.
        return json(res, 500, { error: "renderer exploded on purpose", bootId: BOOT_ID });
      case "/slow": {
        const ms = Math.min(Number(url.searchParams.get("ms") ?? 1000), 60_000);
        await sleep(ms);
        return json(res, 200, { bootId: BOOT_ID, sleptMs: ms });
      }
      case "/callback": {
        const body = JSON.parse((await readText(req)) || "{}");
        return json(res, 200, await callback(body.mode ?? "zero-config", body.docId ?? "doc-1"));
      }
      default:
        return json(res, 404, { error: `no route ${url.pathname}` });
    }
  },
  { delayMs: START_DELAY_MS },
);

app.on("upgrade", (req, socket) => {
  const url = new URL(req.url, "http://renderer");
  record(url.pathname);
  if (url.pathname !== "/ws") return socket.end("HTTP/1.1 404 Not Found\r\n\r\n");
  acceptWebSocket(req, socket, (text, send) => send(JSON.stringify({ preview: text.toUpperCase(), bootId: BOOT_ID })));
});

// The admin port: a second required port, reached with `.port(9090)`.
serve(
  ADMIN_PORT,
  (req, res) => {
    const url = new URL(req.url, "http://renderer-admin");
    if (url.pathname === "/admin/ready") return json(res, 200, { ready: true });
    return json(res, 200, { container: "renderer", port: ADMIN_PORT, bootId: BOOT_ID, path: url.pathname });
  },
  { delayMs: START_DELAY_MS },
);

log("renderer-start", { readyDelayMs: READY_DELAY_MS, startDelayMs: START_DELAY_MS, build: BUILD_INFO });
