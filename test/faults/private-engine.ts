/**
 * A private Docker engine for the one fault that restarts the engine (engine-restart.ts): a `dockerd` this
 * process starts and owns, with its own data root, exec root, socket, pidfile, and its own bridge (`mfaults0`,
 * 10.213.0.1/24: a different name and address range from the shared engine's docker0), no iptables rules (so it
 * never edits the rules the shared engine relies on), loaded with Moorage's images from the shared engine.
 *
 * Why: the shared engine serves every other session on the machine; restarting it would break their runs. This
 * one can be stopped and started at will, and is removed (engine, bridge, folders) by `remove()`.
 * Boundary: starts, restarts and stops only the dockerd whose pid it recorded; reads images from the shared engine.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { promisify } from "node:util";

const execFileP = promisify(execFile);

const BRIDGE = "mfaults0";
const BRIDGE_CIDR = "10.213.0.1/24";

export interface PrivateEngine {
  /** `unix://...` for DOCKER_HOST. */
  host: string;
  /** Environment for docker CLI calls against this engine. */
  env: NodeJS.ProcessEnv;
  /** Stops dockerd (SIGTERM, as a service manager would; its containers die) and starts it again. */
  restart(): Promise<{ downMs: number }>;
  /** Stops dockerd and removes its bridge and folders. Idempotent. */
  remove(): Promise<void>;
}

/** Why a private engine cannot be had here, or undefined when it can. */
export function privateEngineUnavailable(): string | undefined {
  if (process.env.MOORAGE_FAULTS_NO_PRIVATE_ENGINE === "1") return "MOORAGE_FAULTS_NO_PRIVATE_ENGINE=1";
  if (process.getuid?.() !== 0) return "starting a private dockerd needs root";
  if (!existsSync("/usr/sbin/dockerd") && !existsSync("/usr/bin/dockerd")) return "no dockerd installed";
  if (!existsSync("/usr/sbin/ip") && !existsSync("/usr/bin/ip")) return "no `ip` command (iproute2) for its bridge";
  return undefined;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startPrivateEngine(
  images: readonly string[],
  log: (line: string) => void,
): Promise<PrivateEngine> {
  const root = mkdtempSync("/tmp/mfe-");
  const host = `unix://${root}/docker.sock`;
  const env = { ...process.env, DOCKER_HOST: host };
  const sharedEnv = process.env;
  await execFileP("ip", ["link", "add", "name", BRIDGE, "type", "bridge"]).catch(() => undefined);
  await execFileP("ip", ["addr", "add", BRIDGE_CIDR, "dev", BRIDGE]).catch(() => undefined);
  await execFileP("ip", ["link", "set", BRIDGE, "up"]);
  let child: ChildProcess | undefined;
  const up = async () => {
    child = spawn(
      "dockerd",
      [
        "--data-root",
        `${root}/data`,
        "--exec-root",
        `${root}/exec`,
        "--host",
        host,
        "--pidfile",
        `${root}/dockerd.pid`,
        "--bridge",
        BRIDGE,
        "--iptables=false",
        "--ip-masq=false",
        "--storage-driver",
        "overlay2",
      ],
      { stdio: "ignore", detached: true },
    );
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`private dockerd exited with ${child.exitCode} during start-up`);
      const ok = await execFileP("docker", ["version", "--format", "{{.Server.Version}}"], { env }).then(
        () => true,
        () => false,
      );
      if (ok) return;
      await sleep(250);
    }
    throw new Error("private dockerd did not answer within 60 s");
  };
  const down = async () => {
    const c = child;
    if (!c || c.exitCode !== null || c.pid === undefined) return;
    const exited = new Promise((r) => c.once("exit", r));
    process.kill(c.pid, "SIGTERM");
    const timer = sleep(20_000).then(() => "timeout");
    if ((await Promise.race([exited, timer])) === "timeout") {
      process.kill(c.pid, "SIGKILL");
      await exited;
    }
  };
  let removed = false;
  const remove = async () => {
    if (removed) return;
    removed = true;
    await down().catch(() => undefined);
    await execFileP("ip", ["link", "delete", BRIDGE]).catch(() => undefined);
    await execFileP("umount", ["-R", `${root}/exec`]).catch(() => undefined);
    rmSync(root, { recursive: true, force: true, maxRetries: 3 });
  };
  try {
    await up();
    log(`private engine: dockerd on ${host}, bridge ${BRIDGE} ${BRIDGE_CIDR}; loading ${images.join(", ")}`);
    // docker save (shared) | docker load (private)
    await new Promise<void>((resolve, reject) => {
      const save = spawn("docker", ["save", ...images], { env: sharedEnv, stdio: ["ignore", "pipe", "inherit"] });
      const load = spawn("docker", ["load"], { env, stdio: ["pipe", "ignore", "inherit"] });
      save.stdout.pipe(load.stdin);
      save.once("exit", (code) => code !== 0 && reject(new Error(`docker save exited ${code}`)));
      load.once("exit", (code) => (code === 0 ? resolve() : reject(new Error(`docker load exited ${code}`))));
    });
  } catch (err) {
    await remove();
    throw err;
  }
  return {
    host,
    env,
    async restart() {
      const t0 = Date.now();
      await down();
      await up();
      return { downMs: Date.now() - t0 };
    },
    remove,
  };
}
