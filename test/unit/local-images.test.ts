/**
 * Issue 13 §2: nothing local-only may reach what `moorage deploy` builds. The local engine's images (its Node
 * base, its sidecar) exist only on a developer's machine, so the files a user copies from (the example app, what
 * `moorage init` writes) must not name them: Dockerfiles say `FROM node:22-slim`, declarations pass no base image,
 * and the committed wrangler config carries no `image_vars` pointing at one. Under `moorage dev` the docker shim
 * swaps the base for local builds only (src/engine/docker-shim.test.ts); deploy turns that off (cli-engine.test.ts).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { LOCAL_ENGINE } from "../../src/engine/constants.js";

const REPO = resolve(fileURLToPath(new URL("../..", import.meta.url)));
const EXAMPLE = join(REPO, "examples", "media-app");
const TEMPLATES = join(REPO, "templates", "init");

/** Every image name the local engine makes or swaps in, whatever its tag. */
const localImages = [
  LOCAL_ENGINE.images.nodeBase,
  ...LOCAL_ENGINE.images.localBases.split(/\s+/).map((rule) => rule.slice(rule.indexOf("=") + 1)),
].map((image) => image.slice(0, image.lastIndexOf(":")));

const exampleDockerfiles = readdirSync(join(EXAMPLE, "containers"))
  .filter((name) => name.startsWith("Dockerfile"))
  .map((name) => join(EXAMPLE, "containers", name));

const userFiles = [
  ...exampleDockerfiles,
  join(EXAMPLE, "moorage", "containers.ts"),
  join(EXAMPLE, "wrangler.jsonc"),
  ...readdirSync(TEMPLATES).map((name) => join(TEMPLATES, name)),
];

describe("no local-only image in what users build and deploy", () => {
  it("knows the local images it looks for", () => {
    expect(localImages).toContain("moorage/node-base");
    expect(exampleDockerfiles.length).toBeGreaterThanOrEqual(5);
  });

  it.each(userFiles.map((file) => [file.slice(REPO.length + 1), file]))("%s names no local image", (_, file) => {
    const text = readFileSync(file, "utf8");
    for (const image of localImages) expect(text).not.toContain(image);
    expect(text).not.toMatch(/\bBASE\b/); // no base-image build argument to set
  });

  it.each(
    [...exampleDockerfiles, join(TEMPLATES, "Dockerfile.tmpl")].map((file) => [file.slice(REPO.length + 1), file]),
  )("%s builds FROM the public node:22-slim", (_, file) => {
    const froms = readFileSync(file, "utf8")
      .split("\n")
      .filter((line) => /^\s*FROM\s/i.test(line));
    expect(froms).toEqual(["FROM node:22-slim"]);
  });
});
