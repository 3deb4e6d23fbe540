/**
 * Two suites: `unit` (Node, fakes, fast; tests live beside the code they test) and `real` (real workerd via
 * wrangler, real Docker containers; one file at a time because they share one Docker engine).
 */
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["src/**/*.test.ts", "test/unit/**/*.test.ts"],
          environment: "node",
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
