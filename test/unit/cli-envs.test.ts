/**
 * Wrangler environments through the built CLI, as a user with `env.staging` runs it: `moorage sync` fills the
 * environment blocks, `sync --check` covers them, and `moorage deploy --env staging` hands wrangler a staging
 * Worker that has its containers (checked with the real `wrangler deploy --dry-run`). The container uses a
 * `{ registry }` image, so no Docker engine is needed: wrangler builds nothing.
 *
 * Needs `npm run build` first (`npm test` does it).
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { linkedWorkerProject, tempFolders } from "../support/cli.js";

const temps = tempFolders();
let app: ReturnType<typeof linkedWorkerProject>;
const config = () => readFileSync(join(app.root, "wrangler.jsonc"), "utf8");

beforeAll(() => {
  app = linkedWorkerProject(temps);
  mkdirSync(join(app.root, "moorage"));
  writeFileSync(
    join(app.root, "moorage", "containers.ts"),
    'import { defineContainer } from "moorage";\nexport const hello = defineContainer({ image: { registry: "docker.io/acme/hello:1" } });\n',
    { flag: "w" },
  );
  const main = join(app.root, "src", "index.ts");
  writeFileSync(main, `${readFileSync(main, "utf8")}export * from "../moorage/_generated/containers";\n`);
  // The user's environment, one line, with a comment above it.
  writeFileSync(
    join(app.root, "wrangler.jsonc"),
    config().replace(
      /\n}\s*$/,
      ',\n  "env": {\n    // Staging runs the same code under its own Worker name.\n    "staging": { "vars": { "GREETING": "hello from staging" } }\n  }\n}\n',
    ),
  );
}, 60_000);

describe("moorage and wrangler environments", { timeout: 120_000 }, () => {
  it("sync fills env.staging and keeps its comment; --check then passes", () => {
    const r = app.moorage("sync");
    expect(r.code, r.all).toBe(0);
    expect(r.all).toContain(
      "env.staging.containers: added the entry for HelloContainer (image docker.io/acme/hello:1)",
    );
    expect(config()).toContain(
      '    // Staging runs the same code under its own Worker name.\n    "staging": {\n      "vars": { "GREETING": "hello from staging" },\n      "containers": [\n',
    );
    expect(config()).toContain('"name": "acme-media-staging-hello"');
    expect(app.moorage("sync", "--check").code).toBe(0);
  });

  it("sync --check exits 1 for an environment that lacks the containers; --env narrows what it checks", () => {
    const synced = config();
    writeFileSync(join(app.root, "wrangler.jsonc"), synced.replace('"env": {', '"env": {\n    "preview": {},'));
    const check = app.moorage("sync", "--check");
    expect(check.code).toBe(1);
    expect(check.all).toContain("env.preview.containers: added the entry for HelloContainer");
    expect(check.all).toContain('+          "name": "acme-media-preview-hello",');
    const narrowed = app.moorage("sync", "--check", "--env", "staging");
    expect(narrowed.code, narrowed.all).toBe(0);
    expect(narrowed.all).toContain("env.preview was not synced (not named with --env)");
    writeFileSync(join(app.root, "wrangler.jsonc"), synced);
  });

  it("deploy --env staging: wrangler's dry run sees the staging Worker with its own container", () => {
    const r = app.moorage("deploy", "--env", "staging", "--dry-run", "--outdir", join(app.root, "..", "out"));
    expect(r.code, r.all).toBe(0);
    expect(r.all).toMatch(/env\.CONTAINER_HELLO \(HelloContainer\)\s+Durable Object/);
    expect(r.all).toContain('env.GREETING ("hello from staging")');
    expect(r.all).toContain("- acme-media-staging-hello (docker.io/acme/hello:1)");
    expect(r.all).not.toContain("not inherited by environments");
    expect(r.all).toContain("--dry-run: exiting now.");
  });
});
