/**
 * Wrangler itself must accept what `moorage sync` writes. This reads the synced config with wrangler's own
 * config reader (`unstable_readConfig`, the function `wrangler deploy` uses; offline, no account needed):
 * validation errors throw, and unknown or deprecated fields only warn, so warnings are captured and must be
 * empty too.
 */
import path from "node:path";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { syncWranglerConfig } from "./index.js";
import { copyFixture, declare } from "./test-helpers.js";

async function readWithWrangler(configPath: string, env?: string) {
  const { unstable_readConfig } = await import("wrangler");
  const warnings: string[] = [];
  const spy = vi.spyOn(console, "warn").mockImplementation((...args: unknown[]) => {
    warnings.push(args.join(" "));
  });
  try {
    return { config: unstable_readConfig({ config: configPath, env }, { hideWarnings: false }), warnings };
  } finally {
    spy.mockRestore();
  }
}

// Loading wrangler's bundle takes seconds on a busy machine: once, outside any single test's 5 s budget.
beforeAll(async () => {
  await import("wrangler");
}, 60_000);

describe("wrangler accepts the synced config", { timeout: 60_000 }, () => {
  it("reads every field Moorage writes without errors or warnings, resolving images as Moorage meant", async () => {
    const dir = await copyFixture("worker");
    const containers = declare({
      transcoder: {
        image: "./containers/transcoder",
        instanceType: { vcpu: 2, memoryMib: 8192, diskMb: 12000 },
        maxInstances: 5,
        buildArgs: { NODE_VERSION: "22" },
      },
      thumbnailer: { image: { registry: "registry.cloudflare.com/acme/thumb:1.2" }, instanceType: "basic" },
      worker: { image: "./containers/shared/Dockerfile.worker" },
    });
    const [, , shared] = containers;
    shared!.definition = {
      ...shared!.definition,
      image: { kind: "dockerfile", dockerfile: "./containers/shared/Dockerfile.worker", context: "./containers" },
    };
    const result = await syncWranglerConfig({ projectRoot: dir, containers });
    expect(result.written).toBe(true);

    const { config, warnings } = await readWithWrangler(result.path);
    expect(warnings).toEqual([]);
    const byClass = Object.fromEntries(
      (config.containers ?? []).map((c: { class_name?: string }) => [c.class_name, c]),
    );
    expect(byClass.TranscoderContainer).toMatchObject({
      name: "acme-media-transcoder",
      image: path.join(dir, "containers/transcoder/Dockerfile"),
      image_build_context: path.join(dir, "containers/transcoder"),
      image_vars: { NODE_VERSION: "22" },
      instance_type: { vcpu: 2, memory_mib: 8192, disk_mb: 12000 },
      max_instances: 5,
    });
    expect(byClass.ThumbnailerContainer).toMatchObject({
      name: "acme-media-thumbnailer",
      image: "registry.cloudflare.com/acme/thumb:1.2",
      instance_type: "basic",
    });
    expect(byClass.WorkerContainer).toMatchObject({
      image: path.join(dir, "containers/shared/Dockerfile.worker"),
      image_build_context: path.join(dir, "containers"),
    });
    expect(config.durable_objects.bindings).toContainEqual({ name: "CONTAINER_WORKER", class_name: "WorkerContainer" });
    expect(config.migrations.at(-1)).toEqual({
      tag: "v2",
      new_sqlite_classes: ["ThumbnailerContainer", "TranscoderContainer", "WorkerContainer"],
    });
  });

  it("accepts the exports-map form without a migrations/exports conflict", async () => {
    const dir = await copyFixture("exports-mode");
    const result = await syncWranglerConfig({
      projectRoot: dir,
      containers: declare({ transcoder: { image: { registry: "docker.io/acme/transcoder:1.4" } } }),
    });
    const { config, warnings } = await readWithWrangler(result.path);
    expect(warnings).toEqual([]);
    expect(config.containers?.[0]).toMatchObject({
      class_name: "TranscoderContainer",
      name: "exports-demo-transcoder",
    });
  });

  it("reads each wrangler environment with its own containers, bindings and migrations", async () => {
    const dir = await copyFixture("environments");
    const result = await syncWranglerConfig({
      projectRoot: dir,
      containers: declare({ transcoder: { image: "./containers/transcoder" } }),
    });
    const seen: Record<string, unknown> = {};
    for (const env of [undefined, "staging", "production"]) {
      const { config, warnings } = await readWithWrangler(result.path, env);
      // The only complaint left is about the user's own Durable Object, which staging does not bind.
      const said = warnings.join("\n").replace(/\s+/g, " ");
      if (env === "staging") {
        expect(said).toMatch(/The following bindings are at the top level, but not on "env.staging".*- ROOMS\s*$/);
        expect(said).not.toMatch(/CONTAINER_|"containers"/);
      } else expect(said).toBe("");
      const container = config.containers?.find((c: { class_name?: string }) => c.class_name === "TranscoderContainer");
      seen[env ?? "top"] = {
        worker: config.name,
        container: container?.name,
        image: container?.image,
        binding: config.durable_objects.bindings.some(
          (b: { name: string; class_name: string }) =>
            b.name === "CONTAINER_TRANSCODER" && b.class_name === "TranscoderContainer",
        ),
        migrated: config.migrations.some((m: { new_sqlite_classes?: string[] }) =>
          m.new_sqlite_classes?.includes("TranscoderContainer"),
        ),
      };
    }
    const image = path.join(dir, "containers/transcoder/Dockerfile");
    expect(seen).toEqual({
      top: { worker: "acme-media", container: "acme-media-transcoder", image, binding: true, migrated: true },
      staging: {
        worker: "acme-media-staging",
        container: "acme-media-staging-transcoder",
        image,
        binding: true,
        migrated: true,
      },
      production: {
        worker: "acme-media-prod",
        container: "acme-media-prod-transcoder",
        image,
        binding: true,
        migrated: true,
      },
    });
  });

  it("would notice: a field wrangler does not know shows up as a captured warning", async () => {
    const dir = await copyFixture("worker");
    const result = await syncWranglerConfig({
      projectRoot: dir,
      containers: declare({ thumbnailer: { image: { registry: "docker.io/acme/thumb:1" } } }),
    });
    const { writeFile, readFile } = await import("node:fs/promises");
    const text = await readFile(result.path, "utf8");
    await writeFile(
      result.path,
      text.replace('"instance_type": "lite"', '"instance_type": "lite",\n      "instanse_count": 2'),
    );
    const { warnings } = await readWithWrangler(result.path);
    expect(warnings.join("\n")).toContain('Unexpected fields found in containers field: "instanse_count"');
  });
});

describe("wrangler accepts the scheduling, placement and rollout fields", () => {
  it("a durable_object container: named images (Dockerfile and digest-pinned), nothing wrangler refuses", async () => {
    const dir = await copyFixture("worker");
    const pinned = `registry.cloudflare.com/acc123/gpu@sha256:${"b".repeat(64)}`;
    const result = await syncWranglerConfig({
      projectRoot: dir,
      containers: declare({
        entity: {
          schedulingPolicy: "durable_object",
          images: { base: "./containers/entity", gpu: { registry: pinned } },
          persist: ["/data"],
          instanceType: "standard-1",
          maxInstances: 3,
          buildArgs: { BASE: "moorage/node-base:22" },
        },
      }),
    });
    const { config, warnings } = await readWithWrangler(result.path);
    expect(warnings).toEqual([]);
    const entry = (config.containers ?? []).find((c: { class_name?: string }) => c.class_name === "EntityContainer");
    expect(entry).toEqual({
      class_name: "EntityContainer",
      name: "acme-media-entity",
      scheduling_policy: "durable_object",
      images: {
        base: { dockerfile: "./containers/entity/Dockerfile", build_vars: { BASE: "moorage/node-base:22" } },
        gpu: { image: pinned },
      },
    });
  });

  it("a default-policy container with regions, jurisdiction and rollout settings", async () => {
    const dir = await copyFixture("worker");
    const result = await syncWranglerConfig({
      projectRoot: dir,
      containers: declare({
        transcoder: {
          image: "./containers/transcoder",
          maxInstances: 4,
          regions: ["WEUR", "EEUR"],
          jurisdiction: "eu",
          rollout: { stepPercentage: [10, 50, 100], activeGracePeriod: "10m" },
        },
      }),
    });
    const { config, warnings } = await readWithWrangler(result.path);
    expect(warnings).toEqual([]);
    expect(config.containers?.[0]).toMatchObject({
      class_name: "TranscoderContainer",
      constraints: { regions: ["WEUR", "EEUR"], jurisdiction: "eu" },
      rollout_step_percentage: [10, 50, 100],
      rollout_active_grace_period: 600,
    });
  });
});
