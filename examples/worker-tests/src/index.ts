/**
 * The Worker under test: `POST /videos/<id>/transcode` sends the job to that video's transcoder instance and
 * answers with what the container said plus how many attempts the client needed.
 */
import { containers } from "../moorage/_generated/containers";

export * from "../moorage/_generated/containers";

/** The bindings `moorage sync` wrote into wrangler.jsonc (or generate this with `npx wrangler types`). */
export interface Env {
  CONTAINER_TRANSCODER: DurableObjectNamespace;
}

export default {
  async fetch(request, env) {
    const match = /^\/videos\/([^/]+)\/transcode$/.exec(new URL(request.url).pathname);
    if (request.method !== "POST" || match === null) return new Response("not found", { status: 404 });
    const res = await containers(env)
      .transcoder.get(decodeURIComponent(match[1] ?? ""))
      .fetch("/transcode", {
        method: "POST",
        body: await request.arrayBuffer(),
      });
    if (!res.ok) return new Response(`transcoder failed: ${res.status}`, { status: 502 });
    return Response.json({ result: await res.json(), attempts: Number(res.headers.get("moorage-attempts")) });
  },
} satisfies ExportedHandler<Env>;
