/**
 * `npm run demo`'s closing text: the pages it lists are ones the example app serves from its own assets, with
 * their full URLs, and its wait-progress counts an image built under either of wrangler dev's tag shapes.
 */
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { DEMO_PAGES, imagesBuilt, tryItText } from "../../scripts/demo-text.mjs";

const PUBLIC = resolve(fileURLToPath(new URL("../../examples/media-app/public", import.meta.url)));

describe("the demo's closing text", () => {
  it("lists the terminal page and the journal page as full URLs, each a page the app serves", () => {
    const text = tryItText("http://127.0.0.1:8787", "f-1");
    expect(text).toContain("http://127.0.0.1:8787/terminal?id=doc-1");
    expect(text).toContain("http://127.0.0.1:8787/journal?id=notes-1");
    for (const page of DEMO_PAGES) {
      expect(existsSync(join(PUBLIC, page.asset)), page.asset).toBe(true);
      // wrangler's assets serve /<name> from <name>.html (html_handling "auto-trailing-slash", the default).
      expect(new URL(page.path, "http://x").pathname).toBe(`/${page.asset.replace(/\.html$/, "")}`);
    }
    expect(text).toContain("curl -X POST http://127.0.0.1:8787/journal/notes-1/stop");
    expect(text).toContain("ws://127.0.0.1:8787/docs/doc-1/preview");
  });

  it("counts plain and named (durable_object) images as built", () => {
    const repos = [
      "cloudflare-dev/renderercontainer",
      "cloudflare-dev/journalcontainer-default-3262c2e1a4d9",
      "other/x",
    ];
    expect(imagesBuilt(["RendererContainer", "JournalContainer", "FetcherContainer"], repos)).toBe(2);
  });
});
