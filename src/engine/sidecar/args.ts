/**
 * Command-line flags of the networking sidecar.
 *
 * Why: workerd starts the sidecar image with proxy-everything's flags (`--http-egress-port P
 * --http-ingress-address 0.0.0.0:39001 --docker-gateway-cidr C --dns-enabled --tls-intercept
 * [--disable-ipv6]`, see workerd `container-client.c++` createSidecarContainer). Future workerd
 * versions may add flags; unknown ones are collected and reported, never fatal, so a newer workerd
 * still gets a working sidecar.
 * Boundary: pure parsing, no I/O.
 */

export interface SidecarArgs {
  /** workerd's egress listener port on the docker gateway (may be replaced later by `PUT /egress`). */
  httpEgressPort: number | undefined;
  /** Where the ingress/control HTTP server listens (workerd publishes 39001 to a random host port). */
  ingress: { host: string; port: number };
  /** The docker bridge subnet, e.g. `172.17.0.0/16`. */
  gatewayCidr: string | undefined;
  dnsEnabled: boolean;
  tlsIntercept: boolean;
  disableIpv6: boolean;
  /** Flags we do not know, kept verbatim for the start-up log. */
  unknown: string[];
}

const BOOLEAN_FLAGS = {
  "--dns-enabled": "dnsEnabled",
  "--tls-intercept": "tlsIntercept",
  "--disable-ipv6": "disableIpv6",
} as const;

const VALUE_FLAGS = new Set(["--http-egress-port", "--http-ingress-address", "--docker-gateway-cidr"]);

export const DEFAULT_INGRESS = { host: "0.0.0.0", port: 39001 } as const;

export function parseSidecarArgs(argv: readonly string[]): SidecarArgs {
  const out: SidecarArgs = {
    httpEgressPort: undefined,
    ingress: { ...DEFAULT_INGRESS },
    gatewayCidr: undefined,
    dnsEnabled: false,
    tlsIntercept: false,
    disableIpv6: false,
    unknown: [],
  };
  for (let i = 0; i < argv.length; i++) {
    const raw = argv[i] ?? "";
    const eq = raw.indexOf("=");
    const flag = raw.startsWith("--") && eq > 0 ? raw.slice(0, eq) : raw;
    const inline = raw.startsWith("--") && eq > 0 ? raw.slice(eq + 1) : undefined;

    if (flag in BOOLEAN_FLAGS) {
      const key = BOOLEAN_FLAGS[flag as keyof typeof BOOLEAN_FLAGS];
      out[key] = inline === undefined ? true : !/^(false|0|no)$/i.test(inline);
      continue;
    }
    if (VALUE_FLAGS.has(flag)) {
      const value = inline ?? argv[++i];
      if (value === undefined) {
        out.unknown.push(`${flag} (missing value)`);
        continue;
      }
      applyValue(out, flag, value);
      continue;
    }
    // Unknown: keep it (and a following bare value) for the log; never fail on it.
    const next = argv[i + 1];
    if (raw.startsWith("--") && inline === undefined && next !== undefined && !next.startsWith("--")) {
      out.unknown.push(`${raw} ${next}`);
      i++;
    } else {
      out.unknown.push(raw);
    }
  }
  return out;
}

function applyValue(out: SidecarArgs, flag: string, value: string): void {
  switch (flag) {
    case "--http-egress-port": {
      const port = parsePort(value);
      if (port === undefined) out.unknown.push(`${flag} ${value} (not a port)`);
      else out.httpEgressPort = port;
      return;
    }
    case "--http-ingress-address": {
      const addr = parseHostPort(value);
      if (addr === undefined) out.unknown.push(`${flag} ${value} (expected host:port)`);
      else out.ingress = addr;
      return;
    }
    case "--docker-gateway-cidr":
      out.gatewayCidr = value;
      return;
  }
}

export function parsePort(value: string): number | undefined {
  if (!/^\d{1,5}$/.test(value)) return undefined;
  const port = Number(value);
  return port > 0 && port <= 65535 ? port : undefined;
}

/** Parses `host:port`, `[v6]:port` or `:port` (host defaults to 0.0.0.0). */
export function parseHostPort(value: string): { host: string; port: number } | undefined {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(value.trim());
  if (!m) return undefined;
  const port = parsePort(m[3] ?? "");
  if (port === undefined) return undefined;
  return { host: m[1] ?? (m[2] || "0.0.0.0"), port };
}
