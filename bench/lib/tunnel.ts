/**
 * The local physical limit: reaching the container's app port straight through the networking sidecar, the way
 * workerd does (`CONNECT 127.0.0.1:<port>` with `X-Dst-Addr` to the sidecar's published ingress port 39001).
 *
 * Why here: test/real/engine.test.ts does the same with a hand-rolled `GET /ping`; the bench needs full HTTP
 * (bodies, streaming, concurrency), so this opens the tunnel and lets node:http speak over it.
 * Boundary: loopback only; finds sidecars only among the bench's own wrangler session's containers.
 */
import { execFile } from "node:child_process";
import net from "node:net";
import { promisify } from "node:util";
import { LOCAL_ENGINE, type WranglerDev } from "../../test/real/harness.js";

const execFileP = promisify(execFile);

/** The host port Docker published for the sidecar's ingress (39001) of one container. */
export async function ingressHostPort(containerId: string): Promise<number> {
  const { stdout } = await execFileP("docker", ["port", containerId, `${LOCAL_ENGINE.sidecarIngressPort}/tcp`], {
    env: process.env,
  });
  const port = Number(/:(\d+)\s*$/m.exec(stdout)?.[1]);
  if (!Number.isInteger(port)) throw new Error(`no published ingress port for ${containerId}: ${stdout}`);
  return port;
}

/**
 * The ingress port of the sidecar serving the container whose `os.hostname()` is `hostname` (Docker's short id of
 * the app container, or of the sidecar whose namespace it joined).
 */
export async function ingressPortFor(dev: WranglerDev, hostname: string): Promise<number> {
  const mine = await dev.containers();
  const owner = mine.find((c) => c.id.startsWith(hostname));
  if (!owner) throw new Error(`no container of this session has hostname ${hostname}`);
  const name = owner.name.replace(/^\//, "");
  const sidecar = name.endsWith("-proxy") ? owner : mine.find((c) => c.name.replace(/^\//, "") === `${name}-proxy`);
  if (!sidecar) throw new Error(`no sidecar next to ${name}`);
  return ingressHostPort(sidecar.id);
}

/** A TCP socket that, once resolved, is a raw tunnel to `appPort` inside the container's namespace. */
export function openTunnel(ingressPort: number, appPort = 8080, timeoutMs = 10_000): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(ingressPort, "127.0.0.1");
    socket.setNoDelay(true);
    const fail = (err: Error) => {
      socket.destroy();
      reject(err);
    };
    socket.setTimeout(timeoutMs, () => fail(new Error("tunnel: CONNECT timed out")));
    let head = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf("\r\n\r\n");
      if (end < 0) return;
      socket.off("data", onData);
      socket.off("error", fail);
      socket.setTimeout(0);
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head.subarray(0, end).toString())?.[1]);
      if (status < 200 || status > 299) return fail(new Error(`tunnel: CONNECT answered ${status}`));
      // The sidecar sends nothing after its answer until the app speaks, so no bytes are left over here.
      if (head.length > end + 4) return fail(new Error("tunnel: unexpected bytes after the CONNECT answer"));
      resolve(socket);
    };
    socket.on("data", onData);
    socket.on("error", fail);
    socket.write(`CONNECT 127.0.0.1:${appPort} HTTP/1.1\r\nX-Dst-Addr: 127.0.0.1:${appPort}\r\n\r\n`);
  });
}
