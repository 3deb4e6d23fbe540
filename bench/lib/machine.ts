/**
 * What the figures were measured on (cores, memory, kernel, tool versions, date), and the Worker process's memory.
 * Why: absolute figures mean nothing without the machine; ratios travel better but the table still names it.
 * Boundary: reads /proc and runs version commands; changes nothing.
 */
import { execFile } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { REPO_ROOT, WRANGLER_BIN } from "../../test/real/harness.js";

const execFileP = promisify(execFile);

const quiet = async (cmd: string, args: string[]) =>
  (
    await execFileP(cmd, args, { env: process.env }).catch((e) => ({ stdout: `unavailable (${e.message})` }))
  ).stdout.trim();

export interface Machine {
  date: string;
  nproc: number;
  cpuModel: string;
  memoryMiB: number;
  kernel: string;
  os: string;
  node: string;
  wrangler: string;
  workerd: string;
  docker: string;
  moorage: string;
}

export async function describeMachine(): Promise<Machine> {
  const pkg = (name: string) =>
    (JSON.parse(readFileSync(join(REPO_ROOT, "node_modules", name, "package.json"), "utf8")) as { version: string })
      .version;
  const osRelease = (() => {
    try {
      return /PRETTY_NAME="([^"]+)"/.exec(readFileSync("/etc/os-release", "utf8"))?.[1] ?? "unknown";
    } catch {
      return "unknown";
    }
  })();
  return {
    date: new Date().toISOString(),
    nproc: Number(await quiet("nproc", [])) || os.availableParallelism(),
    cpuModel: os.cpus()[0]?.model ?? "unknown",
    memoryMiB: Math.round(os.totalmem() / 2 ** 20),
    kernel: os.release(),
    os: osRelease,
    node: process.version,
    wrangler: (await quiet(WRANGLER_BIN, ["--version"])).split("\n").pop() ?? "unknown",
    workerd: pkg("workerd"),
    docker: await quiet("docker", ["version", "--format", "{{.Server.Version}} (API {{.Server.APIVersion}})"]),
    moorage: (JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as { version: string }).version,
  };
}

function readProc(pid: string, file: string): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/${file}`, "utf8");
  } catch {
    return undefined;
  }
}

/**
 * The workerd process serving the wrangler dev session on `port`: the wrangler process is the one whose command line
 * names that port, and workerd runs in its process group (the harness starts wrangler detached, as a group leader).
 */
export function findWorkerdPid(port: number): number | undefined {
  const pids = readdirSync("/proc").filter((p) => /^\d+$/.test(p));
  const pgidOf = (pid: string) => readProc(pid, "stat")?.split(") ")[1]?.split(" ")[2];
  const cmd = (pid: string) => readProc(pid, "cmdline")?.split("\0") ?? [];
  const wrangler = pids.find((p) => {
    const c = cmd(p);
    const i = c.indexOf("--port");
    return i >= 0 && c[i + 1] === String(port) && c.some((a) => a.includes("wrangler"));
  });
  if (!wrangler) return undefined;
  const group = pgidOf(wrangler);
  const workerd = pids.find((p) => pgidOf(p) === group && (cmd(p)[0] ?? "").endsWith("workerd"));
  return workerd ? Number(workerd) : undefined;
}

/** Resident memory of a process in MiB (undefined when it is gone). */
export function rssMiB(pid: number): number | undefined {
  const kb = Number(/VmRSS:\s+(\d+)/.exec(readProc(String(pid), "status") ?? "")?.[1]);
  return Number.isFinite(kb) && kb > 0 ? kb / 1024 : undefined;
}

/** Samples a process's RSS every `everyMs` while `work` runs; returns the peak increase over the start in MiB. */
export async function peakRssDuring<T>(pid: number | undefined, work: () => Promise<T>, everyMs = 20) {
  if (pid === undefined) return { value: await work(), peakDeltaMiB: undefined as number | undefined };
  const start = rssMiB(pid) ?? 0;
  let peak = start;
  const timer = setInterval(() => {
    peak = Math.max(peak, rssMiB(pid) ?? 0);
  }, everyMs);
  try {
    const value = await work();
    peak = Math.max(peak, rssMiB(pid) ?? 0);
    return { value, peakDeltaMiB: Math.round((peak - start) * 10) / 10 };
  } finally {
    clearInterval(timer);
  }
}

export { REPO_ROOT };
