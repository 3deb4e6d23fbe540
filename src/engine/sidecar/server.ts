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
 * Start-up order matters: the process drops to its own group id before opening any socket (the
 * firewall exempts that group), and the ingress server listens last, so workerd's first `PUT /egress`
 * (which gates the app container's start) only succeeds once interception is in place.
 */
import { readFileSync } from "node:fs";
import { parseSidecarArgs } from "./args.js";
import { conntrackAvailable } from "./conntrack.js";
import { startDnsServer } from "./dns-server.js";
import { EgressInterceptor } from "./egress.js";
import { defaultGateway, firstHost } from "./gateway.js";
import { startIngressServer } from "./ingress.js";
import { HostTable } from "./names.js";
import { Firewall } from "./netfilter.js";
import { EgressState } from "./state.js";
import { LocalCa } from "./tls-ca.js";

/** Local ports inside the namespace (loopback only; the app never sees them). */
export const EGRESS_LISTEN_PORT = 15001;
export const DNS_LISTEN_PORT = 15053;
const DEFAULT_SIDECAR_GID = 39001;
const FALLBACK_CA_PATH = "/opt/moorage/ca-fallback.pem";

const log = (msg: string) => process.stdout.write(`[moorage-sidecar] ${msg}\n`);

function dropToSidecarGroup(gid: number): boolean {
  try {
    process.setgroups?.([gid]);
    process.setgid?.(gid);
    return true;
  } catch (err) {
    log(`WARNING: cannot switch to group ${gid} (${(err as Error).message}); egress interception is disabled`);
    return false;
  }
}

async function main(): Promise<void> {
  const args = parseSidecarArgs(process.argv.slice(2));
  const gid = Number(process.env.MOORAGE_SIDECAR_GID ?? DEFAULT_SIDECAR_GID);
  log(
    `starting ${process.env.MOORAGE_SIDECAR_VERSION ?? "dev"}: ingress ${args.ingress.host}:${args.ingress.port}, ` +
      `egress port ${args.httpEgressPort ?? "?"}, gateway cidr ${args.gatewayCidr ?? "?"}, dns ${args.dnsEnabled}, ` +
      `tls ${args.tlsIntercept}, ipv6 ${args.disableIpv6 ? "off" : "on"}` +
      (args.unknown.length > 0 ? `; ignoring unknown flags: ${args.unknown.join(" ")}` : ""),
  );
  if (!args.disableIpv6) log("note: IPv6 egress is not intercepted (the docker bridge here is IPv4-only)");

  const canExempt = dropToSidecarGroup(gid);
  let routeTable = "";
  try {
    routeTable = readFileSync("/proc/net/route", "utf8");
  } catch {
    // Not Linux procfs: fall back to the CIDR below.
  }
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
    log,
  });
  void caPromise.then((ca) => interceptor.setCa(ca));
  await interceptor.listen();

  if (args.dnsEnabled) {
    await startDnsServer({ port: DNS_LISTEN_PORT, host: "127.0.0.1", state, hosts, log });
  }

  let firewall: Firewall | undefined;
  let firewallStatus = "off";
  if (!canExempt) {
    firewallStatus = "off: cannot exempt the sidecar's own traffic";
  } else if (process.env.MOORAGE_SIDECAR_NO_FIREWALL === "1") {
    firewallStatus = "off: MOORAGE_SIDECAR_NO_FIREWALL=1";
  } else {
    const fw = new Firewall({
      sidecarGid: gid,
      tcpPort: EGRESS_LISTEN_PORT,
      dnsPort: args.dnsEnabled ? DNS_LISTEN_PORT : undefined,
    });
    try {
      await fw.install(state.current.internetEnabled);
      firewall = fw;
      firewallStatus = "on";
    } catch (err) {
      firewallStatus = `off: ${(err as Error).message}`;
      log(`WARNING: firewall rules not installed, the app's egress is NOT intercepted: ${(err as Error).message}`);
    }
  }
  state.onChange(async (next, prev) => {
    if (firewall && next.internetEnabled !== prev.internetEnabled) await firewall.setInternet(next.internetEnabled);
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
