/**
 * End-to-end proof of the local engine: current wrangler + workerd run REAL containers on the local
 * Docker engine through Moorage's sidecar (or the official one when present), offline.
 *
 * Why: everything above (Moorage's Durable Objects, the integration suite) assumes this works. This
 * file uses the raw `@cloudflare/containers` Container (test/fixtures/engine-smoke) so a failure here
 * points at the engine, not at Moorage's layers. It also prints the engine's figures (cold start,
 * container hop and sidecar tunnel latency).
 * Boundary: skips loudly without Docker (fails under CI=true); removes every container it started.
 */
import { execFile } from "node:child_process";
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type EngineInfo,
  LOCAL_ENGINE,
  listContainers,
  percentiles,
  probeEngine,
  REPO_ROOT,
  requireEngine,
  shouldSkip,
  startWranglerDev,
  timed,
  type WranglerDev,
} from "./harness.js";

const FIXTURE = `${REPO_ROOT}/test/fixtures/engine-smoke`;
const SAMPLES = 200;

await probeEngine();

describe.skipIf(await shouldSkip())("local engine (real containers)", () => {
  let engine: EngineInfo;
  let dev: WranglerDev;
  const figures: Record<string, unknown> = {};

  const get = async (path: string) => {
    const res = await fetch(`${dev.url}${path}`, { signal: AbortSignal.timeout(60_000) });
    const text = await res.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.status, text, json: json as Record<string, unknown> };
  };

  beforeAll(async () => {
    engine = await requireEngine();
    figures.engine = `${engine.engineVersion} via ${engine.dockerHost}, buildx=${engine.buildx}`;
    figures.sidecar = `${engine.sidecar}: ${engine.reason}`;
    figures.resolveSeconds = engine.resolveSeconds.toFixed(2);
    const started = await timed(() => startWranglerDev({ cwd: FIXTURE }));
    dev = started.value;
    figures.wranglerReadySeconds = (started.ms / 1000).toFixed(1);
  });

  afterAll(async () => {
    await dev?.stop();
    process.stderr.write(`\n[engine figures] ${JSON.stringify(figures, null, 2)}\n`);
  });

  it("cold-starts a container on the first request for an id", async () => {
    const { ms, value } = await timed(() => get("/c/alpha/whoami"));
    expect(value.status, value.text).toBe(200);
    expect(value.json.instance).toMatch(/^[0-9a-f-]{36}$/);
    figures.coldStartMs = Math.round(ms);
  });

  it("routes two ids to two containers and one id to the same container", async () => {
    const a1 = await get("/c/alpha/whoami");
    const b1 = await get("/c/beta/whoami");
    const a2 = await get("/c/alpha/whoami");
    const b2 = await get("/c/beta/whoami");
    expect([a1.status, b1.status, a2.status, b2.status]).toEqual([200, 200, 200, 200]);
    expect(a1.json.instance).toBe(a2.json.instance);
    expect(b1.json.instance).toBe(b2.json.instance);
    expect(a1.json.instance).not.toBe(b1.json.instance);

    // Real containers: one app container and one sidecar per id, sidecars from the chosen image.
    const mine = await dev.containers();
    const running = mine.filter((c) => c.state === "running");
    const sidecars = running.filter((c) => c.name.endsWith("-proxy"));
    const apps = running.filter((c) => !c.name.endsWith("-proxy"));
    expect(apps.length, JSON.stringify(mine)).toBe(2);
    expect(sidecars.length).toBe(2);
    for (const s of sidecars) expect(s.image).toBe(engine.images.sidecar);
  });

  it("intercepts the container's outbound HTTP and answers it from the Worker's outbound handler (internet off)", async () => {
    const allowed = await get("/c/alpha/egress");
    expect(allowed.status).toBe(200);
    expect(allowed.json).toMatchObject({ ok: true, status: 200, body: "handled by the Worker: GET /x" });

    // HTTPS: the sidecar terminates TLS with a certificate from its CA, which workerd put in the container.
    const secure = await get(`/c/alpha/egress?url=${encodeURIComponent("https://allowed.test/y")}`);
    expect(secure.json).toMatchObject({ ok: true, status: 200, body: "handled by the Worker: GET /y" });

    // Internet is disabled and blocked.test has no handler: the name does not even resolve.
    const blocked = await get(`/c/alpha/egress?url=${encodeURIComponent("http://blocked.test/")}`);
    expect(blocked.json.ok).toBe(false);
  });

  it("measures the container hop and the sidecar tunnel", async () => {
    const plain: number[] = [];
    const hop: number[] = [];
    for (let i = 0; i < SAMPLES; i++) {
      plain.push((await timed(() => get("/plain"))).ms);
      hop.push((await timed(() => get("/c/alpha/ping"))).ms);
    }
    figures.plainWorker = percentiles(plain);
    figures.workerToContainer = percentiles(hop);

    // The sidecar's ingress, used the way workerd uses it: CONNECT per request to the app port.
    const sidecar = (await dev.containers()).find((c) => c.name.endsWith("-proxy") && c.state === "running");
    expect(sidecar).toBeDefined();
    const published = await hostPortOf(sidecar?.id ?? "", LOCAL_ENGINE.sidecarIngressPort);
    const tunnel: number[] = [];
    for (let i = 0; i < SAMPLES; i++) tunnel.push((await timed(() => tunnelPing(published))).ms);
    figures.sidecarTunnel = percentiles(tunnel);
    // Baseline: the same request straight to the namespace's bridge address (no sidecar in the path).
    const ip = (await docker(["inspect", "-f", "{{.NetworkSettings.IPAddress}}", sidecar?.id ?? ""])).trim();
    const direct: number[] = [];
    for (let i = 0; i < SAMPLES; i++) direct.push((await timed(() => rawPing(ip, 8080, false))).ms);
    figures.directToApp = percentiles(direct);
    figures.sidecarIngressOverheadP50Ms = +(percentiles(tunnel).p50 - percentiles(direct).p50).toFixed(2);
    expect(percentiles(tunnel).p50).toBeLessThan(50);
  });

  it("cold-starts a third id while the others keep running", async () => {
    const { ms, value } = await timed(() => get("/c/gamma/whoami"));
    expect(value.status, value.text).toBe(200);
    figures.thirdIdColdStartMs = Math.round(ms);
  });

  it("removes every container it started when wrangler stops", async () => {
    const ids = (await dev.containers()).map((c) => c.id);
    expect(ids.length).toBeGreaterThan(0);
    await dev.stop();
    const left = (await listContainers()).filter((c) => ids.includes(c.id));
    expect(left).toEqual([]);
  });
});

function docker(args: string[]): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile("docker", args, { env: process.env }, (err, stdout) => (err ? reject(err) : resolve(stdout))),
  );
}

async function hostPortOf(containerId: string, containerPort: number): Promise<number> {
  const out = await docker(["port", containerId, `${containerPort}/tcp`]);
  const port = Number(/:(\d+)\s*$/m.exec(out)?.[1]);
  if (!Number.isInteger(port)) throw new Error(`no published port for ${containerId}: ${out}`);
  return port;
}

/** One request through a fresh CONNECT tunnel (what workerd does per container fetch). */
const tunnelPing = (ingressPort: number) => rawPing("127.0.0.1", ingressPort, true);

/** One `GET /ping` on a fresh TCP connection, optionally inside a CONNECT tunnel to the app port. */
function rawPing(host: string, port: number, viaConnect: boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, host);
    s.setNoDelay(true);
    let buf = "";
    if (viaConnect) s.write("CONNECT 127.0.0.1:8080 HTTP/1.1\r\nX-Dst-Addr: 127.0.0.1:8080\r\n\r\n");
    s.write("GET /ping HTTP/1.1\r\nHost: container\r\nConnection: close\r\n\r\n");
    s.on("data", (d) => {
      buf += d.toString();
      if (buf.includes('{"ok":true}')) {
        s.destroy();
        resolve();
      }
    });
    s.on("error", reject);
    s.on("close", () => reject(new Error(`connection closed without the expected answer: ${JSON.stringify(buf)}`)));
    s.setTimeout(5000, () => s.destroy(new Error(`ping timed out: ${buf}`)));
  });
}
