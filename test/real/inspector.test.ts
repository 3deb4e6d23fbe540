/**
 * Issue 13 §3: `moorage dev` serves a live inspector page. Runs the media-app example under the real CLI
 * (`moorage dev`, real wrangler, real containers) and looks at the page in Debian's Chromium through Playwright,
 * asserting what a person sees: containers listed before any is used, an instance appearing when first used and
 * turning healthy, its cold start split into phases, the timeline growing, requests with method, path, attempts,
 * wait and status, bridge calls in both modes with their caller and the identity the function got, egress
 * decisions (denied and allowed) with the rule and list entry that decided them, and the container's own log lines.
 *
 * `MOORAGE_INSPECTOR_SCREENSHOT=<path>` also saves a screenshot of the page (the README's is made this way).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { AppClient, prepareMediaApp, REPO_ROOT, removeMediaApp } from "../fixtures/real-media-app/app.js";
import { browserUnavailable, type LaunchedBrowser, launchBrowser } from "../support/browser.js";
import {
  belongsToWorker,
  freePort,
  listContainers,
  readWorkerName,
  removeContainers,
  requireEngine,
  shouldSkip,
} from "./harness.js";

const skipped = (await shouldSkip()) || browserUnavailable();
const CLI = join(REPO_ROOT, "dist", "cli", "main.js");

interface Dev {
  app: AppClient;
  inspectorUrl: string;
  output(): string;
  stop(): Promise<void>;
}

/** `moorage dev` on free ports, in its own process group; resolves once both the Worker and the page answer. */
async function startMoorageDev(dir: string): Promise<Dev> {
  const port = await freePort();
  const args = [
    CLI,
    "dev",
    "--no-watch",
    "--sidecar",
    "moorage",
    "--ui-port",
    "0",
    "--ip",
    "127.0.0.1",
    "--port",
    String(port),
    "--inspector-port",
    String(await freePort()),
    "--persist-to",
    join(dir, ".wrangler", "state"),
    "--show-interactive-dev-session=false",
  ];
  const child: ChildProcess = spawn(process.execPath, args, {
    cwd: dir,
    env: {
      ...process.env,
      MEDIA_APP_PROFILE: "test",
      WRANGLER_SEND_METRICS: "false",
      CLOUDFLARE_CF_FETCH_ENABLED: "false",
      NO_COLOR: "1",
    },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let output = "";
  const collect = (d: Buffer) => {
    output += d.toString();
    if (process.env.MOORAGE_TEST_VERBOSE === "1") process.stderr.write(d);
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  const stop = async () => {
    if (child.exitCode === null && child.pid !== undefined) {
      const pid = child.pid;
      const signal = (s: NodeJS.Signals) => {
        try {
          process.kill(-pid, s);
        } catch {
          // already gone
        }
      };
      signal("SIGINT");
      const timeout = new Promise<"timeout">((r) => setTimeout(() => r("timeout"), 15_000));
      if ((await Promise.race([exited, timeout])) === "timeout") signal("SIGKILL");
    }
  };
  const app = new AppClient(`http://127.0.0.1:${port}`);
  const deadline = Date.now() + 240_000;
  let inspectorUrl: string | undefined;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break;
    inspectorUrl ??= /inspector on (http:\/\/127\.0\.0\.1:\d+\/)/.exec(output)?.[1];
    if (inspectorUrl && /Ready on https?:\/\//.test(output)) {
      const ok = await app.fetch("/").then(
        (r) => r.ok,
        () => false,
      );
      if (ok) return { app, inspectorUrl, output: () => output, stop };
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  await stop();
  throw new Error(`moorage dev did not come up (inspector ${inspectorUrl ?? "not printed"}):\n${output.slice(-6000)}`);
}

/** The row of `instance` in the table of `container`'s instances. */
const instanceRow = (page: Page, container: string, instance: string) =>
  page
    .getByRole("table", { name: `${container} instances` })
    .getByRole("row")
    .filter({ hasText: instance });

/** The number in the timeline's heading ("Timeline · 12 events"). */
async function timelineCount(page: Page): Promise<number> {
  const text = await page.getByRole("heading", { name: /^Timeline/ }).textContent();
  return Number(/(\d+) events/.exec(text ?? "")?.[1] ?? Number.NaN);
}

describe.skipIf(skipped)("inspector page (moorage dev, real containers, Chromium)", () => {
  let dir: string | undefined;
  let dev: Dev | undefined;
  let browser: LaunchedBrowser | undefined;
  let page: Page;
  let workerName: string | undefined;
  let before = new Set<string>();

  beforeAll(async () => {
    await requireEngine();
    dir = await prepareMediaApp();
    workerName = readWorkerName(dir);
    before = new Set((await listContainers()).map((c) => c.id));
    dev = await startMoorageDev(dir);
    browser = await launchBrowser();
    page = await browser.context.newPage();
    await page.goto(dev.inspectorUrl);
  });

  afterAll(async () => {
    try {
      await browser?.close();
      await dev?.stop();
      const mine = (await listContainers()).filter(
        (c) => !before.has(c.id) && (workerName ? belongsToWorker(c, workerName) : false),
      );
      await removeContainers(mine.map((c) => c.id));
    } finally {
      if (dir) removeMediaApp(dir);
    }
  });

  test("moorage dev prints the page's address, and the page lists every declared container before any runs", async () => {
    expect(dev?.inspectorUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    // The journal declares persist: dev gave wrangler the flag local directory snapshots need, and said so.
    expect(dev?.output()).toContain(
      'journal declares persist: local workerd snapshots directories only under the "experimental"',
    );
    await expect.poll(() => page.locator("header .live").textContent()).toBe("live");
    for (const name of ["renderer", "thumbnailer", "fetcher", "transcoder", "archiver", "journal"]) {
      await expect.poll(() => page.getByRole("heading", { name: new RegExp(`^${name}`) }).count()).toBe(1);
    }
    expect(await page.getByText("No instance yet: the first request to it starts one.").count()).toBe(6);
    expect(await timelineCount(page)).toBe(0);
  });

  test("an instance appears when first used, turns healthy, and its cold start is split into phases", async () => {
    const app = dev as Dev;
    const response = await app.app.fetch("/docs/insp-1/info");
    expect(response.status).toBe(200);

    const row = instanceRow(page, "renderer", "insp-1");
    await expect.poll(() => row.count(), { timeout: 15_000 }).toBe(1);
    await expect.poll(() => row.getByText("healthy", { exact: true }).count(), { timeout: 15_000 }).toBe(1);
    // Run generation 1, and the cold start bar names its phases with durations.
    expect((await row.locator("td").nth(2).textContent())?.trim()).toBe("1");
    // The instance wait comes from the engine watch, which polls Docker every second: wait for its phase.
    const coldStart = async () => (await row.getByRole("img").getAttribute("aria-label")) ?? "";
    await expect.poll(coldStart, { timeout: 15_000 }).toMatch(/instance wait: \d+ ms/);
    expect(await coldStart()).toMatch(/ports 8080, 9090: \d+ ms/);
    expect(await coldStart()).toMatch(/readyOn: \d+ ms/);

    // The timeline shows the start and ready events of that instance.
    const timeline = page.getByRole("list", { name: "lifecycle events" });
    await expect.poll(() => timeline.getByText("renderer / insp-1").count()).toBeGreaterThanOrEqual(2);
    expect(
      await timeline.locator("li").filter({ hasText: "renderer / insp-1" }).filter({ hasText: "ready" }).count(),
    ).toBe(1);

    // The request: what was asked (method and path), its status, how many attempts it took and what it waited.
    const requests = page.getByRole("table", { name: "requests" });
    const request = requests.getByRole("row").filter({ hasText: "renderer / insp-1" }).first();
    await expect.poll(() => request.count()).toBe(1);
    const cells = request.locator("td");
    expect((await cells.nth(2).textContent())?.trim()).toBe("GET /info");
    expect(await request.getByText("200", { exact: true }).count()).toBe(1);
    expect(Number((await cells.nth(4).textContent())?.trim())).toBeGreaterThanOrEqual(1); // attempts
    expect((await cells.nth(5).textContent())?.trim()).toMatch(/^\d+ ms$/); // wait
  });

  test("the events list grows as more instances start, live, without reloading", async () => {
    const app = dev as Dev;
    const count = await timelineCount(page);
    expect(count).toBeGreaterThanOrEqual(2);
    expect((await app.app.fetch("/thumbs/insp-2/info")).status).toBe(200);
    await expect.poll(() => instanceRow(page, "thumbnailer", "insp-2").count(), { timeout: 15_000 }).toBe(1);
    await expect.poll(() => timelineCount(page), { timeout: 15_000 }).toBeGreaterThan(count);
    expect(await page.getByText("No instance yet: the first request to it starts one.").count()).toBe(4);
  });

  test("bridge calls show the caller, the mode, the identity the function got and the function", async () => {
    const app = dev as Dev;
    const bridge = page.getByRole("table", { name: "bridge calls" });
    const rows = (mode: string) =>
      bridge.getByRole("row").filter({ hasText: "renderer / insp-1" }).filter({ hasText: mode });

    const zero = await app.app.fetch("/docs/insp-1/callback", {
      method: "POST",
      body: JSON.stringify({ mode: "zero-config", docId: "insp-1" }),
    });
    expect(zero.status).toBe(200);
    await expect.poll(() => rows("zero-config").count(), { timeout: 15_000 }).toBeGreaterThanOrEqual(4);
    const whoami = rows("zero-config").filter({ hasText: "jobs:whoami" }).first();
    expect(await whoami.getByText("container renderer / insp-1", { exact: true }).count()).toBe(1);
    expect(await whoami.locator(".badge").textContent()).toBe("200");

    // Token mode: the container called APP_URL, which its outbound handler routes into the Worker's fetch; the
    // endpoint checked the token and names the container it came from.
    const token = await app.app.fetch("/docs/insp-1/callback", {
      method: "POST",
      body: JSON.stringify({ mode: "token", docId: "insp-1" }),
    });
    expect(token.status).toBe(200);
    await expect.poll(() => rows("token").count(), { timeout: 15_000 }).toBeGreaterThanOrEqual(4);
    const tokenCall = rows("token").filter({ hasText: "jobs:markDone" }).first();
    expect(await tokenCall.getByText("token MOORAGE_CONTAINER_TOKEN", { exact: true }).count()).toBe(1);
    expect(await tokenCall.getByText("via app.internal").count()).toBe(1);
    expect(await tokenCall.locator(".badge").textContent()).toBe("200");

    // A wrong token: the same path, an anonymous identity, refused.
    await app.app.fetch("/docs/insp-1/callback", {
      method: "POST",
      body: JSON.stringify({ mode: "bad-token", docId: "insp-1" }),
    });
    const refused = rows("token").filter({ hasText: "anonymous" }).filter({ hasText: "jobs:markDone" });
    await expect.poll(() => refused.count(), { timeout: 15_000 }).toBeGreaterThanOrEqual(1);
    expect(await refused.first().locator(".badge").textContent()).toBe("401");
  });

  test("an egress decision shows the host, that it was denied, and by which rule", async () => {
    const app = dev as Dev;
    const response = await app.app.fetch(
      `/fetch/insp-3?url=${encodeURIComponent("http://evil.cdn.media.test/payload")}`,
    );
    expect(response.status).toBe(200); // the fetcher answered; its own outbound call was refused
    const egress = page.getByRole("table", { name: "egress decisions" });
    const decision = egress.getByRole("row").filter({ hasText: "evil.cdn.media.test" });
    await expect.poll(() => decision.count(), { timeout: 15_000 }).toBeGreaterThanOrEqual(1);
    // The verdict badge, and the rule that made it: the deny list, and its entry.
    expect(await decision.first().locator(".badge").textContent()).toBe("denied");
    expect(await decision.first().locator("td").nth(4).textContent()).toBe("denied (evil.cdn.media.test)");
    expect(await decision.first().getByText("fetcher / insp-3").count()).toBe(1);

    // An allowed host, answered by the app's outbound handler: allowed, by the handler for "*.media.test".
    const partner = await app.app.fetch(`/fetch/insp-3?url=${encodeURIComponent("http://partner.media.test/feed")}`);
    expect(partner.status).toBe(200);
    const allowed = egress.getByRole("row").filter({ hasText: "partner.media.test" });
    await expect.poll(() => allowed.count(), { timeout: 15_000 }).toBeGreaterThanOrEqual(1);
    expect(await allowed.first().locator(".badge").textContent()).toBe("allowed");
    expect(await allowed.first().locator("td").nth(4).textContent()).toMatch(/^handler \((partner|\*)\.media\.test\)$/);
  });

  test("a crash's stop event carries the container's last output lines on the timeline", async () => {
    const app = dev as Dev;
    // An entity thumbnailer told to die: its next /thumb logs "dying-mid-request" and exits 1 mid-request.
    expect((await app.app.fetch("/thumbs/insp-crash/poison", { method: "POST", body: '{"mode":"die"}' })).status).toBe(
      200,
    );
    // (A GET is idempotent: Moorage sends it again to a fresh container, so the caller may still get a 200.)
    await app.app.fetch("/thumbs/insp-crash/thumb");
    const timeline = page.getByRole("list", { name: "lifecycle events" });
    const crash = timeline
      .locator("li")
      .filter({ hasText: "thumbnailer / insp-crash" })
      .filter({ hasText: "exit 1, crash" });
    await expect.poll(() => crash.count(), { timeout: 30_000 }).toBe(1);
    // moorage dev read the crashed container's last lines from the engine and added them to the stop event.
    await expect.poll(async () => (await crash.textContent()) ?? "", { timeout: 15_000 }).toContain("last lines:");
    const text = (await crash.textContent()) ?? "";
    expect(text).toContain('"event":"poison"');
    expect(text).toContain('"event":"dying-mid-request"');
    // wrangler's own line of the event is the object's, without the lines (only moorage dev adds them).
    const stopLine = app
      .output()
      .split("\n")
      .find((l) => l.includes('"event":"stop"') && l.includes('"instance":"insp-crash"'));
    expect(stopLine).toContain('"reason":"crash"');
    expect(stopLine).not.toContain("lastLines");
  });

  test("the container's own log lines are shown", async () => {
    await page.getByRole("tab", { name: "renderer / insp-1" }).click();
    const logs = page.getByRole("log", { name: "logs of renderer / insp-1" });
    await expect.poll(async () => ((await logs.textContent()) ?? "").length, { timeout: 15_000 }).toBeGreaterThan(0);
    expect(await logs.textContent()).not.toBe("(nothing printed yet)");

    const shot = process.env.MOORAGE_INSPECTOR_SCREENSHOT;
    if (shot) {
      // Let one more engine poll land, so every cold start on the picture has its phases.
      await page.waitForTimeout(1500);
      await page.screenshot({ path: shot, fullPage: true });
    }
  });
});
