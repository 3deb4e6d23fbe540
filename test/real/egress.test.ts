/**
 * Issue 4 §4 item 7: with `enableInternet: false`, an allowed host is reachable (through the app's outbound
 * handler, which forwards to this test's own HTTP server on loopback), a denied or unlisted host is refused,
 * and `egress.allow(host)` at run time opens a host for that one instance only.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, describe, expect, test } from "vitest";
import { mediaAppSkipped, useMediaApp } from "../fixtures/real-media-app/suite.js";

/** The partner server: what actually answers for partner hosts, on loopback. Records every request it gets. */
const seen: Array<{ host: string | undefined; path: string | undefined }> = [];
let partner: Server | undefined;

const app = useMediaApp({
  devVars: async () => {
    partner = createServer((req: IncomingMessage, res) => {
      seen.push({ host: req.headers["x-partner-host"] as string | undefined, path: req.url });
      res.writeHead(200, { "content-type": "text/plain" });
      res.end(`partner says hi to ${req.url}`);
    });
    await new Promise<void>((resolve) => partner?.listen(0, "127.0.0.1", resolve));
    return { PARTNER_ORIGIN: `http://127.0.0.1:${(partner.address() as AddressInfo).port}` };
  },
});

afterAll(() => new Promise<void>((resolve) => (partner ? partner.close(() => resolve()) : resolve())));

type Fetched = { reached: boolean; status?: number; body?: string; error?: string };
const fetchFrom = (id: string, url: string) => app.client.json<Fetched>(`/fetch/${id}?url=${encodeURIComponent(url)}`);

describe.skipIf(mediaAppSkipped)("egress", () => {
  test("an allowed host is reachable, exact and by glob", async () => {
    const exact = await fetchFrom("egress-a", "http://partner.media.test/catalog.json");
    expect(exact.body, JSON.stringify(exact.body)).toMatchObject({ reached: true, status: 200 });
    expect(exact.body.body).toBe("partner says hi to /catalog.json");
    const glob = await fetchFrom("egress-a", "http://img.cdn.media.test/cover.png");
    expect(glob.body).toMatchObject({ reached: true, status: 200 });
    expect(seen).toEqual(
      expect.arrayContaining([
        { host: "partner.media.test", path: "/catalog.json" },
        { host: "img.cdn.media.test", path: "/cover.png" },
      ]),
    );
  });

  test("a denied host (even inside an allowed glob) and an unlisted host are refused", async () => {
    const before = seen.length;
    const denied = await fetchFrom("egress-a", "http://evil.cdn.media.test/payload");
    const unlisted = await fetchFrom("egress-a", "http://unlisted.example.org/");
    for (const r of [denied, unlisted]) {
      expect(r.status).toBe(200); // the fetcher itself answered ...
      expect(r.body.reached, JSON.stringify(r.body)).toBe(false); // ... and its outbound call was refused
    }
    expect(seen.length).toBe(before);
  });

  test("egress.allow(host) opens the host for that instance only", async () => {
    const url = "http://late.media.test/feed";
    expect((await fetchFrom("egress-a", url)).body.reached).toBe(false);
    const allowed = await app.client.json("/fetch/egress-a/allow", { jsonBody: { host: "late.media.test" } });
    expect(allowed.status).toBe(200);
    const after = await fetchFrom("egress-a", url);
    expect(after.body, JSON.stringify(after.body)).toMatchObject({ reached: true, status: 200 });
    const other = await fetchFrom("egress-b", url);
    expect(other.body.reached, JSON.stringify(other.body)).toBe(false);
  });
});
