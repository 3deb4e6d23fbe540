/**
 * A throw-away certificate authority for HTTPS interception (`--tls-intercept`).
 *
 * Why: workerd reads the sidecar's CA (`GET /ca`) and writes it into app containers that have HTTPS
 * egress rules, at /etc/cloudflare/certs/cloudflare-containers-ca.crt. When workerd then accepts an
 * intercepted TLS connection (200 to `X-Tls-Sni`), the sidecar terminates TLS with a leaf certificate
 * for that name signed by this CA and forwards the plain HTTP into workerd's tunnel. Node cannot mint
 * X.509 certificates, so the `openssl` binary shipped in the sidecar image does it: one P-256 CA per
 * sidecar start, one leaf per hostname, cached.
 * Boundary: key material lives in the sidecar's /tmp for the sidecar's life; nothing is persisted.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import tls from "node:tls";
import { isIpLiteral } from "./names.js";

function run(bin: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(bin, args, { timeout: 10_000 }, (err, _out, stderr) => {
      if (err) reject(new Error(`${bin} ${args[0]} failed: ${stderr.toString().trim() || err.message}`));
      else resolve();
    });
  });
}

const EC = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];

export class LocalCa {
  private readonly contexts = new Map<string, Promise<tls.SecureContext>>();
  private serial = 1;

  private constructor(
    readonly pem: string,
    private readonly dir: string,
    private readonly openssl: string,
  ) {}

  static async create(openssl = "openssl"): Promise<LocalCa> {
    const dir = await mkdtemp(join(tmpdir(), "moorage-ca-"));
    await run(openssl, [
      "req",
      "-x509",
      ...EC,
      "-keyout",
      join(dir, "ca.key"),
      "-out",
      join(dir, "ca.pem"),
      "-days",
      "30",
      "-subj",
      "/CN=Moorage local sidecar CA",
      "-addext",
      "basicConstraints=critical,CA:TRUE",
      "-addext",
      "keyUsage=critical,keyCertSign,cRLSign",
    ]);
    return new LocalCa(await readFile(join(dir, "ca.pem"), "utf8"), dir, openssl);
  }

  /** A server context with a leaf certificate for `hostname` (minted on first use, then cached). */
  contextFor(hostname: string): Promise<tls.SecureContext> {
    let ctx = this.contexts.get(hostname);
    if (!ctx) {
      ctx = this.mint(hostname);
      ctx.catch(() => this.contexts.delete(hostname));
      this.contexts.set(hostname, ctx);
    }
    return ctx;
  }

  private async mint(hostname: string): Promise<tls.SecureContext> {
    if (!/^[a-z0-9.*:_-]+$/i.test(hostname))
      throw new Error(`refusing to mint a certificate for ${JSON.stringify(hostname)}`);
    const base = join(this.dir, `leaf-${this.serial++}`);
    const san = isIpLiteral(hostname) ? `IP:${hostname}` : `DNS:${hostname}`;
    await run(this.openssl, [
      "req",
      "-x509",
      ...EC,
      "-CA",
      join(this.dir, "ca.pem"),
      "-CAkey",
      join(this.dir, "ca.key"),
      "-keyout",
      `${base}.key`,
      "-out",
      `${base}.pem`,
      "-days",
      "7",
      "-subj",
      `/CN=${hostname.slice(0, 64)}`,
      "-addext",
      `subjectAltName=${san}`,
      "-addext",
      "basicConstraints=critical,CA:FALSE",
      "-addext",
      "extendedKeyUsage=serverAuth",
    ]);
    const [key, cert] = await Promise.all([readFile(`${base}.key`), readFile(`${base}.pem`)]);
    return tls.createSecureContext({ key, cert: Buffer.concat([cert, Buffer.from(this.pem)]) });
  }
}
