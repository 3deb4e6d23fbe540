/**
 * Builders, `ctx` per kind, and `callFunction`: runtime behaviour plus type-level checks that `tsc` enforces
 * through the `@ts-expect-error` lines (an unused one fails the typecheck).
 */
import * as v from "valibot";
import { describe, expect, expectTypeOf, it, vi } from "vitest";
import { z } from "zod";
import * as jobs from "../../test/fixtures/functions/jobs.js";
import { action, mutation, query } from "../../test/fixtures/functions/server.js";
import { callFunction } from "./call.js";
import { InvalidArgsError } from "./errors.js";
import { type ArgsOf, createFunctions, isMoorageFunction, type ResultOf } from "./functions.js";

const env = { GREETING: "hello" };

describe("builders", () => {
  it("build inert function objects of each kind", () => {
    expect(jobs.listPending.kind).toBe("query");
    expect(jobs.markDone.kind).toBe("mutation");
    expect(jobs.render.kind).toBe("action");
    expect(isMoorageFunction(jobs.whoami)).toBe(true);
    expect(isMoorageFunction({ kind: "query" })).toBe(false);
  });

  it("refuses a non-schema input with a directed error", () => {
    const { query } = createFunctions();
    expect(() => query.input({ id: "string" } as never)).toThrow(/Standard Schema v1 schema/);
  });

  it("type args from the schema's output for the handler and its input for callers", () => {
    const fn = query.input(z.object({ n: z.string().transform((s) => s.length) })).handler(({ args }) => {
      expectTypeOf(args).toEqualTypeOf<{ n: number }>();
      return args.n;
    });
    expectTypeOf<ArgsOf<typeof fn>>().toEqualTypeOf<{ n: string }>();
    expectTypeOf<ResultOf<typeof fn>>().toEqualTypeOf<number>();
    expectTypeOf<ResultOf<typeof jobs.listPending>>().toEqualTypeOf<jobs.Job[]>();
    expectTypeOf<ArgsOf<typeof jobs.whoami>>().toEqualTypeOf<undefined>();
  });

  it("keep action-only ctx out of queries and mutations at the type level", () => {
    query.handler(({ ctx }) => {
      // @ts-expect-error ctx.containers exists only in actions
      void ctx.containers;
      // @ts-expect-error ctx.fetch exists only in actions
      void ctx.fetch;
      expectTypeOf(ctx.env.GREETING).toEqualTypeOf<string>();
    });
    mutation.handler(({ ctx }) => {
      // @ts-expect-error ctx.containers exists only in actions
      void ctx.containers;
    });
    action.handler(({ ctx }) => {
      expectTypeOf(ctx.containers.renderer.get).parameter(0).toEqualTypeOf<string>();
      expectTypeOf(ctx.fetch).toEqualTypeOf<typeof fetch>();
    });
  });
});

describe("callFunction", () => {
  it("validates with zod and valibot before running", async () => {
    await expect(callFunction(jobs.listPending, { limit: 1 }, { env })).resolves.toHaveLength(1);
    await expect(callFunction(jobs.markDone, { id: "abc" }, { env, identity: null })).resolves.toEqual({
      id: "abc",
      note: undefined,
      by: null,
    });
    const error = await callFunction(jobs.listPending, { limit: 0 }, { env }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidArgsError);
    expect((error as InvalidArgsError).status).toBe(422);
    expect((error as InvalidArgsError).issues[0]?.path).toEqual(["limit"]);
    await expect(callFunction(jobs.markDone, { id: 1 as never }, { env })).rejects.toThrow(/id:/);
  });

  it("supports async schemas", async () => {
    const { query } = createFunctions();
    const slow = query
      .input(
        v.pipeAsync(
          v.string(),
          v.checkAsync(async (s) => s === "ok", "must be ok"),
        ),
      )
      .handler(({ args }) => args);
    await expect(callFunction(slow, "ok", { env: {} })).resolves.toBe("ok");
    await expect(callFunction(slow, "no", { env: {} })).rejects.toThrow(/must be ok/);
  });

  it("passes identity and env through", async () => {
    const identity = { kind: "user" as const, userId: "u1" };
    await expect(callFunction(jobs.whoami, undefined, { env, identity })).resolves.toEqual({
      identity,
      greeting: "hello",
    });
  });

  it("gives actions containers, as a value or a factory called on first use", async () => {
    const renderer = { get: () => ({ fetch: async () => new Response("ok") }) };
    await expect(callFunction(jobs.render, { id: "a" }, { env, containers: { renderer } })).resolves.toEqual({
      status: 200,
      body: "ok",
    });
    const factory = vi.fn(() => ({ renderer }));
    await callFunction(jobs.render, { id: "a" }, { env, containers: factory });
    expect(factory).toHaveBeenCalledTimes(1);
  });

  it("throws a directed error when an action uses unconfigured containers", async () => {
    await expect(callFunction(jobs.render, { id: "a" }, { env })).rejects.toThrow(/ctx.containers is not configured/);
  });

  it("throws a directed error when a query forces ctx.containers", async () => {
    await expect(
      callFunction(jobs.forcedContainers, undefined, { env, name: "jobs:forcedContainers" }),
    ).rejects.toThrow("ctx.containers is only available in actions: jobs:forcedContainers is a query.");
    const { mutation } = createFunctions();
    const forced = mutation.handler(({ ctx }) => (ctx as unknown as { fetch: unknown }).fetch);
    await expect(callFunction(forced, undefined, { env })).rejects.toThrow(
      /ctx.fetch is only available in actions: this mutation/,
    );
  });

  it("ignores args for functions without input", async () => {
    const { query } = createFunctions();
    const fn = query.handler(({ args }) => args);
    await expect(callFunction(fn, { sneaky: true } as never, { env: {} })).resolves.toBeUndefined();
  });

  it("types its args and options", () => {
    // @ts-expect-error limit must be a number
    void (() => callFunction(jobs.listPending, { limit: "1" }, { env }));
    // @ts-expect-error env must match the app's Env
    void (() => callFunction(jobs.listPending, { limit: 1 }, { env: { nope: 1 } }));
    expectTypeOf(callFunction(jobs.listPending, { limit: 1 }, { env })).resolves.toEqualTypeOf<jobs.Job[]>();
  });
});
