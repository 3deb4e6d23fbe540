/**
 * Issue 4 §4 items 5–6: `requiredPorts` + `port(n)` reach both ports (the default port when none is picked);
 * `buildArgs` are baked into the image; `env`, `secrets` (.dev.vars) and `secretsStore` (wrangler's local
 * Secrets Store, seeded by the example's setup) reach the container; a missing secret fails the start with a
 * message that says which variable and where to set it.
 */
import { createHash } from "node:crypto";
import { describe, expect, test } from "vitest";
import { dockerPs } from "../fixtures/real-media-app/app.js";
import { mediaAppSkipped, useMediaApp } from "../fixtures/real-media-app/suite.js";

const app = useMediaApp();
const fingerprint = (value: string) => createHash("sha256").update(value).digest("hex").slice(0, 16);

describe.skipIf(mediaAppSkipped)("ports, build args, env and secrets", () => {
  test("port(9090) reaches the admin port; no port picks the default 8080; one container serves both", async () => {
    const main = await app.client.json<{ port: number; bootId: string }>("/docs/ports-1/info");
    const admin = await app.client.json<{ port: number; bootId: string }>("/docs/ports-1/admin");
    expect(main.status).toBe(200);
    expect(admin.status).toBe(200);
    expect(main.body.port).toBe(8080);
    expect(admin.body.port).toBe(9090);
    expect(admin.body.bootId).toBe(main.body.bootId);
  });

  test("buildArgs are baked into the image at build time", async () => {
    const r = await app.client.json<{ renderEngine: string; buildTarget: string }>("/docs/ports-1/build-info");
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ renderEngine: "woff2-typeset", buildTarget: "test" });
  });

  test("env, secrets and Secrets Store values reach the container's environment", async () => {
    const { setupConstants } = await import("../fixtures/real-media-app/constants.js");
    const r = await app.client.json<Record<string, string | null>>("/docs/ports-1/env");
    expect(r.status).toBe(200);
    expect(r.body.RENDER_QUALITY).toBe("high");
    expect(r.body.RENDER_API_KEY).toBe(fingerprint(setupConstants.renderApiKey));
    expect(r.body.MOORAGE_CONTAINER_TOKEN).toBe(fingerprint(setupConstants.bridgeToken));
    expect(r.body.SIGNING_KEY).toBe(fingerprint(setupConstants.signingKey));
    expect(r.body.MOORAGE_URL).toBe("http://moorage.internal");
  });

  test("a missing secret fails the start with a directed message, and no container runs", async () => {
    const before = await dockerPs("ArchiverContainer");
    const r = await app.client.json<{ error?: string; message?: string }>("/archive/report-1");
    expect(r.status).toBeGreaterThanOrEqual(500);
    const text = JSON.stringify(r.body);
    expect(text).toContain("ARCHIVE_TOKEN");
    expect(text).toContain(".dev.vars");
    expect(await dockerPs("ArchiverContainer")).toHaveLength(before.length);
  });
});
