/**
 * Suites: `unit` (Node, fakes, fast; tests live beside the code they test), `real` (real workerd via wrangler,
 * real Docker containers; one file at a time because they share one Docker engine) and `workers` (the
 * examples/worker-tests example: Worker tests inside workerd with `@cloudflare/vitest-pool-workers`).
 */

import { fileURLToPath } from "node:url";
import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  test: {
    // The summary reporter ends the run with per-suite counts, e.g. "real-container tests: 24 passed, 0 failed".
    reporters: ["default", "./test/support/summary-reporter.ts"],
    projects: [
      {
        // `cloudflare:workers` exists only in workerd: the unit suite swaps in a minimal stand-in so the Durable
        // Object base class runs under Node against a fake `ctx.container` (src/do/testing/fake-context.ts).
        resolve: {
          alias: {
            "cloudflare:workers": fileURLToPath(new URL("./src/do/testing/cloudflare-workers.ts", import.meta.url)),
          },
        },
        test: {
          name: "unit",
          // Several unit tests run tsc, wrangler or esbuild in a child process: on a busy 2-core machine they take
          // far longer than vitest's 5 s default. A timeout is a hang guard here, never a performance assertion.
          testTimeout: 60_000,
          include: ["src/**/*.test.ts", "test/unit/**/*.test.ts"],
          environment: "node",
        },
      },
      {
        // A user's Worker tests in the Workers pool, as examples/worker-tests/README.md sets them up. The example
        // imports "moorage" like an app; here it resolves to this checkout's sources, so no build is needed.
        root: here("./examples/worker-tests"),
        plugins: [cloudflareTest({ wrangler: { configPath: "./wrangler.jsonc" } })],
        resolve: {
          alias: [
            { find: /^moorage$/, replacement: here("./src/index.ts") },
            { find: /^moorage\/internal$/, replacement: here("./src/internal/index.ts") },
          ],
        },
        test: {
          name: "workers",
          include: ["test/**/*.test.ts"],
          globalSetup: ["./test/global-setup.ts"],
        },
      },
      {
        test: {
          name: "real",
          include: ["test/real/**/*.test.ts"],
          environment: "node",
          testTimeout: 180_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
