/**
 * What `npm run demo` prints once the example app answers: the pages to open and the commands to try, and how it
 * counts the images wrangler dev has built while it waits.
 *
 * Why a module of its own: the demo script runs as soon as it is imported; this part is plain text and matching,
 * so a unit test (test/unit/demo-text.test.ts) checks that every page printed is one the app serves from its assets.
 * Boundary: strings only; no process, network or Docker access.
 */

/** The example's pages (files in examples/media-app/public, served as assets), as the demo lists them. */
export const DEMO_PAGES = [
  {
    path: "/terminal?id=doc-1",
    asset: "terminal.html",
    what: "a live terminal into doc-1's renderer (xterm.js over get(id).terminal()), with an exec form",
  },
  {
    path: "/journal?id=notes-1",
    asset: "journal.html",
    what: "a persisted entity: add an entry, stop the container, load again (its /data is restored)",
  },
];

/**
 * How many of the containers' images wrangler dev has built, from the engine's repository names. wrangler dev tags
 * an image `cloudflare-dev/<class, lowercased>` and, for a named image under the durable_object policy,
 * `cloudflare-dev/<class, lowercased>-<image name>-<hash>`.
 */
export function imagesBuilt(classNames, repositories) {
  return classNames.filter((c) => {
    const name = `cloudflare-dev/${c.toLowerCase()}`;
    return repositories.some((repo) => repo === name || repo.startsWith(`${name}-`));
  }).length;
}

/** The text printed when the app is up: `base` is its URL, `fetcherId` a fetcher id of this run's own. */
export function tryItText(base, fetcherId) {
  const u = base;
  const f = fetcherId;
  const pages = DEMO_PAGES.map((p) => `  ${u}${p.path}\n      ${p.what}`).join("\n");
  return `
\x1b[32mThe media app is running with real containers at ${u}\x1b[0m
(Ctrl-C stops it and its containers; \`bash scripts/provision.sh stop\` stops the Docker engine the demo started.)

Open in a browser:
${pages}

  # one renderer container per document (get(id)); cold start cost in the moorage-* headers
  curl -i -X POST ${u}/docs/doc-1/render --data 'hello moorage'
  curl ${u}/docs/doc-1/admin                  # second port, via .port(9090)
  curl ${u}/docs/doc-1/build-info             # buildArgs baked into the image
  curl ${u}/docs/doc-1/env                    # env, .dev.vars secret, Secrets Store value (fingerprints)
  curl -X POST ${u}/docs/doc-1/exec --data '{"cmd":"ls /app"}'   # exec in that container
  # a pool of three thumbnailers: any() and pool({ attempts }) with failover
  curl -i ${u}/thumbs?w=256
  curl -X POST ${u}/thumbs/0/poison --data '{"mode":"5xx"}' && curl -i "${u}/thumbs/pool?attempts=3"
  # egress firewall: allowed partner host, unlisted host refused, then opened at run time for one instance
  curl "${u}/fetch/${f}?url=http://partner.media.test/catalog.json"
  curl "${u}/fetch/${f}?url=http://late.media.test/feed"
  curl -X POST ${u}/fetch/${f}/allow --data '{"host":"late.media.test"}' && curl "${u}/fetch/${f}?url=http://late.media.test/feed"
  # the renderer calls back into the app's functions through the bridge (zero-config, then token mode)
  curl -X POST ${u}/docs/doc-2/callback --data '{"mode":"zero-config","docId":"doc-2"}'
  curl -X POST ${u}/docs/doc-2/callback --data '{"mode":"token","docId":"doc-3"}'
  # a persisted entity: /data survives the stop (and an idle sleep after 1 min)
  curl -X POST ${u}/journal/notes-1/entries --data 'remember me' && curl -X POST ${u}/journal/notes-1/stop
  curl ${u}/journal/notes-1/entries           # a new container (another bootId), the same entries
  # lifecycle
  curl ${u}/state/renderer/doc-1
  curl -X POST ${u}/lifecycle/renderer/doc-1/stop
  curl ${u}/archive/report-1                  # missing secret: Moorage refuses to start, says where to set it
  # WebSocket live preview: node -e 'const w=new WebSocket("ws://127.0.0.1:${new URL(u).port}/docs/doc-1/preview");w.onopen=()=>w.send("hi");w.onmessage=e=>{console.log(e.data);w.close()}'
`;
}
