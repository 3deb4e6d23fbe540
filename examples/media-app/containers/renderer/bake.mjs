/**
 * Runs during `docker build` (exec-form RUN: the base image may have no shell) and bakes the build args into
 * the image as build-info.json. Why: `buildArgs` are build-time only; a file in the image is the proof they
 * reached the build, since they are absent from the running container's environment.
 */
import { writeFileSync } from "node:fs";

const info = {
  renderEngine: process.env.RENDER_ENGINE ?? null,
  buildTarget: process.env.BUILD_TARGET ?? null,
  builtAt: new Date().toISOString(),
};
writeFileSync(new URL("./build-info.json", import.meta.url), `${JSON.stringify(info)}\n`);
console.log("baked", info);
