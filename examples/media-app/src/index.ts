/**
 * The media app Worker: a document and media processor whose heavy lifting runs in containers.
 *
 * Routes (JSON unless noted; container responses pass through with Moorage's `moorage-attempts`,
 * `moorage-wait-ms` and `moorage-cold-start-ms` headers so callers see what cold starts cost):
 *   POST /docs/:id/render           render a document in its own renderer (`get(id)`)
 *   GET  /docs/:id/admin            the renderer's admin port (`get(id).port(9090)`)
 *   GET  /docs/:id/{info,env,build-info,stats,boom}   renderer diagnostics (see containers/renderer)
 *   GET  /docs/:id/slow?ms=&deadlineMs=   a slow render, abandoned after the app's own deadline
 *   GET  /docs/:id/preview          WebSocket live preview (upgrade passes through)
 *   GET  /docs/:id/terminal?cols=&rows=   WebSocket: a shell in the renderer (`get(id).terminal()`)
 *   POST /docs/:id/exec             run one command in the renderer ({ cmd }) (`get(id).execOutput()`)
 *   GET  /terminal?id=              the terminal page (public/terminal.html: xterm.js, served from the app's assets)
 *   POST /docs/:id/callback         the renderer calls back into the app through the bridge ({ mode })
 *   GET  /thumbs?w=                 a thumbnail from any pool instance (`any()`)
 *   GET  /thumbs/pool?w=&attempts=  the same with failover (`pool({ attempts })`)
 *   POST /thumbs/exec               run one command on the pool instance pool() chooses ({ cmd }); says which
 *   POST /thumbs/:index/poison      make pool instance `index` fail ({ mode: "5xx" | "die" | "off" })
 *   GET  /thumbs/:member/info       boot id of pool instance `member` (a number) or of the entity `member` (get)
 *   GET  /thumbs/:member/thumb?w=   a thumbnail from that one instance (poisoned with "die", it crashes: exit 1)
 *   GET  /fetch/:id?url=            the firewalled fetcher downloads a URL
 *   POST /fetch/:id/allow           open one more host for that fetcher instance ({ host }) (`egress.allow`)
 *   POST /transcode/:id             a transcoding job; GET /transcode/:id/work?ms= keeps it busy
 *   GET  /archive/:id               the archiver (needs ARCHIVE_TOKEN: shows the fail-closed start)
 *   GET  /journal/:id/entries       a journal entity's entries, kept in its persisted /data (POST: add one, text body)
 *   POST /journal/:id/stop          stop it (/data is snapshotted first), answered once it exited; the next call restores /data
 *   GET  /journal?id=               the journal page (public/journal.html): write, stop, see the entries come back
 *   GET  /state/:container/:id      `getState()`
 *   POST /lifecycle/:container/:id/:op   op = start ({ envVars? }) | stop | destroy | renew
 *   POST /_moorage/rpc              the app's server functions (moorage/jobs.ts)
 */
import { type Containers, containers } from "../moorage/_generated/containers";
import type { Env } from "./env";
import { installOutboundHandlers } from "./outbound";
import { rpc } from "./rpc";

export * from "../moorage/_generated/containers";

type Name = keyof Containers;
const NAMES: readonly Name[] = ["renderer", "thumbnailer", "fetcher", "transcoder", "archiver", "journal"];

const json = (body: unknown, status = 200) => Response.json(body, { status });

function isName(value: string | undefined): value is Name {
  return NAMES.includes(value as Name);
}

async function bodyJson(request: Request): Promise<Record<string, unknown>> {
  const text = await request.text();
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}

/** An exec's result as JSON; a failed one as `{ error, message }` (an ExecError says why in `execCode`). */
async function execJson(run: () => Promise<unknown>): Promise<Response> {
  try {
    return json(await run());
  } catch (error) {
    const e = error as { execCode?: string; code?: string; message?: string };
    return json({ error: e.execCode ?? e.code ?? "exec-failed", message: String(e.message) }, 400);
  }
}

async function docs(request: Request, env: Env, id: string, action: string, url: URL): Promise<Response> {
  const doc = containers(env).renderer.get(id);
  switch (action) {
    case "render":
      return doc.fetch("/render", { method: "POST", body: await request.text() });
    case "admin":
      return doc.port(9090).fetch("/admin");
    case "preview":
      // Hand the upgrade request itself to the container (a Request is sent once, never retried).
      return doc.fetch(new Request(new URL("/ws", "http://container"), request));
    case "callback":
      return doc.fetch("/callback", { method: "POST", body: await request.text() });
    case "terminal": {
      if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
        return json({ error: "open this with a WebSocket (the page at /terminal does)" }, 426);
      }
      const size = (name: string) => (url.searchParams.has(name) ? Number(url.searchParams.get(name)) : undefined);
      return doc.terminal({ cols: size("cols"), rows: size("rows") });
    }
    case "exec": {
      const { cmd } = await bodyJson(request);
      return execJson(() => doc.execOutput(String(cmd ?? ""), { timeoutMs: 30_000 }));
    }
    case "slow": {
      // A deadline of the app's own (?deadlineMs=) or the caller going away aborts the container call; either way
      // the container must not stay awake for a request nobody waits for.
      const deadline = Number(url.searchParams.get("deadlineMs") ?? 0);
      const signal = deadline > 0 ? AbortSignal.any([request.signal, AbortSignal.timeout(deadline)]) : request.signal;
      try {
        return await doc.fetch(`/slow?ms=${url.searchParams.get("ms") ?? 1000}`, { signal });
      } catch (error) {
        if (signal.aborted)
          return json({ error: "the render took longer than the deadline", deadlineMs: deadline }, 504);
        throw error;
      }
    }
    case "info":
    case "env":
    case "build-info":
    case "stats":
    case "boom":
      return doc.fetch(`/${action}`);
    default:
      return json({ error: `unknown document action "${action}"` }, 404);
  }
}

/**
 * A journal entity: its entries live in /data, which its declaration persists, so they outlive every container
 * run. The answer carries the instance's state, whose `snapshots.persisted` says what the last stop snapshotted.
 */
async function journal(request: Request, env: Env, id: string, action: string): Promise<Response> {
  const entity = containers(env).journal.get(id);
  if (action === "stop") {
    // stop() returns once SIGTERM is sent (after the snapshot); answer when the container has exited, within 15 s.
    await entity.stop();
    let state = await entity.getState();
    for (let i = 0; i < 150 && !state.status.startsWith("stopped"); i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      state = await entity.getState();
    }
    return json({ id, state, snapshots: await entity.snapshots() });
  }
  if (action !== "entries") return json({ error: `unknown journal action "${action}"` }, 404);
  const response =
    request.method === "POST"
      ? await entity.fetch("/entries", { method: "POST", body: await request.text() })
      : await entity.fetch("/entries");
  if (!response.ok) return response;
  const entries = (await response.json()) as Record<string, unknown>;
  return json({ id, ...entries, snapshots: await entity.snapshots() });
}

async function lifecycle(request: Request, env: Env, name: Name, id: string, op: string): Promise<Response> {
  const handle = containers(env)[name].get(id);
  switch (op) {
    case "start": {
      const body = await bodyJson(request);
      await handle.start(body.envVars ? { envVars: body.envVars as Record<string, string> } : undefined);
      break;
    }
    case "stop":
      await handle.stop();
      break;
    case "destroy":
      await handle.destroy();
      break;
    case "renew":
      await handle.renewActivityTimeout();
      break;
    default:
      return json({ error: `unknown lifecycle op "${op}"` }, 404);
  }
  return json({ container: name, id, op, state: await handle.getState() });
}

async function route(request: Request, env: Env): Promise<Response> {
  const url = new URL(request.url);
  const [first, second, third, fourth] = url.pathname.split("/").filter(Boolean).map(decodeURIComponent);
  const c = containers(env);
  switch (first) {
    case undefined:
      return json({
        app: "media-app",
        try: ["POST /docs/doc-1/render", "GET /thumbs?w=256", "GET /state/renderer/doc-1"],
      });
    case "docs":
      if (!second || !third) break;
      return docs(request, env, second, third, url);
    case "thumbs": {
      const w = url.searchParams.get("w") ?? "128";
      if (!second) return c.thumbnailer.any().fetch(`/thumb?w=${w}`);
      if (second === "pool") {
        const attempts = Number(url.searchParams.get("attempts") ?? 3);
        return c.thumbnailer.pool({ attempts }).fetch(`/thumb?w=${w}`);
      }
      if (second === "exec") {
        // Runs where pool() sends it; the answer's `instance` says which member that was.
        const { cmd } = await bodyJson(request);
        return execJson(() => c.thumbnailer.pool().execOutput(String(cmd ?? ""), { timeoutMs: 30_000 }));
      }
      // `/thumbs/2/...` is pool member 2 (get() cannot name pool members: they live in Moorage's own namespace);
      // any other segment is an entity id of its own, reached with get().
      const member = /^\d+$/.test(second) ? c.thumbnailer.poolInstance(Number(second)) : c.thumbnailer.get(second);
      if (third === "poison") return member.fetch("/poison", { method: "POST", body: await request.text() });
      if (third === "info") return member.fetch("/info");
      if (third === "thumb") return member.fetch(`/thumb?w=${w}`);
      break;
    }
    case "fetch":
      if (!second) break;
      if (third === "allow") {
        const { host } = await bodyJson(request);
        await c.fetcher.get(second).egress.allow(String(host));
        return json({ id: second, allowed: host });
      }
      return c.fetcher.get(second).fetch(`/fetch?url=${encodeURIComponent(url.searchParams.get("url") ?? "")}`);
    case "transcode":
      if (!second) break;
      if (third === "work") return c.transcoder.get(second).fetch(`/work${url.search}`, { signal: request.signal });
      if (third === "info") return c.transcoder.get(second).fetch("/info");
      return c.transcoder.get(second).fetch("/transcode", { method: "POST", body: JSON.stringify({ docId: second }) });
    case "archive":
      return c.archiver.get(second ?? "latest").fetch(`/${second ?? ""}`);
    case "journal":
      if (!second || !third) break;
      return journal(request, env, second, third);
    case "state":
      if (!isName(second) || !third) break;
      return json({ container: second, id: third, state: await c[second].get(third).getState() });
    case "lifecycle":
      if (!isName(second) || !third || !fourth) break;
      return lifecycle(request, env, second, third, fourth);
  }
  return json({ error: `no route for ${request.method} ${url.pathname}` }, 404);
}

const app = {
  async fetch(request: Request, env: Env): Promise<Response> {
    const answered = await rpc(request, env);
    if (answered) return answered;
    try {
      return await route(request, env);
    } catch (error) {
      // Moorage's errors carry directed messages (missing secret, missing binding, readiness budget): show them.
      const message = error instanceof Error ? error.message : String(error);
      console.error(JSON.stringify({ app: "media-app", event: "route-error", url: request.url, message }));
      return json({ error: message }, 500);
    }
  },
} satisfies ExportedHandler<Env>;

installOutboundHandlers(app.fetch);

export default app;
