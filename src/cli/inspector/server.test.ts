import { mkdtempSync, writeFileSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type InspectorServer, startInspectorServer } from "./server.js";
import { InspectorState } from "./state.js";

const servers: InspectorServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

function assets(): string {
  const dir = mkdtempSync(join(tmpdir(), "moorage-inspector-assets-"));
  writeFileSync(join(dir, "index.html"), "<!doctype html><title>Moorage inspector</title>");
  writeFileSync(join(dir, "app.js"), "console.log('page')");
  return dir;
}

async function start(state: InspectorState, assetsDir = assets()) {
  const server = await startInspectorServer(state, { port: 0, assetsDir, throttleMs: 10 });
  servers.push(server);
  return server;
}

/** A raw GET with a chosen Host header (fetch would not let a test send another one). */
function get(
  port: number,
  path: string,
  host = `127.0.0.1:${port}`,
): Promise<{ status: number; body: string; type: string }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: "127.0.0.1", port, path, headers: { host } }, (res) => {
        let body = "";
        res.on("data", (c) => (body += c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body, type: String(res.headers["content-type"]) }));
      })
      .on("error", reject);
  });
}

describe("the inspector server", () => {
  it("serves the page, its bundle and the snapshot on 127.0.0.1", async () => {
    const state = new InspectorState({
      worker: "media-app",
      containers: [{ name: "renderer", className: "RendererContainer" }],
    });
    const server = await start(state);
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/`);
    const page = await get(server.port, "/");
    expect(page).toMatchObject({ status: 200, type: "text/html; charset=utf-8" });
    expect(page.body).toContain("Moorage inspector");
    expect((await get(server.port, "/app.js")).type).toBe("text/javascript; charset=utf-8");
    const snapshot = JSON.parse((await get(server.port, "/api/snapshot")).body);
    expect(snapshot).toMatchObject({ worker: "media-app", containers: [{ name: "renderer", instances: [] }] });
    expect((await get(server.port, "/nope")).status).toBe(404);
  });

  it("refuses requests for any other host name (no DNS rebinding onto container logs)", async () => {
    const server = await start(new InspectorState());
    const res = await get(server.port, "/api/snapshot", "attacker.example:80");
    expect(res.status).toBe(421);
    expect(res.body).not.toContain("containers");
    expect((await get(server.port, "/", `localhost:${server.port}`)).status).toBe(200);
  });

  it("says how to build the page when its files are missing", async () => {
    const server = await start(new InspectorState(), mkdtempSync(join(tmpdir(), "moorage-inspector-empty-")));
    const res = await get(server.port, "/");
    expect(res.status).toBe(500);
    expect(res.body).toMatch(/index\.html is missing .*npm run build/);
  });

  it("streams a snapshot on connect and another after a change", async () => {
    const state = new InspectorState();
    const server = await start(state);
    const response = await fetch(`${server.url}api/stream`);
    expect(response.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let text = "";
    const snapshots = () => text.split("event: snapshot\n").length - 1;
    while (snapshots() < 1) text += decoder.decode((await reader.read()).value);
    state.apply({
      source: "moorage",
      event: "start",
      container: "renderer",
      instance: "doc-1",
      timestamp: 5,
      generation: 1,
    });
    while (snapshots() < 2) text += decoder.decode((await reader.read()).value);
    const last = JSON.parse(
      text
        .trim()
        .split("\n")
        .at(-1)
        ?.replace(/^data: /, "") ?? "{}",
    );
    expect(last.events).toMatchObject([{ event: "start", container: "renderer", instance: "doc-1" }]);
    await reader.cancel();
  });
});
