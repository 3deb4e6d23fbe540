/**
 * The local firewall against hostile app code (issue 10 §1), with real containers and the real sidecar image.
 *
 * Why: `enableInternet: false` must hold locally against root in the app container. This file sets up exactly
 * what workerd sets up (container-client.c++ createSidecarContainer: the sidecar with NET_ADMIN, port 39001
 * published, proxy-everything's flags; the app container joining its network namespace with Docker's default
 * capabilities) around a stand-in for workerd's egress listener on the docker gateway, so every escape can be
 * judged on the host side: a forbidden TCP/UDP/IPv6 target counts every hit, the stand-in records every CONNECT
 * head. The app code (test/fixtures/firewall/escape.mjs, plus rawprobe.c for raw IP and AF_PACKET frames) tries:
 * the control port over loopback and its own address, a tunnel to anywhere, plain TCP/UDP, QUIC with the
 * internet on, its own DNS resolver, workerd's listener directly, CR/LF in Host, IPv6, forged-source raw IP,
 * hand-written Ethernet frames, and all of it again after setgid/setuid to the id the old rules exempted.
 * No wrangler here: the wrangler path is covered by egress.test.ts and engine.test.ts.
 * `MOORAGE_FIREWALL_TEST_IMAGE=moorage/sidecar:0.1.0` runs the same attempts against an older sidecar image
 * (that is how the escapes were shown to work before the fix).
 * Boundary: starts and removes only its own two containers (names carry this process's pid).
 */
import { execFile } from "node:child_process";
import dgram from "node:dgram";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { LOCAL_ENGINE, probeEngine, REPO_ROOT, requireEngine, shouldSkip } from "./harness.js";

const run = promisify(execFile);
const docker = (...args: string[]) => run("docker", args, { timeout: 60_000, maxBuffer: 8 * 1024 * 1024 });
const FIXTURE = join(REPO_ROOT, "test", "fixtures", "firewall");
const IMAGE = process.env.MOORAGE_FIREWALL_TEST_IMAGE ?? LOCAL_ENGINE.images.sidecar;
const SIDECAR = `moorage-fwtest-${process.pid}-proxy`;

await probeEngine();

type Attempt = { name: string; result: string; detail: string };

/** Every hit on the forbidden targets (the ground truth of "got out"). */
const hits: string[] = [];
/** Every CONNECT head the stand-in for workerd received. */
const heads: string[] = [];
let internet = false;

function listen(server: net.Server | dgram.Socket, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    if (server instanceof net.Server) {
      server.once("error", reject);
      server.listen(0, host, () => resolve((server.address() as net.AddressInfo).port));
    } else {
      server.once("error", reject);
      server.bind(0, host, () => resolve(server.address().port));
    }
  });
}

describe.skipIf(await shouldSkip())("local firewall against root in the app container (real containers)", () => {
  const servers: Array<net.Server | dgram.Socket> = [];
  const probeDir = mkdtempSync(join(tmpdir(), "moorage-fwtest-"));
  let gateway = "";
  let subnet = "";
  let gateway6: string | undefined;
  let ports: { workerd: number; tcp: number; udp: number; tcp6: number; control: number } | undefined;
  let rawprobe = false;
  const started: string[] = [];

  const control = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`http://127.0.0.1:${ports?.control}${path}`, {
      method,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(5000),
    });
    return { status: res.status, text: await res.text() };
  };

  const attempts = async (phase: string): Promise<Map<string, Attempt>> => {
    const cfg = {
      phase,
      gateway,
      gateway6,
      tcpTarget: ports?.tcp,
      udpTarget: ports?.udp,
      tcp6Target: ports?.tcp6,
      workerdPort: ports?.workerd,
      rawprobe,
    };
    const { stdout } = await docker(
      "run",
      "--rm",
      "--network",
      `container:${SIDECAR}`,
      "-v",
      `${probeDir}:/probe:ro`,
      LOCAL_ENGINE.images.nodeBase,
      "node",
      "/probe/escape.mjs",
      JSON.stringify(cfg),
    );
    const out = new Map<string, Attempt>();
    for (const line of stdout.split("\n").filter(Boolean)) {
      const a = JSON.parse(line) as Attempt;
      out.set(a.name.slice(phase.length + 1), a);
    }
    process.stderr.write(`[firewall ${phase}] ${[...out.values()].map((a) => `${a.name}=${a.result}`).join("\n  ")}\n`);
    return out;
  };

  beforeAll(async () => {
    await requireEngine();
    const bridge = JSON.parse((await docker("network", "inspect", "bridge")).stdout)[0];
    gateway = bridge.IPAM.Config[0].Gateway;
    subnet = bridge.IPAM.Config[0].Subnet;
    gateway6 = (
      await run("ip", ["-6", "-o", "addr", "show", "dev", "docker0", "scope", "link"]).catch(() => ({
        stdout: "",
      }))
    ).stdout.match(/inet6 (fe80::[0-9a-f:]+)/)?.[1];

    // The forbidden targets, on the host side of the bridge.
    const tcp = net.createServer((s) => {
      hits.push("tcp");
      s.on("error", () => {});
      s.end("TARGET\n");
    });
    const udp = dgram.createSocket("udp4");
    udp.on("message", (m) => hits.push(`udp:${m.toString("latin1").slice(0, 40)}`));
    const tcp6 = net.createServer((s) => {
      hits.push("tcp6");
      s.on("error", () => {});
      s.end("TARGET6\n");
    });
    const udp6 = dgram.createSocket({ type: "udp6", ipv6Only: true });
    udp6.on("message", () => hits.push("udp6"));
    // A stand-in for workerd's egress listener: records heads; with the internet off it closes (as workerd does
    // when nothing matches), with it on it answers 202 and then says who it is.
    const workerd = net.createServer((s) => {
      s.on("error", () => {});
      let buf = "";
      s.on("data", (d: Buffer) => {
        if (buf.includes("\r\n\r\n")) return;
        buf += d.toString("latin1");
        const end = buf.indexOf("\r\n\r\n");
        if (end < 0) return;
        heads.push(buf.slice(0, end));
        if (!internet) return void s.destroy();
        s.write("HTTP/1.1 202 Accepted\r\n\r\nPASSTHROUGH\n");
      });
    });
    servers.push(tcp, udp, tcp6, udp6, workerd);
    const [tcpPort, udpPort, workerdPort] = await Promise.all([
      listen(tcp, gateway),
      listen(udp, gateway),
      listen(workerd, gateway),
    ]);
    const tcp6Port = await listen(tcp6, "::");
    await new Promise<void>((r) => udp6.bind(tcp6Port, "::", () => r()));

    // rawprobe: hand-made packets need a compiler on the host; say so when there is none.
    try {
      await run("gcc", ["-static", "-O2", "-o", join(probeDir, "rawprobe"), join(FIXTURE, "rawprobe.c")]);
      rawprobe = true;
    } catch (err) {
      process.stderr.write(
        `[firewall] NOTE: raw-IP and AF_PACKET attempts skipped: cannot build rawprobe.c (${(err as Error).message.split("\n")[0]})\n`,
      );
    }
    writeFileSync(
      join(probeDir, "escape.mjs"),
      await (await import("node:fs/promises")).readFile(join(FIXTURE, "escape.mjs")),
    );

    // The sidecar, created the way workerd creates it.
    const info = JSON.parse((await docker("info", "--format", "{{json .}}")).stdout) as { IPv6?: boolean };
    await docker(
      "run",
      "-d",
      "--name",
      SIDECAR,
      "--cap-add",
      "NET_ADMIN",
      "-p",
      "39001",
      "--dns",
      "1.1.1.1",
      "--add-host",
      "host.docker.internal:host-gateway",
      IMAGE,
      "--http-egress-port",
      String(workerdPort),
      "--http-ingress-address",
      "0.0.0.0:39001",
      "--docker-gateway-cidr",
      subnet,
      "--dns-enabled",
      "--tls-intercept",
      ...(info.IPv6 ? [] : ["--disable-ipv6"]),
    );
    started.push(SIDECAR);
    const mapped = (await docker("port", SIDECAR, "39001/tcp")).stdout.split("\n")[0]?.split(":").pop();
    ports = { workerd: workerdPort, tcp: tcpPort, udp: udpPort, tcp6: tcp6Port, control: Number(mapped) };
    // workerd's first PUT /egress doubles as the readiness wait (bounded: 50 x 200 ms).
    for (let i = 0; ; i++) {
      const res = await control("PUT", "/egress", {
        port: workerdPort,
        dns: { allowHostnames: ["allowed.test"] },
        internet: { enabled: false },
      }).catch(() => undefined);
      if (res?.status === 200) break;
      if (i >= 50) throw new Error(`sidecar never answered PUT /egress: ${res?.status} ${res?.text}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }, 120_000);

  afterAll(async () => {
    if (started.length > 0) {
      const logs = await docker("logs", SIDECAR).catch(() => ({ stdout: "", stderr: "" }));
      process.stderr.write(`[firewall] sidecar log:\n${logs.stdout}${logs.stderr}\n`);
      await docker("rm", "-f", ...started).catch(() => {});
    }
    for (const s of servers) s.close();
    rmSync(probeDir, { recursive: true, force: true });
  });

  const expectContained = (a: Map<string, Attempt>) => {
    // The control plane answers nobody inside the namespace, as root or not.
    for (const name of ["control-loopback-put", "control-own-ip-put", "control-tunnel", "setgid-control"]) {
      expect(a.get(name)?.result, name).not.toMatch(/^answered: HTTP\/1\.1 (200|400)/);
    }
    // Nothing workerd received carries a head the app wrote or a header it injected.
    expect(heads.filter((h) => /x-from-app|x-injected/i.test(h))).toEqual([]);
    // Nothing reached a forbidden target, by any path.
    expect(hits).toEqual([]);
    // The app was really root, and really switched ids.
    expect(a.get("setgid")?.result).toBe("switched");
  };

  test("internet off: every escape is contained and the egress config is unchanged", async () => {
    internet = false;
    const a = await attempts("off");
    expectContained(a);
    // DNS to any resolver on port 53 is answered by the sidecar (NXDOMAIN without internet).
    expect(a.get("dns-8.8.8.8")?.result).toBe("answered: 29 bytes rcode=3");
    // TCP to anywhere is redirected into the sidecar and handed to workerd, which closes it (nothing matches).
    for (const name of ["tcp", "setgid-tcp", "direct-workerd"]) expect(a.get(name)?.result, name).toBe("closed");
    expect(a.get("crlf-host")?.result).toBe("closed");
    if (rawprobe) {
      expect(a.get("link-frame")?.detail, "AF_PACKET frames are dropped at the device").not.toBe("link sent");
    }
    const status = JSON.parse((await control("GET", "/status")).text);
    expect(status.egress).toEqual({ port: ports?.workerd, allowHostnames: ["allowed.test"], internetEnabled: false });
    expect(status.firewall).toMatch(/^on /);
  }, 120_000);

  test("internet on: UDP (QUIC) stays blocked and workerd's pass-through never reaches the docker network", async () => {
    internet = true;
    const put = await control("PUT", "/egress", { port: ports?.workerd, internet: { enabled: true } });
    expect(put.status).toBe(200);
    const a = await attempts("on");
    expectContained(a);
    // workerd answered 202 for the gateway address, and the sidecar closed instead of splicing.
    expect(a.get("tcp")?.result).not.toContain("PASSTHROUGH");
    expect(a.get("setgid-tcp")?.result).not.toContain("PASSTHROUGH");
    const status = JSON.parse((await control("GET", "/status")).text);
    expect(status.egress.internetEnabled).toBe(true);
    expect(status.egress.allowHostnames).toEqual(["allowed.test"]); // the app's `*` never arrived
  }, 120_000);
});
