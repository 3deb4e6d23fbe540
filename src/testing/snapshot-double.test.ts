/**
 * The double's images, sizes and snapshots behave like the object's (same rules, same codes, same messages):
 * the choice is kept for later starts, a stop persists the `persist` directories and the next start restores
 * them, a snapshot is refused for another image, and a container without the `durable_object` policy cannot
 * choose an image (a type error too).
 */
import { describe, expect, expectTypeOf, it } from "vitest";
import { defineContainer } from "../definition/define.js";
import { isMoorageError } from "../errors.js";
import { createContainerTestContext } from "./test-context.js";

const notes = defineContainer({
  schedulingPolicy: "durable_object",
  images: { base: "./containers/notes", gpu: "./containers/notes-gpu" },
  persist: ["/data"],
  instanceType: "standard-1",
});
const specs = [
  { exportName: "notes", binding: "CONTAINER_NOTES", images: ["base", "gpu"] },
  { exportName: "plain", binding: "CONTAINER_PLAIN" },
] as const;

const ok = () => new Response("ok");

async function refused(promise: Promise<unknown>) {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isMoorageError(error)) throw new Error(`expected a MoorageError, got ${String(error)}`);
  return error;
}

describe("the double's snapshots and run-time images", () => {
  it("keeps the image and size chosen at start; a stop persists /data and the next start restores it", async () => {
    const c = createContainerTestContext({ notes: ok, plain: ok }, { specs, definitions: { notes } });
    const entity = c.notes.get("n-1");
    await entity.start({ image: "gpu", instanceType: "standard-2" });
    expect(await entity.getState()).toMatchObject({ status: "healthy", image: "gpu", instanceType: "standard-2" });
    await entity.stop();
    expect((await entity.snapshots()).persisted).toMatchObject({
      image: "gpu",
      reason: "requested",
      dirs: [{ dir: "/data", id: "test-snapshot-1", size: 0 }],
    });
    await entity.fetch("/"); // a bare start: same image and size, /data restored
    expect(c.instance("notes", "n-1")).toMatchObject({ image: "gpu", restores: 1, starts: 2 });
    expect(await entity.getState()).toMatchObject({ image: "gpu", instanceType: "standard-2" });
  });

  it("refuses another image for persisted directories, unless they are discarded", async () => {
    const c = createContainerTestContext({ notes: ok, plain: ok }, { specs, definitions: { notes } });
    const entity = c.notes.get("n-2");
    await entity.start();
    await entity.stop();
    const error = await refused(entity.start({ image: "gpu" }));
    expect(error.code).toBe("snapshot-image-mismatch");
    expect(error.message).toContain('"/data" were persisted under image "base"');
    expect(c.instance("notes", "n-2").status).toBe("stopped");
    await entity.start({ image: "gpu", discardPersisted: true });
    expect((await entity.snapshots()).persisted).toBeUndefined();
  });

  it("snapshot() and start({ fromSnapshot }): recorded, restored into its own image only", async () => {
    const c = createContainerTestContext({ notes: ok, plain: ok }, { specs, definitions: { notes } });
    const entity = c.notes.get("n-3");
    expect((await refused(entity.snapshot())).code).toBe("snapshot-failed"); // not running
    await entity.start();
    const taken = await entity.snapshot({ name: "before-upgrade" });
    expect(taken).toMatchObject({ image: "base", name: "before-upgrade", size: 0 });
    await entity.stop("SIGKILL"); // no persist snapshot for a kill
    expect((await entity.snapshots()).persisted).toBeUndefined();
    expect((await refused(entity.start({ fromSnapshot: taken.id, image: "gpu" }))).code).toBe(
      "snapshot-image-mismatch",
    );
    expect((await refused(entity.start({ fromSnapshot: "elsewhere" }))).code).toBe("snapshot-not-found");
    await entity.start({ fromSnapshot: taken.id });
    expect(c.instance("notes", "n-3").restores).toBe(1);
    expect(c.callsTo("notes", "n-3").map((call) => call.method)).toContain("snapshot");
  });

  it("without the durable_object policy: no image choice (at run time and in the types), no snapshots", async () => {
    const c = createContainerTestContext({ notes: ok, plain: ok }, { specs, definitions: { notes } });
    expectTypeOf<Parameters<typeof c.notes.get>[0]>().toEqualTypeOf<string>();
    expectTypeOf<NonNullable<Parameters<ReturnType<typeof c.notes.get>["start"]>[0]>["image"]>().toEqualTypeOf<
      "base" | "gpu" | undefined
    >();
    expectTypeOf<
      NonNullable<Parameters<ReturnType<typeof c.plain.get>["start"]>[0]>["image"]
    >().toEqualTypeOf<undefined>();
    // @ts-expect-error: "cpu" is not a declared image
    await refused(c.notes.get("x").start({ image: "cpu" }));
    const plain = c.plain.get("p-1");
    // @ts-expect-error: a container without images cannot choose one
    const error = await refused(plain.start({ image: "base" }));
    expect(error.code).toBe("snapshot-unsupported");
    expect((await refused(plain.snapshot())).code).toBe("snapshot-unsupported");
  });
});
