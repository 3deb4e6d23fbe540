/**
 * Typed references: the generated `api` proxy and `makeReference` name the right paths and carry the right types.
 */
import { describe, expect, expectTypeOf, it } from "vitest";
import { api } from "../../test/fixtures/functions/api.js";
import type * as jobs from "../../test/fixtures/functions/jobs.js";
import {
  createApi,
  FUNCTION_PATH,
  functionPathOf,
  makeReference,
  type ReferenceArgs,
  type ReferenceResult,
} from "./reference.js";

describe("references", () => {
  it("name 'file:export' paths from api property access", () => {
    expect(functionPathOf(api.jobs.listPending)).toBe("jobs:listPending");
    expect(api.jobs.markDone[FUNCTION_PATH]).toBe("jobs:markDone");
    expect(`${api.jobs.render}`).toBe("jobs:render");
    expect(functionPathOf("jobs:echo")).toBe("jobs:echo");
  });

  it("join nested directories with '/'", () => {
    const nested = createApi<{ "admin/users:list": typeof jobs.whoami }>();
    expect(functionPathOf(nested.admin.users.list)).toBe("admin/users:list");
  });

  it("explain a reference that stops at the file", () => {
    expect(() => functionPathOf(api.jobs as never)).toThrow(/api.jobs is not a function reference/);
    expect(() => functionPathOf({} as never)).toThrow(/Expected a function path/);
  });

  it("are not thenable", async () => {
    expect((api.jobs as unknown as { then?: unknown }).then).toBeUndefined();
    const awaited = await (api.jobs.listPending as unknown as Promise<unknown>);
    expect(functionPathOf(awaited as never)).toBe("jobs:listPending");
  });

  it("makeReference validates the path", () => {
    expect(functionPathOf(makeReference<typeof jobs.listPending>("jobs:listPending"))).toBe("jobs:listPending");
    expect(() => makeReference("listPending")).toThrow(/expected "<file>:<export>"/);
  });

  it("carry kind, args and result types", () => {
    expectTypeOf<ReferenceArgs<typeof api.jobs.listPending>>().toEqualTypeOf<{ limit: number }>();
    expectTypeOf<ReferenceResult<typeof api.jobs.listPending>>().toEqualTypeOf<jobs.Job[]>();
    expectTypeOf<ReferenceArgs<typeof api.jobs.markDone>>().toEqualTypeOf<{ id: string; note?: string | undefined }>();
    // @ts-expect-error no such export
    void api.jobs.nope;
  });
});
