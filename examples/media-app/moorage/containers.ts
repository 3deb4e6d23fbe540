/**
 * The media app's containers. `moorage generate` turns each export into a Durable Object class, a binding
 * (`CONTAINER_RENDERER`, ...) and a key on the typed `containers(env)` client; `moorage sync` writes the matching
 * `containers[]`, bindings and migrations into wrangler.jsonc.
 *
 * Two profiles, picked when this file is evaluated (by `moorage generate`): the default ("demo") uses timings a
 * person can watch; `MEDIA_APP_PROFILE=test` shortens them so the real-container suite runs in seconds. Every
 * Dockerfile says `FROM node:22-slim`, what production builds on; nothing here names a local image (under
 * `moorage dev` the local engine swaps in its registry-free stand-in by itself).
 */
import { defineContainer } from "moorage";

const test = process.env.MEDIA_APP_PROFILE === "test";

/** One renderer per document: `containers.renderer.get(docId)`. */
export const renderer = defineContainer({
  image: "./containers/Dockerfile.renderer",
  defaultPort: 8080,
  requiredPorts: [8080, 9090], // app + admin; start-up waits for both
  sleepAfter: test ? "4s" : "2m",
  readyOn: [{ path: "/ready" }, { path: "/admin/ready", port: 9090 }],
  readyTimeout: test ? "6s" : "30s",
  buildArgs: { RENDER_ENGINE: "woff2-typeset", BUILD_TARGET: test ? "test" : "demo" },
  env: {
    RENDER_QUALITY: "high",
    // The renderer warms its font cache before /ready answers 200; readyOn keeps traffic away until then.
    READY_DELAY_MS: test ? "1500" : "1000",
    // Token-mode bridge target. In production: your Worker's public URL. Locally the Worker routes this host
    // back into itself (see src/outbound.ts), since a container cannot reach wrangler dev's loopback port.
    APP_URL: "http://app.internal",
  },
  secrets: ["RENDER_API_KEY", "MOORAGE_CONTAINER_TOKEN"], // from .dev.vars locally, `wrangler secret put` in prod
  secretsStore: { SIGNING_KEY: "SIGNING_KEYS" }, // env.SIGNING_KEYS.get() -> SIGNING_KEY
  labels: { team: "media", tier: "render" },
});

/** Stateless thumbnails from a fixed pool of three: `any()` for spreading, `pool({ attempts })` for failover. */
export const thumbnailer = defineContainer({
  image: "./containers/Dockerfile.thumbnailer",
  maxInstances: 3,
  sleepAfter: test ? "20s" : "5m",
  labels: { team: "media", tier: "thumbs" },
});

/** Downloads source media from partners only: no internet except the listed hosts. */
export const fetcher = defineContainer({
  image: "./containers/Dockerfile.fetcher",
  sleepAfter: test ? "20s" : "5m",
  enableInternet: false,
  allowedHosts: ["partner.media.test", "*.cdn.media.test"],
  deniedHosts: ["evil.cdn.media.test"], // wins over the allow-list
  labels: { team: "media", tier: "ingest" },
});

/** Transcoding jobs: slow to boot (codecs), capped at a hard lifetime whatever they are doing. */
export const transcoder = defineContainer({
  image: "./containers/Dockerfile.transcoder",
  sleepAfter: test ? "30s" : "5m",
  hardTimeout: test ? "8s" : "10m",
  env: { START_DELAY_MS: test ? "2500" : "1500" },
  labels: { team: "media", tier: "jobs" },
});

/** Archiving needs ARCHIVE_TOKEN, which .dev.vars leaves unset: calling it shows the fail-closed start. */
export const archiver = defineContainer({
  image: "./containers/Dockerfile.archiver",
  sleepAfter: test ? "10s" : "2m",
  secrets: ["ARCHIVE_TOKEN"],
  labels: { team: "media", tier: "archive" },
});

/**
 * One journal per id (`get(id)`), whose /data outlives its container: under the `durable_object` policy Moorage
 * snapshots /data when the run stops (`stop()`, `sleepAfter`, `hardTimeout`) and restores it at the next start.
 * Locally that needs workerd's `experimental` compatibility flag, which `moorage dev` adds by itself (Cloudflare
 * refuses it on deploy, and production needs none): see the example's README.
 */
export const journal = defineContainer({
  image: "./containers/Dockerfile.journal",
  schedulingPolicy: "durable_object",
  persist: ["/data"],
  sleepAfter: test ? "3s" : "1m",
  labels: { team: "media", tier: "entities" },
});
