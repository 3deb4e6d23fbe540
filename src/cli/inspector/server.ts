/**
 * The inspector's HTTP server: the page, its bundle, and the live snapshot stream, on 127.0.0.1 only.
 *
 * Routes: `/` the page, `/app.js` its bundle (built by `ui/build.mjs` into `dist/cli/inspector/ui/`), `/api/snapshot`
 * the current snapshot as JSON, `/api/stream` Server-Sent Events: one `snapshot` event on connect and another after
 * every change (at most one per `throttleMs`).
 * Security: it binds to loopback and answers only requests whose Host is the loopback address it listens on
 * (container logs can hold secrets; a page on another origin must not read them through DNS rebinding). The page
 * loads nothing from anywhere else (`Content-Security-Policy: default-src 'self'`).
 * Boundary: serving; the state and its sources live in `state.ts` and `engine-watch.ts`.
 */
import { existsSync, readFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { InspectorState } from "./state.js";

/** The port tried first when none is given; any free port when it is taken. */
export const DEFAULT_INSPECTOR_PORT = 8790;

/** Where the built page lives next to this module (`dist/cli/inspector/ui/`). */
export const DEFAULT_ASSETS_DIR = fileURLToPath(new URL("./ui/", import.meta.url));

export interface InspectorServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

export interface InspectorServerOptions {
  /** Port to listen on; `undefined` tries `DEFAULT_INSPECTOR_PORT`, then any free one. 0 is any free one. */
  port?: number;
  assetsDir?: string;
  throttleMs?: number;
}

const ASSETS: Record<string, { file: string; type: string }> = {
  "/": { file: "index.html", type: "text/html; charset=utf-8" },
  "/index.html": { file: "index.html", type: "text/html; charset=utf-8" },
  "/app.js": { file: "app.js", type: "text/javascript; charset=utf-8" },
};

const SECURITY_HEADERS = {
  "content-security-policy": "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "cache-control": "no-store",
};

export async function startInspectorServer(
  state: InspectorState,
  options: InspectorServerOptions = {},
): Promise<InspectorServer> {
  const assetsDir = options.assetsDir ?? DEFAULT_ASSETS_DIR;
  const throttleMs = options.throttleMs ?? 200;
  const streams = new Set<http.ServerResponse>();
  let pending: NodeJS.Timeout | undefined;
  let lastSent = 0;

  const send = () => {
    pending = undefined;
    lastSent = Date.now();
    const data = `event: snapshot\ndata: ${JSON.stringify(state.snapshot())}\n\n`;
    for (const res of streams) res.write(data);
  };
  const unsubscribe = state.onChange(() => {
    if (pending || streams.size === 0) return;
    pending = setTimeout(send, Math.max(0, throttleMs - (Date.now() - lastSent)));
  });

  let allowedHosts = new Set<string>();
  const server = http.createServer((req, res) => {
    if (!allowedHosts.has(req.headers.host ?? "")) {
      res.writeHead(421, { "content-type": "text/plain; charset=utf-8" });
      res.end("moorage inspector: open it at the address `moorage dev` printed\n");
      return;
    }
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD" });
      res.end();
      return;
    }
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    if (path === "/api/snapshot") {
      res.writeHead(200, { ...SECURITY_HEADERS, "content-type": "application/json; charset=utf-8" });
      res.end(JSON.stringify(state.snapshot()));
      return;
    }
    if (path === "/api/stream") {
      res.writeHead(200, {
        ...SECURITY_HEADERS,
        "content-type": "text/event-stream; charset=utf-8",
        connection: "keep-alive",
      });
      res.write(`retry: 1000\nevent: snapshot\ndata: ${JSON.stringify(state.snapshot())}\n\n`);
      streams.add(res);
      req.on("close", () => streams.delete(res));
      return;
    }
    const asset = ASSETS[path];
    if (!asset) {
      res.writeHead(404, { "content-type": "text/plain; charset=utf-8" });
      res.end("not found\n");
      return;
    }
    const file = join(assetsDir, asset.file);
    if (!existsSync(file)) {
      res.writeHead(500, { "content-type": "text/plain; charset=utf-8" });
      res.end(`moorage inspector: ${asset.file} is missing from ${assetsDir}; build the package (npm run build)\n`);
      return;
    }
    res.writeHead(200, { ...SECURITY_HEADERS, "content-type": asset.type });
    res.end(req.method === "HEAD" ? undefined : readFileSync(file));
  });
  // Keep-alive streams must not hold the dev process open at exit.
  server.unref();

  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      const onError = (error: Error) => reject(error);
      server.once("error", onError);
      server.listen(port, "127.0.0.1", () => {
        server.off("error", onError);
        resolve();
      });
    });
  try {
    await listen(options.port ?? DEFAULT_INSPECTOR_PORT);
  } catch (error) {
    if (options.port !== undefined || (error as NodeJS.ErrnoException).code !== "EADDRINUSE") throw error;
    await listen(0);
  }
  const { port } = server.address() as AddressInfo;
  allowedHosts = new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
  return {
    url: `http://127.0.0.1:${port}/`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        unsubscribe();
        if (pending) clearTimeout(pending);
        for (const res of streams) res.end();
        streams.clear();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
