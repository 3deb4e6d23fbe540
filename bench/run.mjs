#!/usr/bin/env node
/**
 * `npm run bench`: bundles bench/main.ts and runs it (arguments pass through, e.g. `--only warm`); the bundling,
 * and why, is bench/lib/bundle.mjs's. The bench itself lives in bench/main.ts.
 */
import { bundleAndRun } from "./lib/bundle.mjs";

await bundleAndRun("npm run bench", "bench/main.ts", "main.mjs");
