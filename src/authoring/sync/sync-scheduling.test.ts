/**
 * `moorage sync` for the scheduling, placement and rollout fields over time: written when declared, switched
 * between policies without leaving a key wrangler would refuse, hand-written placement kept when the declaration
 * says nothing, and `--check` seeing every difference.
 */
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { parse } from "jsonc-parser";
import { describe, expect, it } from "vitest";
import { syncWranglerConfig } from "./index.js";
import { copyFixture, declare, read } from "./test-helpers.js";

const entry = (text: string) =>
  (parse(text, [], { allowTrailingComma: true }) as { containers: Array<Record<string, unknown>> }).containers[0];

describe("sync: scheduling, placement, rollout", () => {
  it("switches a container to durable_object and back, with no key the other policy refuses", async () => {
    const dir = await copyFixture("worker");
    const plain = { image: "./containers/entity", instanceType: "basic", maxInstances: 2 } as const;
    await syncWranglerConfig({ projectRoot: dir, containers: declare({ entity: plain }) });
    expect(entry(await read(dir))).toMatchObject({ image: "./containers/entity/Dockerfile", instance_type: "basic" });

    // "basic" is not a size the platform's start() takes, so the durable_object declaration names another.
    const durable = {
      ...plain,
      instanceType: "standard-1" as const,
      schedulingPolicy: "durable_object" as const,
      persist: ["/data"],
    };
    const second = await syncWranglerConfig({ projectRoot: dir, containers: declare({ entity: durable }) });
    expect(entry(await read(dir))).toEqual({
      class_name: "EntityContainer",
      name: "acme-media-entity",
      scheduling_policy: "durable_object",
      images: { default: { dockerfile: "./containers/entity/Dockerfile" } },
    });
    expect(second.actions).toContain('containers[EntityContainer]: set scheduling_policy to "durable_object"');
    expect(second.actions).toContain(
      "containers[EntityContainer]: removed instance_type (the declaration of entity no longer sets it)",
    );

    const again = await syncWranglerConfig({ projectRoot: dir, containers: declare({ entity: durable }) });
    expect(again.changed).toBe(false);

    await syncWranglerConfig({ projectRoot: dir, containers: declare({ entity: plain }) });
    expect(entry(await read(dir))).toEqual({
      class_name: "EntityContainer",
      name: "acme-media-entity",
      image: "./containers/entity/Dockerfile",
      instance_type: "basic",
      max_instances: 2,
    });
  });

  it("keeps hand-written constraints and rollout keys while the declaration sets none, and owns them once it does", async () => {
    const dir = await copyFixture("worker");
    const t = { image: "./containers/transcoder" } as const;
    await syncWranglerConfig({ projectRoot: dir, containers: declare({ transcoder: t }) });
    const file = path.join(dir, "wrangler.jsonc");
    const text = await read(dir);
    await writeFile(
      file,
      text.replace(
        '"instance_type": "lite"',
        '"instance_type": "lite",\n      "constraints": { "regions": ["APAC"] }, // by hand\n      "rollout_step_percentage": 50,\n      "scheduling_policy": "regional"',
      ),
    );
    const kept = await syncWranglerConfig({ projectRoot: dir, containers: declare({ transcoder: t }) });
    expect(kept.changed).toBe(false);
    expect(await read(dir)).toContain("// by hand");

    const declared = { ...t, regions: ["WEUR"], rollout: { stepPercentage: 100 } } as const;
    const check = await syncWranglerConfig({
      projectRoot: dir,
      containers: declare({ transcoder: declared }),
      check: true,
    });
    expect(check.changed).toBe(true);
    expect(check.written).toBe(false);
    await syncWranglerConfig({ projectRoot: dir, containers: declare({ transcoder: declared }) });
    expect(entry(await read(dir))).toMatchObject({
      constraints: { regions: ["WEUR"] },
      rollout_step_percentage: 100,
      scheduling_policy: "regional",
    });
    const inSync = await syncWranglerConfig({
      projectRoot: dir,
      containers: declare({ transcoder: declared }),
      check: true,
    });
    expect(inSync.changed).toBe(false);
  });

  it("sees a hand edit to a named image as out of sync, and spellings of the same path as in sync", async () => {
    const dir = await copyFixture("worker");
    const c = declare({
      entity: { schedulingPolicy: "durable_object", images: { base: "./containers/entity", alt: "./containers/alt" } },
    });
    await syncWranglerConfig({ projectRoot: dir, containers: c });
    const file = path.join(dir, "wrangler.jsonc");
    const text = await read(dir);
    await writeFile(file, text.replace('"./containers/alt/Dockerfile"', '"containers/alt/Dockerfile"'));
    expect((await syncWranglerConfig({ projectRoot: dir, containers: c, check: true })).changed).toBe(false);
    await writeFile(file, text.replace('"./containers/alt/Dockerfile"', '"./containers/other/Dockerfile"'));
    const drift = await syncWranglerConfig({ projectRoot: dir, containers: c, check: true });
    expect(drift.changed).toBe(true);
    expect(drift.actions.join("\n")).toContain("containers[EntityContainer]: set images to");
  });
});
