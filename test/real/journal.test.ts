/**
 * The example app's persisted entity (the `journal` container: `schedulingPolicy: "durable_object"`,
 * `persist: ["/data"]`) with real wrangler and real containers, started as `moorage dev` starts it (the config's
 * compatibility flags plus `experimental` on the command line, see src/cli/local-flags.ts): an entry written to
 * /data comes back in a new container run after `stop()` and after an idle sleep (`sleepAfter`, 3 s in the test
 * profile), and the journal page in Chromium lets a person do the same (add, stop, load again).
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { mediaAppSkipped, useMediaApp } from "../fixtures/real-media-app/suite.js";
import { browserUnavailable, type LaunchedBrowser, launchBrowser } from "../support/browser.js";

const app = useMediaApp({ persist: true });

interface Persisted {
  image: string;
  reason: string;
  dirs: { dir: string; id: string; size: number }[];
}
interface Journal {
  entries: string[];
  bootId: string;
  snapshots: { persisted?: Persisted };
}

/** The snapshot volumes this file saw taken (removed in afterAll; nothing else on the shared engine is touched). */
const volumes = new Set<string>();
const seen = (persisted: Persisted | undefined) => {
  for (const d of persisted?.dirs ?? []) volumes.add(`workerd-snap-${d.id}`);
};
/** Stops the entity (so no idle sleep takes a snapshot after the test) and records what it snapshotted. */
const stopAndTrack = async (id: string) => {
  const { body } = await app.client.json<{ snapshots: { persisted?: Persisted } }>(`/journal/${id}/stop`, {
    method: "POST",
  });
  seen(body.snapshots.persisted);
  return body;
};
afterAll(async () => {
  if (volumes.size > 0) {
    await promisify(execFile)("docker", ["volume", "rm", ...volumes]).catch(() => undefined);
  }
}, 60_000);

const entries = (id: string) => app.client.json<Journal>(`/journal/${id}/entries`);
const add = (id: string, text: string) =>
  app.client.json<Journal>(`/journal/${id}/entries`, { method: "POST", body: text });

describe.skipIf(mediaAppSkipped)("the example's persisted journal entity (real containers)", () => {
  test("an entry in /data survives stop(): the next request starts a new container with /data restored", async () => {
    const written = await add("journal-stop", "written before the stop");
    expect(written.status).toBe(200);
    expect(written.body.entries).toEqual([expect.stringMatching(/ written before the stop$/)]);

    const stopped = await app.client.json<{ state: { status: string }; snapshots: { persisted: Persisted } }>(
      "/journal/journal-stop/stop",
      { method: "POST" },
    );
    expect(stopped.body.state.status).toMatch(/^stopped/);
    expect(stopped.body.snapshots.persisted).toMatchObject({ image: "default", reason: "requested" });
    expect(stopped.body.snapshots.persisted.dirs.map((d) => d.dir)).toEqual(["/data"]);
    expect(stopped.body.snapshots.persisted.dirs[0]?.size).toBeGreaterThan(0);
    seen(stopped.body.snapshots.persisted);

    const again = await entries("journal-stop");
    expect(again.body.bootId).not.toBe(written.body.bootId);
    expect(again.body.entries).toEqual(written.body.entries);
    expect(app.logs()).toMatch(/"kind":"directories"[^\n]*"event":"restore"/);
    await stopAndTrack("journal-stop");
  }, 120_000);

  test("an idle sleep (sleepAfter) snapshots /data too: the entry is back at the next start", async () => {
    const written = await add("journal-sleep", "written before the sleep");
    expect(written.status).toBe(200);
    await app.client.until(
      "the idle journal to sleep",
      async () => (await app.client.status("journal", "journal-sleep")).startsWith("stopped"),
      30_000,
    );
    const state = await app.client.json<{ state: { status: string } }>("/state/journal/journal-sleep");
    expect(state.body.state.status).toMatch(/^stopped/);

    const again = await entries("journal-sleep");
    expect(again.body.bootId).not.toBe(written.body.bootId);
    expect(again.body.entries).toEqual(written.body.entries);
    expect(again.body.snapshots.persisted).toMatchObject({ reason: "sleep" });
    seen(again.body.snapshots.persisted);
    expect(app.logs()).toMatch(/"event":"snapshot"[^\n]*"reason":"sleep"|"reason":"sleep"[^\n]*"event":"snapshot"/);
    await stopAndTrack("journal-sleep");
  }, 120_000);
});

const noBrowser = mediaAppSkipped || browserUnavailable();
let browser: LaunchedBrowser | undefined;
beforeAll(async () => {
  if (!noBrowser) browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

const runLine = async (page: Page) => (await page.locator("#run").textContent()) ?? "";

describe.skipIf(noBrowser)("the journal page (Chromium)", () => {
  test("add an entry, stop the container, load again: the entry is back, served by another container run", async () => {
    const page = await (browser as LaunchedBrowser).context.newPage();
    await page.goto(`${app.client.baseUrl}/journal?id=journal-page`);
    await expect.poll(() => page.locator("#status").textContent(), { timeout: 60_000 }).toBe("running");
    await page.locator("#text").fill("typed on the page");
    await page.getByRole("button", { name: "Add" }).click();
    await expect.poll(() => page.locator("#entries").textContent(), { timeout: 30_000 }).toContain("typed on the page");
    const firstRun = /container run (\S+);/.exec(await runLine(page))?.[1];
    expect(firstRun).toBeTruthy();

    await page.getByRole("button", { name: "Stop the container" }).click();
    await expect
      .poll(() => page.locator("#status").textContent(), { timeout: 30_000 })
      .toMatch(/^stopped.*last snapshot: \/data \(\d+ bytes\), reason requested/);
    await stopAndTrack("journal-page"); // already stopped: records the snapshot the page's stop took

    await page.getByRole("button", { name: /Load entries/ }).click();
    await expect.poll(() => page.locator("#status").textContent(), { timeout: 60_000 }).toBe("running");
    expect(await page.locator("#entries").textContent()).toContain("typed on the page");
    expect(await runLine(page)).not.toContain(String(firstRun));
    await page.close();
    await stopAndTrack("journal-page");
  }, 150_000);
});
