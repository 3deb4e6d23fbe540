/**
 * A real browser for page tests: Debian's Chromium driven by Playwright (`playwright-core`, which never downloads
 * a browser of its own).
 *
 * Why: the inspector page is product; a person looks at it in a browser, so its tests do too. When
 * `/usr/bin/chromium` is missing, this installs Debian's `chromium` package itself when it can (root with
 * apt-get, as engine/provision.sh installs docker.io); otherwise the caller skips with the printed reason, or fails
 * under CI=true.
 * Boundary: test-only; owns the browser it launches and its temporary profile folder.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium } from "playwright-core";

export const CHROMIUM = "/usr/bin/chromium";

/** The flags this machine needs: no sandbox as root, and no background traffic to hosts it cannot reach. */
const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

const inCi = () => process.env.CI === "true" || process.env.CI === "1";

/** Installs Debian's chromium when missing and possible; resolves with why not otherwise (undefined when there). */
export function ensureChromium(
  log: (line: string) => void = (l) => process.stderr.write(`[browser] ${l}\n`),
): string | undefined {
  if (existsSync(CHROMIUM)) return undefined;
  const root = typeof process.getuid === "function" && process.getuid() === 0;
  const hasApt = existsSync("/usr/bin/apt-get");
  if (!root || !hasApt) {
    return `${CHROMIUM} is missing and cannot be installed here (${root ? "no apt-get" : "not root"}): install Debian's chromium package (apt-get install -y chromium)`;
  }
  try {
    log("installing Debian's chromium package (apt-get install -y chromium), once per machine");
    const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
    execFileSync("apt-get", ["update", "-qq"], { stdio: "ignore", env, timeout: 300_000 });
    execFileSync("apt-get", ["install", "-y", "-qq", "chromium"], { stdio: "ignore", env, timeout: 600_000 });
  } catch (error) {
    return `installing chromium failed: ${(error as Error).message}`;
  }
  return existsSync(CHROMIUM) ? undefined : `apt-get installed chromium but ${CHROMIUM} is still missing`;
}

/** True when page tests must be skipped (the reason printed loudly); never under CI=true, where launch() throws. */
export function browserUnavailable(): boolean {
  const reason = ensureChromium();
  if (!reason) return false;
  process.stderr.write(
    `\n${"=".repeat(100)}\n[moorage page tests] ${inCi() ? "FAILING (CI=true)" : "SKIPPING"}: ${reason}\n${"=".repeat(100)}\n\n`,
  );
  return !inCi();
}

export interface LaunchedBrowser {
  context: BrowserContext;
  close(): Promise<void>;
}

/** Launches headless Chromium with a fresh profile folder (Playwright passes it as `--user-data-dir`). */
export async function launchBrowser(): Promise<LaunchedBrowser> {
  const reason = ensureChromium();
  if (reason) throw new Error(`page tests need Chromium: ${reason}`);
  const profile = mkdtempSync(join(tmpdir(), "moorage-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
    viewport: { width: 1400, height: 1000 },
  });
  return {
    context,
    async close() {
      await context.close().catch(() => undefined);
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
