/**
 * `syncWranglerConfig` on realistic wrangler files with comments, as a user runs `moorage sync` over time:
 * first run, re-runs, hand edits, containers added and removed, and the configs it must refuse.
 */
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { parse } from "jsonc-parser";
import { describe, expect, it } from "vitest";
import { MoorageConfigError, syncWranglerConfig } from "./index.js";
import { copyFixture, declare, read } from "./test-helpers.js";

const transcoder = { image: "./containers/transcoder", instanceType: "standard-1", maxInstances: 5 } as const;
const thumbnailer = { image: "./containers/thumbnailer" } as const;

/** The parts of a synced config the tests read. */
interface Synced {
  containers: Array<Record<string, unknown>>;
  durable_objects: { bindings: Array<Record<string, unknown>> };
  migrations: Array<Record<string, unknown>>;
  exports?: Record<string, unknown>;
}

function config(text: string): Synced {
  return parse(text, [], { allowTrailingComma: true }) as Synced;
}

function firstContainer(text: string): Record<string, unknown> {
  const entry = config(text).containers[0];
  if (entry === undefined) throw new Error("no containers entry");
  return entry;
}

async function syncFixture(name: string, containers: ReturnType<typeof declare>, extra: { check?: boolean } = {}) {
  const dir = await copyFixture(name);
  const result = await syncWranglerConfig({ projectRoot: dir, containers, ...extra });
  return { dir, result };
}

describe("first run", () => {
  it("adds the containers entry, the binding and a migration, next to the user's own Durable Object", async () => {
    const { dir, result } = await syncFixture("worker", declare({ transcoder }));
    const text = await read(dir);
    const cfg = config(text);
    expect(result).toMatchObject({ path: path.join(dir, "wrangler.jsonc"), changed: true, written: true });
    expect(cfg.containers).toEqual([
      {
        class_name: "TranscoderContainer",
        name: "acme-media-transcoder",
        image: "./containers/transcoder/Dockerfile",
        instance_type: "standard-1",
        max_instances: 5,
      },
    ]);
    expect(cfg.durable_objects.bindings).toEqual([
      { name: "ROOMS", class_name: "Room" },
      { name: "CONTAINER_TRANSCODER", class_name: "TranscoderContainer" },
    ]);
    expect(cfg.migrations).toEqual([
      { tag: "v1", new_sqlite_classes: ["Room"] },
      { tag: "v2", new_sqlite_classes: ["TranscoderContainer"] },
    ]);
    expect(result.actions).toEqual([
      "containers: added the entry for TranscoderContainer (image ./containers/transcoder/Dockerfile)",
      "durable_objects.bindings: added CONTAINER_TRANSCODER -> TranscoderContainer",
      'migrations: added {"tag":"v2","new_sqlite_classes":["TranscoderContainer"]}',
    ]);
    expect(result.warnings).toEqual([]);
  });

  it("keeps every comment at its place and writes new entries in the file's own style", async () => {
    const { dir } = await syncFixture("worker", declare({ transcoder, thumbnailer }));
    const lines = (await read(dir)).split("\n");
    expect(lines.slice(0, 5)).toEqual([
      "/**",
      " * Acme media Worker.",
      " * Deployed by CI on every merge to main.",
      " */",
      "{",
    ]);
    const at = (needle: string) => lines.findIndex((l) => l.includes(needle));
    expect(lines[at("// Bump together") + 1]).toBe('  "compatibility_date": "2025-09-01",');
    // The trailing comment stays on the Room binding's line; new bindings follow in the same one-line style.
    expect(lines.slice(at("// chat rooms"), at("// chat rooms") + 3)).toEqual([
      '      { "name": "ROOMS", "class_name": "Room" }, // chat rooms',
      '      { "name": "CONTAINER_THUMBNAILER", "class_name": "ThumbnailerContainer" },',
      '      { "name": "CONTAINER_TRANSCODER", "class_name": "TranscoderContainer" }',
    ]);
    expect(lines.slice(at("// v1 shipped"), at("// v1 shipped") + 3)).toEqual([
      "    // v1 shipped 2025-06: the first Durable Object.",
      '    { "tag": "v1", "new_sqlite_classes": ["Room"] },',
      '    { "tag": "v2", "new_sqlite_classes": ["ThumbnailerContainer", "TranscoderContainer"] }',
    ]);
    expect(lines[at('"LOG_LEVEL"')]).toBe('    "LOG_LEVEL": "info", // raise to "debug" when investigating');
  });

  it("shows the change as a diff and writes nothing in check mode", async () => {
    const dir = await copyFixture("worker");
    const before = await read(dir);
    const result = await syncWranglerConfig({ projectRoot: dir, containers: declare({ transcoder }), check: true });
    expect(result).toMatchObject({ changed: true, written: false });
    expect(result.diff).toContain('+      { "name": "CONTAINER_TRANSCODER", "class_name": "TranscoderContainer" }');
    expect(result.diff).toContain('-      { "name": "ROOMS", "class_name": "Room" } // chat rooms');
    expect(await read(dir)).toBe(before);
  });
});

describe("re-runs", () => {
  it("changes nothing on the second run, and check mode then reports in sync", async () => {
    const containers = declare({ transcoder, thumbnailer });
    const { dir } = await syncFixture("worker", containers);
    const after = await read(dir);
    const again = await syncWranglerConfig({ projectRoot: dir, containers });
    expect(again).toMatchObject({ changed: false, written: false, actions: [] });
    expect(again.diff).toBeUndefined();
    expect(await read(dir)).toBe(after);
    expect((await syncWranglerConfig({ projectRoot: dir, containers, check: true })).changed).toBe(false);
  });

  it("updates changed values in place and keeps keys and comments the user added to the entry", async () => {
    const { dir } = await syncFixture("worker", declare({ transcoder }));
    const handEdited = (await read(dir)).replace(
      '      "max_instances": 5\n',
      '      "max_instances": 5,\n      // roll out slowly: transcodes are long\n      "rollout_step_percentage": 25\n',
    );
    await writeFile(path.join(dir, "wrangler.jsonc"), handEdited);
    const changed = declare({ transcoder: { ...transcoder, instanceType: "standard-2", maxInstances: 8 } });
    const result = await syncWranglerConfig({ projectRoot: dir, containers: changed });
    const text = await read(dir);
    expect(firstContainer(text)).toMatchObject({
      instance_type: "standard-2",
      max_instances: 8,
      rollout_step_percentage: 25,
    });
    expect(text).toContain('      "max_instances": 8,\n      // roll out slowly: transcodes are long\n');
    expect(result.actions).toEqual([
      'containers[TranscoderContainer]: set instance_type to "standard-2"',
      "containers[TranscoderContainer]: set max_instances to 8",
    ]);
    // Nothing else moved: the diff is exactly the two values.
    expect(result.diff?.split("\n").filter((l) => /^[-+] /.test(l))).toEqual([
      '-      "instance_type": "standard-1",',
      '-      "max_instances": 5,',
      '+      "instance_type": "standard-2",',
      '+      "max_instances": 8,',
    ]);
  });

  it("leaves containers entries and bindings of classes Moorage does not declare alone", async () => {
    const dir = await copyFixture("worker");
    const file = path.join(dir, "wrangler.jsonc");
    const own = (await readFile(file, "utf8"))
      .replace(
        '"observability": { "enabled": true },',
        '"observability": { "enabled": true },\n\n  "containers": [\n    // our hand-rolled renderer\n    { "class_name": "Renderer", "image": "./containers/transcoder/Dockerfile", "max_instances": 2 }\n  ],',
      )
      .replace(
        '{ "name": "ROOMS", "class_name": "Room" } // chat rooms',
        '{ "name": "ROOMS", "class_name": "Room" }, // chat rooms\n      { "name": "RENDERER", "class_name": "Renderer" }',
      );
    await writeFile(file, own);
    await syncWranglerConfig({ projectRoot: dir, containers: declare({ thumbnailer }) });
    const text = await read(dir);
    const cfg = config(text);
    expect(text).toContain(
      '    // our hand-rolled renderer\n    { "class_name": "Renderer", "image": "./containers/transcoder/Dockerfile", "max_instances": 2 },\n',
    );
    expect(cfg.containers.map((c) => c.class_name)).toEqual(["Renderer", "ThumbnailerContainer"]);
    expect(cfg.durable_objects.bindings).toContainEqual({ name: "RENDERER", class_name: "Renderer" });
  });

  it("gives a container added later its own new migration (v3 after v2), never editing existing tags", async () => {
    const { dir } = await syncFixture("worker", declare({ transcoder }));
    const result = await syncWranglerConfig({ projectRoot: dir, containers: declare({ transcoder, thumbnailer }) });
    expect(config(await read(dir)).migrations).toEqual([
      { tag: "v1", new_sqlite_classes: ["Room"] },
      { tag: "v2", new_sqlite_classes: ["TranscoderContainer"] },
      { tag: "v3", new_sqlite_classes: ["ThumbnailerContainer"] },
    ]);
    expect(result.actions).toContain('migrations: added {"tag":"v3","new_sqlite_classes":["ThumbnailerContainer"]}');
  });

  it("picks the lowest free vN tag when the existing tags are irregular", async () => {
    const { dir } = await syncFixture(
      "irregular-tags",
      declare({ transcoder: { image: { registry: "docker.io/acme/t:1" } } }),
    );
    const cfg = config(await read(dir));
    expect(cfg.migrations.map((m) => m.tag)).toEqual(["v1", "v3", "2024-launch", "v2"]);
    expect(cfg.migrations[3]).toEqual({ tag: "v2", new_sqlite_classes: ["TranscoderContainer"] });
  });

  it("counts a class as declared when an earlier migration renamed it into place", async () => {
    const dir = await copyFixture("worker");
    const file = path.join(dir, "wrangler.jsonc");
    const renamed = (await readFile(file, "utf8")).replace(
      '{ "tag": "v1", "new_sqlite_classes": ["Room"] }',
      '{ "tag": "v1", "new_sqlite_classes": ["Room", "Transcode"] },\n    { "tag": "v2", "renamed_classes": [{ "from": "Transcode", "to": "TranscoderContainer" }] }',
    );
    await writeFile(file, renamed);
    const result = await syncWranglerConfig({ projectRoot: dir, containers: declare({ transcoder }) });
    expect(config(await read(dir)).migrations).toHaveLength(2);
    expect(result.actions.some((a) => a.startsWith("migrations:"))).toBe(false);
  });
});

describe("image and instance fields", () => {
  it("writes a registry reference as image, with no build context or build vars", async () => {
    const reference = "registry.cloudflare.com/acme/thumb:1.2";
    const { dir } = await syncFixture("worker", declare({ thumbnailer: { image: { registry: reference } } }));
    const entry = firstContainer(await read(dir));
    expect(entry).toEqual({
      class_name: "ThumbnailerContainer",
      name: "acme-media-thumbnailer",
      image: reference,
      instance_type: "lite",
    });
  });

  it("writes a custom instance type in wrangler's { vcpu, memory_mib, disk_mb } shape", async () => {
    const custom = { vcpu: 2, memoryMib: 8192, diskMb: 12000 };
    const { dir } = await syncFixture("worker", declare({ transcoder: { ...transcoder, instanceType: custom } }));
    const text = await read(dir);
    expect(firstContainer(text).instance_type).toEqual({ vcpu: 2, memory_mib: 8192, disk_mb: 12000 });
    expect(text).toContain(
      '      "instance_type": {\n        "vcpu": 2,\n        "memory_mib": 8192,\n        "disk_mb": 12000\n      },',
    );
  });

  it("turns buildArgs into image_vars, and removes image_vars and max_instances once the declaration drops them", async () => {
    const withArgs = { ...transcoder, buildArgs: { NODE_VERSION: "22", BUILD_TARGET: "production" } };
    const { dir } = await syncFixture("worker", declare({ transcoder: withArgs }));
    expect(firstContainer(await read(dir)).image_vars).toEqual({
      BUILD_TARGET: "production",
      NODE_VERSION: "22",
    });

    const result = await syncWranglerConfig({
      projectRoot: dir,
      containers: declare({ transcoder: { image: "./containers/transcoder", instanceType: "standard-1" } }),
    });
    const text = await read(dir);
    const entry = firstContainer(text);
    expect(entry).not.toHaveProperty("image_vars");
    expect(entry).not.toHaveProperty("max_instances");
    expect(result.actions).toEqual([
      "containers[TranscoderContainer]: removed image_vars (the declaration of transcoder no longer sets it)",
      "containers[TranscoderContainer]: removed max_instances (the declaration of transcoder no longer sets it)",
    ]);
    expect(text).toContain('      "instance_type": "standard-1"\n    }\n  ],');
  });

  it("points image at a named Dockerfile and writes image_build_context only when it is not the Dockerfile's directory", async () => {
    const [decl] = declare({ worker: { image: "./containers/shared/Dockerfile.worker" } });
    const elsewhere = {
      ...decl!,
      definition: {
        ...decl!.definition,
        image: { kind: "dockerfile" as const, dockerfile: "containers/shared/Dockerfile.worker", context: "." },
      },
    };
    const { dir } = await syncFixture("worker", [decl!]);
    expect(firstContainer(await read(dir))).not.toHaveProperty("image_build_context");
    await syncWranglerConfig({ projectRoot: dir, containers: [elsewhere] });
    const entry = firstContainer(await read(dir));
    // Same file spelled without "./": not a change.
    expect(entry.image).toBe("./containers/shared/Dockerfile.worker");
    expect(entry.image_build_context).toBe(".");
  });

  it("writes paths relative to the config file when the config lives in a subfolder", async () => {
    const dir = await copyFixture("worker");
    const { mkdir, rename } = await import("node:fs/promises");
    await mkdir(path.join(dir, "deploy"));
    await rename(path.join(dir, "wrangler.jsonc"), path.join(dir, "deploy", "wrangler.jsonc"));
    await syncWranglerConfig({
      projectRoot: dir,
      configPath: "deploy/wrangler.jsonc",
      containers: declare({ transcoder }),
    });
    const entry = firstContainer(await read(dir, "deploy/wrangler.jsonc"));
    expect(entry.image).toBe("../containers/transcoder/Dockerfile");
  });
});

describe("classes that disappeared", () => {
  it("reports the exact deleted_classes migration to add and keeps the entries", async () => {
    const { dir } = await syncFixture("worker", declare({ transcoder, thumbnailer }));
    const before = await read(dir);
    const result = await syncWranglerConfig({ projectRoot: dir, containers: declare({ transcoder }) });
    expect(result.changed).toBe(false);
    expect(await read(dir)).toBe(before);
    expect(result.warnings).toHaveLength(1);
    expect(result.warnings[0]).toContain("ThumbnailerContainer is no longer declared as a container");
    expect(result.warnings[0]).toContain('append this migration to "migrations"');
    expect(result.warnings[0]).toContain('{"tag":"v3","deleted_classes":["ThumbnailerContainer"]}');
  });

  it("numbers the suggested deletion after a migration added in the same run", async () => {
    const { dir } = await syncFixture("worker", declare({ thumbnailer }));
    const result = await syncWranglerConfig({ projectRoot: dir, containers: declare({ transcoder }) });
    expect(config(await read(dir)).migrations.at(-1)).toEqual({
      tag: "v3",
      new_sqlite_classes: ["TranscoderContainer"],
    });
    expect(result.warnings.join("\n")).toContain('{"tag":"v4","deleted_classes":["ThumbnailerContainer"]}');
  });
});

describe("the exports map (wrangler's declarative Durable Object lifecycle)", () => {
  it("adds a sqlite durable-object export instead of a migration when the project uses exports", async () => {
    const { dir, result } = await syncFixture(
      "exports-mode",
      declare({ transcoder: { image: { registry: "docker.io/acme/t:1" } } }),
    );
    const cfg = config(await read(dir));
    expect(cfg).not.toHaveProperty("migrations");
    expect(cfg.exports).toEqual({
      Room: { type: "durable-object", storage: "sqlite" },
      TranscoderContainer: { type: "durable-object", storage: "sqlite" },
    });
    expect(result.actions).toContain(
      'exports: added "TranscoderContainer": {"type":"durable-object","storage":"sqlite"}',
    );
    const again = await syncWranglerConfig({ projectRoot: dir, containers: declare({}) });
    expect(again.warnings.join("\n")).toContain('{"TranscoderContainer":{"type":"durable-object","state":"deleted"}}');
  });
});

describe("the Worker entry", () => {
  it("warns with the line to add when main does not re-export the generated classes", async () => {
    const dir = await copyFixture("worker");
    await writeFile(path.join(dir, "src/index.js"), 'export { Room } from "./room.js";\nexport default {};\n');
    const result = await syncWranglerConfig({ projectRoot: dir, containers: declare({ transcoder }) });
    expect(result.warnings).toEqual([
      `${path.join(dir, "src/index.js")} does not export TranscoderContainer; wrangler needs every Durable Object class exported from "main". Add this line to it: export * from "../moorage/_generated/containers";`,
    ]);
  });

  it("accepts classes exported by name, and ignores a commented-out re-export", async () => {
    const dir = await copyFixture("worker");
    const entry = path.join(dir, "src/index.js");
    await writeFile(
      entry,
      '// export * from "../moorage/_generated/containers";\nexport {\n  TranscoderContainer,\n} from "../moorage/_generated/containers.js";\n',
    );
    expect((await syncWranglerConfig({ projectRoot: dir, containers: declare({ transcoder }) })).warnings).toEqual([]);
    await writeFile(entry, '// export * from "../moorage/_generated/containers";\n');
    expect((await syncWranglerConfig({ projectRoot: dir, containers: declare({ transcoder }) })).warnings).toHaveLength(
      1,
    );
  });
});

describe("configs it refuses", () => {
  it("explains how to convert a wrangler.toml", async () => {
    const dir = await copyFixture("toml");
    const error = await syncWranglerConfig({ projectRoot: dir, containers: declare({ transcoder }) }).catch((e) => e);
    expect(error).toBeInstanceOf(MoorageConfigError);
    expect(error.file).toBe(path.join(dir, "wrangler.toml"));
    expect(error.message).toContain("moorage sync edits wrangler.jsonc or wrangler.json");
    expect(error.message).toContain(`create ${path.join(dir, "wrangler.jsonc")} with the same settings`);
  });

  it("points at the syntax error in malformed JSONC and leaves the file byte-for-byte unchanged", async () => {
    const dir = await copyFixture("malformed");
    const before = await read(dir);
    const error = await syncWranglerConfig({ projectRoot: dir, containers: declare({ transcoder }) }).catch((e) => e);
    expect(error).toBeInstanceOf(MoorageConfigError);
    expect(error.message).toContain(
      `${path.join(dir, "wrangler.jsonc")}:5:3: the file is not valid JSONC (CommaExpected)`,
    );
    expect(error.message).toContain("The file was not changed.");
    expect(await read(dir)).toBe(before);
  });

  it("refuses a CONTAINER_ binding already used by another class, naming the binding and both fixes", async () => {
    const dir = await copyFixture("worker");
    const file = path.join(dir, "wrangler.jsonc");
    const clash = (await readFile(file, "utf8")).replace('"name": "ROOMS"', '"name": "CONTAINER_TRANSCODER"');
    await writeFile(file, clash);
    const error = await syncWranglerConfig({ projectRoot: dir, containers: declare({ transcoder }) }).catch((e) => e);
    expect(error).toBeInstanceOf(MoorageConfigError);
    expect(error.field).toBe("durable_objects.bindings[0].name");
    expect(error.message).toContain(
      'durable_objects.bindings[0] binds "CONTAINER_TRANSCODER" to class "Room", but Moorage needs "CONTAINER_TRANSCODER" for TranscoderContainer',
    );
    expect(await read(dir)).toBe(clash);
  });

  it("refuses fields of the wrong type with the field name", async () => {
    const dir = await copyFixture("worker");
    const file = path.join(dir, "wrangler.jsonc");
    await writeFile(file, '{ "name": "x", "containers": { "class_name": "TranscoderContainer" } }\n');
    const error = await syncWranglerConfig({ projectRoot: dir, containers: declare({ transcoder }) }).catch((e) => e);
    expect(error).toBeInstanceOf(MoorageConfigError);
    expect(error.message).toContain('"containers" must be an array ([...]), found a object');
  });
});

describe("file lookup and style", () => {
  it("edits wrangler.json with tabs and CRLF line endings in that style", async () => {
    const { dir } = await syncFixture(
      "json-tabs-crlf",
      declare({ transcoder: { image: { registry: "docker.io/acme/t:1" } } }),
    );
    const text = await read(dir, "wrangler.json");
    expect(text).toContain('\t// Entry point.\r\n\t"main": "src/index.js",\r\n');
    expect(text).toContain('\t"containers": [\r\n\t\t{\r\n\t\t\t"class_name": "TranscoderContainer",\r\n');
    expect(text.replace(/\r\n/g, "")).not.toContain("\n");
  });

  it("edits wrangler.json when both exist, as wrangler reads it first, and says so", async () => {
    const dir = await copyFixture("json-tabs-crlf");
    await writeFile(path.join(dir, "wrangler.jsonc"), "{}\n");
    const result = await syncWranglerConfig({
      projectRoot: dir,
      containers: declare({ transcoder: { image: { registry: "docker.io/acme/t:1" } } }),
    });
    expect(result.path).toBe(path.join(dir, "wrangler.json"));
    expect(result.warnings[0]).toContain(`${path.join(dir, "wrangler.jsonc")} is ignored`);
  });
});
