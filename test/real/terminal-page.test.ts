/**
 * The example app's terminal page in a real browser: Debian's Chromium driven by Playwright opens
 * /terminal?id=... of the media app (real wrangler, real containers), and the test acts and looks as a person
 * does: the page says it is connected and shows the shell's prompt, a command typed on the keyboard shows its
 * output on the terminal's screen, `exit 5` shows the exit code, and the exec form beside it shows a command's
 * output; the terminal fits the window and a window resize reaches the PTY (the program sees the new size). xterm.js comes from the app's own assets (the page would stay blank if it had to be fetched from outside).
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

  test("the terminal fits the window, and the PTY sees the new size when the window is resized", async () => {
    const page = await (browser as LaunchedBrowser).context.newPage();
    await page.setViewportSize({ width: 1200, height: 800 });
    await page.goto(`${app.client.baseUrl}/terminal?id=term-page-2`);
    await expect.poll(() => page.locator("#status").textContent(), { timeout: 60_000 }).toBe("connected");
    await expect.poll(() => screen(page), { timeout: 30_000 }).toContain("#");
    const large = (await page.locator("#size").textContent()) ?? "";
    expect(large).toMatch(/^\d+x\d+$/);
    expect(large).not.toBe("100x28"); // the size the page used to be fixed at
    // What the program in the PTY sees (the image has no `stty`); the command line itself has no "<n>x<n>".
    const askSize = async () => {
      await page.locator("#terminal").click();
      await page.keyboard.type(`node -p "process.stdout.columns + 'x' + process.stdout.rows"`);
      await page.keyboard.press("Enter");
    };
    await askSize();
    await expect.poll(() => screen(page), { timeout: 30_000 }).toMatch(new RegExp(`(?<!\\d)${large}(?!\\d)`));

    await page.setViewportSize({ width: 800, height: 560 });
    await expect.poll(() => page.locator("#size").textContent(), { timeout: 10_000 }).not.toBe(large);
    const small = (await page.locator("#size").textContent()) ?? "";
    const [wide, tall] = large.split("x").map(Number);
    const [narrow, short] = small.split("x").map(Number);
    expect(narrow).toBeLessThan(wide as number);
    expect(short).toBeLessThan(tall as number);
    await askSize();
    const answer = new RegExp(`(?<!\\d)${small}(?!\\d)`); // the new answer, not a part of the old one
    await expect.poll(() => screen(page), { timeout: 30_000 }).toMatch(answer);
    await page.close();
  });
});
