/**
 * The example app's terminal page in a real browser: Debian's Chromium driven by Playwright opens
 * /terminal?id=... of the media app (real wrangler, real containers), and the test acts and looks as a person
 * does: the page says it is connected and shows the shell's prompt, a command typed on the keyboard shows its
 * output on the terminal's screen, `exit 5` shows the exit code, and the exec form beside it shows a command's
 * output. xterm.js comes from the app's own assets (the page would stay blank if it had to be fetched from outside).
 */
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { mediaAppSkipped, useMediaApp } from "../fixtures/real-media-app/suite.js";
import { browserUnavailable, type LaunchedBrowser, launchBrowser } from "../support/browser.js";

const skipped = mediaAppSkipped || browserUnavailable();
const app = useMediaApp();
let browser: LaunchedBrowser | undefined;

beforeAll(async () => {
  if (!skipped) browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

/** The terminal's screen as drawn (xterm.js's DOM renderer: one element per row). */
const screen = async (page: Page) => (await page.locator(".xterm-rows").textContent()) ?? "";

describe.skipIf(skipped)("the example app's terminal page (Chromium)", () => {
  test("a typed command's output appears on the terminal; exit shows the code; the exec form runs a command", async () => {
    const page = await (browser as LaunchedBrowser).context.newPage();
    const failed: string[] = [];
    page.on("requestfailed", (r) => failed.push(r.url()));
    await page.goto(`${app.client.baseUrl}/terminal?id=term-page-1`);
    await expect.poll(() => page.locator("#status").textContent(), { timeout: 60_000 }).toBe("connected");
    await expect.poll(() => screen(page), { timeout: 30_000 }).toContain("#");

    await page.locator("#terminal").click();
    await page.keyboard.type("echo typed-$((6 * 7))");
    await page.keyboard.press("Enter");
    await expect.poll(() => screen(page), { timeout: 30_000 }).toContain("typed-42");

    await page.locator("#cmd").fill("echo from-exec; exit 3");
    await page.getByRole("button", { name: "Run" }).click();
    await expect.poll(() => page.locator("#output").textContent(), { timeout: 30_000 }).toContain("from-exec");
    expect((await page.locator("#output").textContent()) ?? "").toContain("(exit code 3)");

    await page.locator("#terminal").click();
    await page.keyboard.type("exit 5");
    await page.keyboard.press("Enter");
    await expect.poll(() => page.locator("#status").textContent(), { timeout: 30_000 }).toBe("exited with code 5");
    // Everything the page loaded came from the app itself.
    expect(failed).toEqual([]);
    await page.close();
  });
});
