/**
 * The media app's server functions: the job queue that containers work through, called back from inside the
 * renderer with the Moorage bridge (`jobs:listPending`, `jobs:markDone`, `jobs:transcode`).
 *
 * Why it exists: it is the other half of the container story — containers calling into the app. Every function
 * refuses anonymous callers, so a container without the right token (token mode) gets a 401, while a container
 * calling through the zero-config bridge is identified by the platform as `{ container, instance }`.
 * Boundary: the queue lives in the Worker isolate's memory; a real app would keep it in a Durable Object or D1.
 */
import { action, mutation, query, UnauthorizedError } from "moorage/server";
import * as v from "valibot";

interface Job {
  id: string;
  kind: "render" | "transcode";
  done: boolean;
  doneBy?: string;
}

/** In-memory queue, seeded so a fresh dev server has work to list. */
const jobs = new Map<string, Job>(
  ["doc-1", "doc-2", "doc-3"].map((id) => [id, { id, kind: "render", done: false } satisfies Job]),
);

/** Describes the caller for logs and `doneBy`; throws 401 for anonymous calls. */
function requireCaller(identity: unknown): string {
  if (identity === null || identity === undefined) {
    throw new UnauthorizedError("jobs: call with the container token, or through the zero-config bridge");
  }
  const who = identity as { kind?: string; container?: string; instance?: string };
  return who.kind === "container" ? `${who.container}/${who.instance}` : (who.kind ?? "caller");
}

/** Who the app thinks is calling: lets a container (and the test suite) see its own identity. */
export const whoami = query.handler(({ ctx }) => {
  requireCaller(ctx.identity);
  return ctx.identity;
});

export const listPending = query.input(v.object({ limit: v.optional(v.number(), 10) })).handler(({ args, ctx }) => {
  requireCaller(ctx.identity);
  return [...jobs.values()].filter((job) => !job.done).slice(0, args.limit);
});

export const markDone = mutation.input(v.object({ id: v.string() })).handler(({ args, ctx }) => {
  const by = requireCaller(ctx.identity);
  const job = jobs.get(args.id) ?? { id: args.id, kind: "render", done: false };
  jobs.set(args.id, { ...job, done: true, doneBy: by });
  return jobs.get(args.id);
});

/** An action drives another container: the transcoder for this document, through `ctx.containers`. */
export const transcode = action.input(v.object({ docId: v.string() })).handler(async ({ args, ctx }) => {
  const by = requireCaller(ctx.identity);
  const response = await ctx.containers.transcoder.get(args.docId).fetch("/transcode", {
    method: "POST",
    body: JSON.stringify({ docId: args.docId }),
  });
  if (!response.ok) throw new Error(`transcoder answered ${response.status}`);
  const result = (await response.json()) as { bootId: string; format: string };
  jobs.set(`${args.docId}:transcode`, { id: `${args.docId}:transcode`, kind: "transcode", done: true, doneBy: by });
  return {
    docId: args.docId,
    transcoderBoot: result.bootId,
    format: result.format,
    attempts: response.headers.get("moorage-attempts"),
  };
});
