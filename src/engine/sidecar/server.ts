/**
 * Entry point of Moorage's networking sidecar (image `moorage/sidecar:<version>`).
 *
 * Why: since workerd 1.20260312.1 every local container start first creates a sidecar container that
 * owns the network namespace; the app container joins it. The official image
 * (`cloudflare/proxy-everything`) comes from Docker Hub, which many machines (CI without a registry,
 * offline boxes) cannot pull, and it needs TPROXY, which WSL2 lacks. This sidecar speaks the same
 * protocol with plain iptables REDIRECT: ingress tunnels and control (ingress.ts), egress interception
 * (egress.ts), DNS (dns-server.ts), HTTPS interception (tls-ca.ts).
 * Boundary: wiring and process lifecycle only; every protocol lives in its own module.
 *
 * Start-up order matters: the firewall is installed before the ingress server listens, so workerd's
 * first `PUT /egress` (which gates the app container's start) only succeeds once interception is in
 * place, and a firewall that cannot be installed fails every `PUT /egress` (the container never starts
 * unprotected). The sidecar's own traffic is told apart by its cgroup, never by a uid/gid the app could
 * take (see netfilter.ts).
 */
import { readFileSync } from "node:fs";
import { networkInterfaces, release } from "node:os";
import { parseSidecarArgs } from "./args.js";
import { conntrackAvailable } from "./conntrack.js";
import { startDnsServer } from "./dns-server.js";
import { EgressInterceptor } from "./egress.js";
import { cidrContains, defaultGateway, firstHost } from "./gateway.js";
import { startIngressServer } from "./ingress.js";
import { LinkGuard } from "./link-guard.js";
import { HostTable } from "./names.js";
import { Firewall, sidecarCgroupPath } from "./netfilter.js";
import { EgressState } from "./state.js";
import { LocalCa } from "./tls-ca.js";

/** Local ports inside the namespace (loopback only; the app never sees them). */
export const EGRESS_LISTEN_PORT = 15001;
export const DNS_LISTEN_PORT = 15053;
const FALLBACK_CA_PATH = "/opt/moorage/ca-fallback.pem";

const log = (msg: string) => process.stdout.write(`[moorage-sidecar] ${msg}\n`);

function readOr(path: string, fallback: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return fallback;
  }
}

/** IPv6 switched off for every interface of this namespace (Docker does so on IPv4-only networks). */
function ipv6Off(): boolean {
  const all = readOr("/proc/sys/net/ipv6/conf/all/disable_ipv6", "").trim();
  const inet6 = readOr("/proc/net/if_inet6", "");
  return all === "1" && inet6.trim() === "";
}

/** The namespace's interface to the docker bridge: the IPv4 one inside the bridge subnet, else the first non-loopback. */
function bridgeInterface(cidr: string | undefined): { device: string; ip: string } | undefined {
  const candidates: Array<{ device: string; ip: string }> = [];
  for (const [device, list] of Object.entries(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === "IPv4" && !a.internal) candidates.push({ device, ip: a.address });
  }
  return candidates.find((c) => cidr !== undefined && cidrContains(cidr, c.ip)) ?? candidates[0];
}

async function main(): Promise<void> {
  const args = parseSidecarArgs(process.argv.slice(2));
  log(
    `starting ${process.env.MOORAGE_SIDECAR_VERSION ?? "dev"}: ingress ${args.ingress.host}:${args.ingress.port}, ` +
      `egress port ${args.httpEgressPort ?? "?"}, gateway cidr ${args.gatewayCidr ?? "?"}, dns ${args.dnsEnabled}, ` +
      `tls ${args.tlsIntercept}, ipv6 ${args.disableIpv6 ? "off" : "on"}` +
      (args.unknown.length > 0 ? `; ignoring unknown flags: ${args.unknown.join(" ")}` : ""),
  );
  const routeTable = readOr("/proc/net/route", ""); // not Linux procfs: fall back to the CIDR below
  const gateway = defaultGateway(routeTable) ?? firstHost(args.gatewayCidr);

  const state = new EgressState({ port: args.httpEgressPort, allowHostnames: [], internetEnabled: false });
  const hosts = new HostTable();

  // The CA is generated in the background; `GET /ca` waits for it.
  const caPromise = LocalCa.create().catch((err: Error) => {
    log(`WARNING: no local CA (${err.message}); HTTPS interception is disabled`);
    return undefined;
  });
  const caPem = async () => (await caPromise)?.pem ?? readFileSync(FALLBACK_CA_PATH, "utf8");

  const interceptor = new EgressInterceptor({
    host: "127.0.0.1",
    port: EGRESS_LISTEN_PORT,
    state,
    hosts,
    gateway: () => gateway,
    bridgeCidr: args.gatewayCidr,
    log,
  });
  void caPromise.then((ca) => interceptor.setCa(ca));
  await interceptor.listen();

  if (args.dnsEnabled) {
    const workerd = () => {
      const port = state.current.port;
      return gateway === undefined || port === undefined ? undefined : { host: gateway, port };
    };
    await startDnsServer({ port: DNS_LISTEN_PORT, host: "127.0.0.1", state, hosts, workerd, log });
  }

  let firewall: Firewall | undefined;
  let firewallStatus: string;
  let firewallError: string | undefined;
  const cgroupPath = sidecarCgroupPath(readOr("/proc/self/cgroup", ""), release());
  const workerdFor = (port: number | undefined) =>
    gateway === undefined || port === undefined ? undefined : { ip: gateway, port };
  if (process.env.MOORAGE_SIDECAR_NO_FIREWALL === "1") {
    firewallStatus = "off: MOORAGE_SIDECAR_NO_FIREWALL=1 (the app's egress is NOT contained)";
    log(`WARNING: firewall ${firewallStatus}`);
  } else {
    const fw = new Firewall(
      {
        tcpPort: EGRESS_LISTEN_PORT,
        dnsPort: args.dnsEnabled ? DNS_LISTEN_PORT : undefined,
        controlPort: args.ingress.port,
        workerd: workerdFor(state.current.port),
        cgroupPath,
      },
      ipv6Off,
    );
    try {
      await fw.install();
      firewall = fw;
      firewallStatus = `on (sidecar identified by ${cgroupPath ? `cgroup ${cgroupPath}` : "destination only: no usable cgroup"}; IPv6 ${fw.ipv6})`;
    } catch (err) {
      firewallError = (err as Error).message;
      firewallStatus = `FAILED: ${firewallError}`;
      log(
        `ERROR: firewall rules not installed; every PUT /egress will fail so no app starts uncontained: ${firewallError}`,
      );
    }
  }
  // The floor under the iptables rules: frames written straight to the device (AF_PACKET) are dropped too.
  let link: LinkGuard | undefined;
  let linkStatus = "off";
  const bridge = bridgeInterface(args.gatewayCidr);
  if (firewall && bridge && gateway) {
    const guard = new LinkGuard({
      device: bridge.device,
      ownIp: bridge.ip,
      gateway,
      workerdPort: state.current.port,
    });
    try {
      await guard.install();
      link = guard;
      linkStatus = `on (${bridge.device})`;
    } catch (err) {
      linkStatus = `off: ${(err as Error).message}`;
      log(
        `WARNING: link-layer guard not installed (${(err as Error).message}): root in the app container could send ` +
          "hand-made frames (AF_PACKET) past the firewall; needs nft in the sidecar image and Linux >= 5.18",
      );
    }
  } else if (firewall) {
    linkStatus = `off: no bridge interface/gateway found (${bridge?.device ?? "no interface"}, ${gateway ?? "no gateway"})`;
    log(`WARNING: link-layer guard ${linkStatus}`);
  }
  firewallStatus += `; link-layer guard ${linkStatus}`;

  state.onChange(async (next) => {
    if (firewallError !== undefined) throw new Error(`the sidecar's firewall is not installed: ${firewallError}`);
    if (firewall) await firewall.setWorkerd(workerdFor(next.port));
    if (link) await link.setWorkerdPort(next.port);
  });

  const conntrack = await conntrackAvailable();
  if (!conntrack)
    log("note: /proc/net/nf_conntrack unavailable; raw TCP egress cannot be forwarded (HTTP/TLS still are)");

  const ingress = await startIngressServer({
    host: args.ingress.host,
    port: args.ingress.port,
    state,
    caPem,
    status: () => ({
      version: process.env.MOORAGE_SIDECAR_VERSION ?? "dev",
      gateway,
      firewall: firewallStatus,
      linkGuard: linkStatus,
      conntrack,
      dns: args.dnsEnabled,
      unknownFlags: args.unknown,
      egressCounts: interceptor.counts,
      egressEvents: interceptor.events,
    }),
    log,
  });
  log(`ready (gateway ${gateway ?? "unknown"}, firewall ${firewallStatus}, conntrack ${conntrack ? "yes" : "no"})`);

  const stop = (signal: string) => {
    log(`${signal}: shutting down`);
    ingress.close();
    interceptor.close();
    process.exit(0);
  };
  process.once("SIGTERM", () => stop("SIGTERM"));
  process.once("SIGINT", () => stop("SIGINT"));
}

main().catch((err: Error) => {
  log(`FATAL: ${err.stack ?? err.message}`);
  process.exit(1);
});
