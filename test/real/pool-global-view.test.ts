/**
 * Issue 11's global view against real workerd and Docker: two Workers routing to one pool follow the same
 * coordinator decision. The pool fixture (test/fixtures/pool-app, its `scaled` pool: target 1, min 1, max 3) runs
 * in one `wrangler dev` session with a second Worker, written here into the fixture's temp copy: it has no class of
 * its own, binds the `scaled` namespace with `script_name` (as a second Worker of a real app would) and is reached
 * through a service binding the copy's primary Worker gets (`/viewer/...`). Load goes mostly through the primary;
 * the second Worker sends one call at a time, so its own load asks for one instance, and its `poolView()` must hold
 * the coordinator's decision and route to it. Boundary: this file's temp copy of the fixture; its Worker is renamed
 * so this session's containers are told apart from those of test/real/pools.test.ts.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { applyEdits, modify, parse } from "jsonc-parser";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { preparePoolApp, removePoolApp } from "../fixtures/pool-app/prepare.js";
import { probeEngine, requireEngine, shouldSkip, startWranglerDev, type WranglerDev } from "./harness.js";

const skipped = await shouldSkip();
const APP = "moorage-global-view-app";
const VIEWER = "moorage-global-view-viewer";

let dev: WranglerDev | undefined;
let dir: string | undefined;

/** The second Worker: `scaled`'s pool through the generated client, and its isolate's view of that pool. */
const VIEWER_SOURCE = `import { containers } from "./moorage/_generated/containers";
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const scaled = containers(env).scaled;
    if (url.pathname === "/viewer/view") return Response.json(scaled.poolView());
    const path = url.pathname.replace(/^\\/viewer\\/pool/, "") + url.search;
    return scaled.pool().fetch(path);
  },
};
`;

beforeAll(async () => {
  if (skipped) return;
  await probeEngine();
  const engine = await requireEngine();
  dir = await preparePoolApp(engine.baseImage);
  const configPath = join(dir, "wrangler.jsonc");
  let config = readFileSync(configPath, "utf8");
  const edit = (path: (string | number)[], value: unknown) => {
    config = applyEdits(config, modify(config, path, value, { formattingOptions: { insertSpaces: true, tabSize: 2 } }));
  };
  edit(["name"], APP);
  edit(["services"], [{ binding: "VIEWER", service: VIEWER }]);
  writeFileSync(configPath, config);
  const bindings = (parse(config) as { durable_objects: { bindings: { name: string; class_name: string }[] } })
    .durable_objects.bindings;
  const scaled = bindings.find((b) => b.name === "CONTAINER_SCALED");
  if (!scaled) throw new Error("moorage sync wrote no CONTAINER_SCALED binding in the pool fixture");
  writeFileSync(
    join(dir, "viewer.jsonc"),
    JSON.stringify({
      name: VIEWER,
      main: "viewer.js",
      compatibility_date: "2026-11-01",
      compatibility_flags: ["enable_request_signal"],
      durable_objects: { bindings: [{ name: "CONTAINER_SCALED", class_name: scaled.class_name, script_name: APP }] },
    }),
  );
  writeFileSync(join(dir, "viewer.js"), VIEWER_SOURCE);
  // The primary hands /viewer/... to the second Worker.
  const workerPath = join(dir, "src", "worker.js");
  const source = readFileSync(workerPath, "utf8");
  const anchor = "    const url = new URL(request.url);\n";
  if (!source.includes(anchor)) throw new Error("the pool fixture's worker.js changed: update this test's patch");
  writeFileSync(
    workerPath,
    source.replace(anchor, `${anchor}    if (url.pathname.startsWith("/viewer/")) return env.VIEWER.fetch(request);\n`),
  );
  dev = await startWranglerDev({
    cwd: dir,
    config: "wrangler.jsonc",
    args: ["--config", "viewer.jsonc"],
    workerName: APP,
    readyTimeoutMs: 240_000,
  });
}, 300_000);

afterAll(async () => {
  try {
    await dev?.stop();
  } finally {
    if (dir) removePoolApp(dir);
  }
});

async function json<T>(path: string): Promise<T> {
  const res = await fetch(`${dev?.url}${path}`, { signal: AbortSignal.timeout(60_000) });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`${path} answered ${res.status}: ${text.slice(0, 300)}`);
  return JSON.parse(text) as T;
}

interface View {
  active: number;
  local: number;
  global?: { desired: number; running: number };
}

describe.skipIf(skipped)("two Workers on one pool", () => {
  test("the second Worker holds the coordinator's decision and routes to it, not to its own load's", async () => {
    let stop = false;
    // Most of the load through the primary (target 1: 5 calls of 400 ms in flight ask for 3 instances).
    const load = Array.from({ length: 5 }, async () => {
      while (!stop) {
        const res = await fetch(`${dev?.url}/scaled/pool/work?ms=400`, { signal: AbortSignal.timeout(60_000) });
        await res.arrayBuffer();
      }
    });
    // One call at a time through the second Worker: its own load asks for one instance.
    const answeredBy = new Set<string>();
    const trickle = (async () => {
      while (!stop) {
        const res = await fetch(`${dev?.url}/viewer/pool/work?ms=400`, { signal: AbortSignal.timeout(60_000) });
        await res.arrayBuffer();
        if (res.status === 200) answeredBy.add(res.headers.get("moorage-instance") ?? "");
      }
    })();
    let seen: { view: View; coordinator: number } | undefined;
    const deadline = Date.now() + 60_000;
    try {
      while (!seen && Date.now() < deadline) {
        const view = await json<View>("/viewer/view");
        const coordinator = (await json<{ desired: number }>("/scaled/state")).desired;
        if ((view.global?.desired ?? 0) >= 2 && view.global?.desired === coordinator) seen = { view, coordinator };
        else await new Promise((r) => setTimeout(r, 250));
      }
      // The instances a scale-up adds serve once their containers started: then the second Worker's calls, one at
      // a time, reach them too (its own load would keep it on instance 0).
      const until = Date.now() + 60_000;
      while (seen && answeredBy.size < 2 && Date.now() < until) await new Promise((r) => setTimeout(r, 250));
    } finally {
      stop = true;
      await Promise.all([...load, trickle]);
    }
    expect(seen, "the second Worker's view never held a decision above min equal to the coordinator's").toBeDefined();
    // Its own decision (one call in flight at a time, target 1) is below the global one it routes to.
    expect(seen?.view.local).toBeLessThan(seen?.view.active ?? 0);
    expect(seen?.view.active).toBe(seen?.coordinator);
    expect(answeredBy.size).toBeGreaterThanOrEqual(2);
  }, 180_000);
});
