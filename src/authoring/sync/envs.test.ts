/**
 * `moorage sync` over wrangler environments (`env.<name>` blocks), which do not inherit `containers` or
 * `durable_objects` from the top level: every environment (or the ones asked for) gets its own entries, named
 * after that environment's Worker, with the user's comments kept and inherited migrations left alone.
 */
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { parse } from "jsonc-parser";
import { describe, expect, it } from "vitest";
import { MoorageConfigError, syncWranglerConfig } from "./index.js";
import { copyFixture, declare, read } from "./test-helpers.js";

const containers = declare({
  transcoder: { image: "./containers/transcoder", maxInstances: 5 },
  thumbnailer: { image: { registry: "docker.io/acme/thumb:1" } },
});

type Block = {
  containers?: Array<Record<string, unknown>>;
  durable_objects?: { bindings: Array<Record<string, unknown>> };
  migrations?: Array<Record<string, unknown>>;
};
type Config = Block & { env: Record<string, Block & Record<string, unknown>> };

const config = (text: string) => parse(text, [], { allowTrailingComma: true }) as Config;
const names = (block: Block) => (block.containers ?? []).map((c) => [c.class_name, c.name]);
const bindings = (block: Block) => (block.durable_objects?.bindings ?? []).map((b) => `${b.name}->${b.class_name}`);

describe("wrangler environments", () => {
  it("writes containers and bindings into every env block, named after that environment's Worker", async () => {
    const dir = await copyFixture("environments");
    const result = await syncWranglerConfig({ projectRoot: dir, containers });
    const cfg = config(await read(dir));

    expect(names(cfg)).toEqual([
      ["ThumbnailerContainer", "acme-media-thumbnailer"],
      ["TranscoderContainer", "acme-media-transcoder"],
    ]);
    // No own "name": wrangler deploys staging as "acme-media-staging".
    expect(names(cfg.env.staging!)).toEqual([
      ["ThumbnailerContainer", "acme-media-staging-thumbnailer"],
      ["TranscoderContainer", "acme-media-staging-transcoder"],
    ]);
    expect(names(cfg.env.production!)).toEqual([
      ["ThumbnailerContainer", "acme-media-prod-thumbnailer"],
      ["TranscoderContainer", "acme-media-prod-transcoder"],
    ]);
    expect(cfg.env.staging!.containers![1]).toMatchObject({
      image: "./containers/transcoder/Dockerfile",
      max_instances: 5,
    });
    expect(bindings(cfg.env.staging!)).toEqual([
      "CONTAINER_THUMBNAILER->ThumbnailerContainer",
      "CONTAINER_TRANSCODER->TranscoderContainer",
    ]);
    // The user's own binding in production stays first.
    expect(bindings(cfg.env.production!)).toEqual([
      "ROOMS->Room",
      "CONTAINER_THUMBNAILER->ThumbnailerContainer",
      "CONTAINER_TRANSCODER->TranscoderContainer",
    ]);
    expect(result.actions).toContain(
      "env.staging.durable_objects.bindings: added CONTAINER_TRANSCODER -> TranscoderContainer",
    );
    expect(result.warnings).toEqual([]);
  });

  it("leaves inherited migrations alone and extends an environment's own migration history", async () => {
    const dir = await copyFixture("environments");
    await syncWranglerConfig({ projectRoot: dir, containers });
    const cfg = config(await read(dir));
    expect(cfg.migrations?.map((m) => m.tag)).toEqual(["v1", "v2"]);
    expect(cfg.migrations?.[1]).toEqual({
      tag: "v2",
      new_sqlite_classes: ["ThumbnailerContainer", "TranscoderContainer"],
    });
    // staging has no "migrations" of its own: it inherits the top level's, so none is written there.
    expect(cfg.env.staging).not.toHaveProperty("migrations");
    // production keeps its own history (v2 is a production-only class): the next free tag there is v3.
    expect(cfg.env.production!.migrations?.at(-1)).toEqual({
      tag: "v3",
      new_sqlite_classes: ["ThumbnailerContainer", "TranscoderContainer"],
    });
  });

  it("keeps the comments inside env blocks where they were", async () => {
    const dir = await copyFixture("environments");
    await syncWranglerConfig({ projectRoot: dir, containers });
    const text = await read(dir);
    for (const line of [
      '    // Staging: its own KV namespace, and no Durable Objects yet.\n    "staging": {\n',
      '      "vars": { "LOG_LEVEL": "debug" }, // noisy on purpose\n',
      "    // Production keeps its own name and its own migration history.\n",
      '        { "tag": "v2", "new_sqlite_classes": ["Lobby"] }, // production-only class, since retired\n',
    ]) {
      expect(text).toContain(line);
    }
  });

  it("changes nothing on a second run; --check covers the environments", async () => {
    const dir = await copyFixture("environments");
    await syncWranglerConfig({ projectRoot: dir, containers });
    const synced = await read(dir);
    expect((await syncWranglerConfig({ projectRoot: dir, containers })).changed).toBe(false);
    expect(await read(dir)).toBe(synced);

    // Drop staging's entries only: check mode reports exactly that environment, and writes nothing.
    const stale = synced.replace(/\n {6}"containers": \[\n {8}\{ "class_name": "Thumb[^\]]*\],/, "");
    expect(config(stale).env.staging).not.toHaveProperty("containers");
    await writeFile(path.join(dir, "wrangler.jsonc"), stale);
    const check = await syncWranglerConfig({ projectRoot: dir, containers, check: true });
    expect(check).toMatchObject({ changed: true, written: false });
    expect(check.actions).toEqual([
      "env.staging.containers: added the entry for ThumbnailerContainer (image docker.io/acme/thumb:1)",
      "env.staging.containers: added the entry for TranscoderContainer (image ./containers/transcoder/Dockerfile)",
    ]);
    expect(check.diff).toContain('"name": "acme-media-staging-transcoder"');
    expect(await read(dir)).toBe(stale);
  });

  it("syncs only the environments named with envs, and says what the others lack", async () => {
    const dir = await copyFixture("environments");
    const result = await syncWranglerConfig({ projectRoot: dir, containers, envs: ["staging"] });
    const cfg = config(await read(dir));
    expect(names(cfg.env.staging!)).toHaveLength(2);
    expect(cfg.env.production).not.toHaveProperty("containers");
    expect(result.warnings).toEqual([
      `${path.join(dir, "wrangler.jsonc")}: env.production was not synced (not named with --env) and lacks the containers or bindings of ThumbnailerContainer, TranscoderContainer; wrangler does not inherit them from the top level. Run moorage sync (every environment) or moorage sync --env production`,
    ]);
  });

  it("warns about an environment asked for that the file does not define, and creates nothing", async () => {
    const dir = await copyFixture("environments");
    const result = await syncWranglerConfig({ projectRoot: dir, containers, envs: ["preview"] });
    expect(config(await read(dir)).env).not.toHaveProperty("preview");
    expect(result.warnings[0]).toContain(
      'there is no env.preview block (environments: staging, production); wrangler --env preview then deploys the top-level containers under their top-level names. Add "env": { "preview": {} }',
    );
  });

  it("names the environment in a binding conflict, and leaves the file unchanged", async () => {
    const dir = await copyFixture("environments");
    const file = path.join(dir, "wrangler.jsonc");
    const clash = (await read(dir)).replace(
      '{ "name": "ROOMS", "class_name": "Room" }\n        ]',
      '{ "name": "CONTAINER_TRANSCODER", "class_name": "Room" }\n        ]',
    );
    await writeFile(file, clash);
    const error = await syncWranglerConfig({ projectRoot: dir, containers }).catch((e) => e);
    expect(error).toBeInstanceOf(MoorageConfigError);
    expect(error.field).toBe("env.production.durable_objects.bindings[0].name");
    expect(error.message).toContain(
      'env.production.durable_objects.bindings[0] binds "CONTAINER_TRANSCODER" to class "Room"',
    );
    expect(await read(dir)).toBe(clash);
  });

  it("refuses an env block that is not an object, naming it", async () => {
    const dir = await copyFixture("environments");
    await writeFile(path.join(dir, "wrangler.jsonc"), '{ "name": "x", "env": { "staging": [] } }\n');
    const error = await syncWranglerConfig({ projectRoot: dir, containers }).catch((e) => e);
    expect(error).toBeInstanceOf(MoorageConfigError);
    expect(error.message).toContain('"env.staging" must be an object');
  });
});
