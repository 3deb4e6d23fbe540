/**
 * Issue 5's real checks: a container (the renderer) calls the app's query, mutation and action through
 * `moorage/bridge` in token mode and in zero-config mode, and the bridge says which mode it is in; a wrong or missing
 * token is refused; a token at the zero-config URL is refused before any call; in zero-config mode the function
 * sees the calling container and instance; the action drives another container (the transcoder) through
 * `ctx.containers`.
 */
import { describe, expect, test } from "vitest";
import { setupConstants } from "../fixtures/real-media-app/constants.js";
import { mediaAppSkipped, useMediaApp } from "../fixtures/real-media-app/suite.js";

const app = useMediaApp();

type Outcome = { ok: boolean; result?: unknown; status?: number; code?: string; message?: string };
type Callback = Record<"jobs:whoami" | "jobs:listPending" | "jobs:markDone" | "jobs:transcode", Outcome> & {
  bridgeMode?: string;
  refused?: { code?: string; message?: string };
};

const callback = (id: string, mode: string, docId: string) =>
  app.client.json<Callback>(`/docs/${id}/callback`, { jsonBody: { mode, docId } });

describe.skipIf(mediaAppSkipped)("the container-to-app bridge", () => {
  test("zero-config: query, mutation and action succeed and see the calling container and instance", async () => {
    const r = await callback("bridge-zero", "zero-config", "doc-1");
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    const { body } = r;
    expect(body.bridgeMode).toBe("zero-config");
    expect(body["jobs:whoami"], JSON.stringify(body)).toEqual({
      ok: true,
      result: { kind: "container", container: "renderer", instance: "bridge-zero" },
    });
    expect(body["jobs:listPending"].ok).toBe(true);
    expect(body["jobs:markDone"]).toMatchObject({
      ok: true,
      result: { id: "doc-1", done: true, doneBy: "renderer/bridge-zero" },
    });
    // The action ran jobs:transcode, which drove the transcoder container for doc-1 via ctx.containers.
    expect(body["jobs:transcode"]).toMatchObject({ ok: true, result: { docId: "doc-1", format: "webm" } });
    const transcoder = await app.client.json<{ bootId: string }>("/transcode/doc-1/info");
    expect((body["jobs:transcode"].result as { transcoderBoot: string }).transcoderBoot).toBe(transcoder.body.bootId);
  });

  test("token mode: the right token is accepted", async () => {
    const { body, status } = await callback("bridge-token", "token", "doc-2");
    expect(status).toBe(200);
    // APP_URL (http://app.internal) is routed by the renderer's outbound handler into the Worker's own fetch: the
    // RPC endpoint checks the bearer token there, like any public call.
    expect(body.bridgeMode).toBe("token");
    expect(body["jobs:whoami"], JSON.stringify(body)).toMatchObject({ ok: true, result: { kind: "token" } });
    expect(body["jobs:markDone"]).toMatchObject({ ok: true, result: { id: "doc-2", done: true } });
    expect(body["jobs:transcode"]).toMatchObject({ ok: true, result: { docId: "doc-2" } });
  });

  test("token mode: a wrong or missing token is refused with 401", async () => {
    for (const mode of ["bad-token", "no-token"]) {
      const { body } = await callback("bridge-refused", mode, "doc-3");
      for (const path of ["jobs:whoami", "jobs:listPending", "jobs:markDone", "jobs:transcode"] as const) {
        expect(body[path], `${mode} ${path}: ${JSON.stringify(body[path])}`).toMatchObject({ ok: false, status: 401 });
      }
    }
  });

  test("a token with the zero-config URL is refused inside the container, naming the fix", async () => {
    const { body, status } = await callback("bridge-token", "zero-config-with-token", "doc-4");
    expect(status).toBe(200);
    expect(body.refused?.code, JSON.stringify(body)).toBe("invalid-option");
    expect(body.refused?.message).toMatch(/a token is never checked in zero-config mode/);
    expect(body.refused?.message).toMatch(/pass baseUrl: the Worker's URL/);
  });

  test("the RPC endpoint answers plain HTTP (what curl or a non-JS container sends)", async () => {
    const call = (token?: string) =>
      app.client.json<{ result?: unknown; error?: { code: string } }>("/_moorage/rpc", {
        jsonBody: { functionPath: "jobs:listPending", args: { limit: 1 } },
        headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
      });
    expect((await call()).status).toBe(401);
    expect((await call("nope")).status).toBe(401);
    const ok = await call(setupConstants.bridgeToken);
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect(Array.isArray(ok.body.result)).toBe(true);
  });
});
