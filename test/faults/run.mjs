#!/usr/bin/env node
/**
 * `npm run faults`: bundles test/faults/main.ts and runs it (arguments pass through, e.g. `--only herd-50`); the
 * bundling, and why, is bench/lib/bundle.mjs's.
 */
import { bundleAndRun } from "../../bench/lib/bundle.mjs";

await bundleAndRun("npm run faults", "test/faults/main.ts", "faults.mjs");
