/**
 * A fake Docker Engine API on a unix socket, for unit tests of code that reads containers and their logs: it
 * answers `GET /containers/json`, `GET /containers/<id>/json` and `GET /containers/<id>/logs` (in Docker's
 * multiplexed framing) from an in-memory list. Test-only; records every path it was asked for.
 */
import { mkdtempSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface FakeContainer {
  id: string;
  name: string;
  env: string[];
  running: boolean;
  exitCode?: number;
  created: number;
  labels?: Record<string, string>;
  /** [stream, "2026-12-01T09:00:00.000000000Z text"] pairs, newline added per line. */
  lines: Array<["stdout" | "stderr", string]>;
}

export function frame(stream: "stdout" | "stderr", text: string): Buffer {
  const body = Buffer.from(text);
  const head = Buffer.alloc(8);
  head[0] = stream === "stderr" ? 2 : 1;
  head.writeUInt32BE(body.length, 4);
  return Buffer.concat([head, body]);
}

export async function fakeDocker(containers: FakeContainer[]) {
  const paths: string[] = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://docker");
    paths.push(`${url.pathname}${url.search}`);
    const json = (status: number, body: unknown) =>
      res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
    if (url.pathname === "/containers/json") {
      const labelled = containers.filter((c) => (c.labels ?? { "dev.workerd.session": "s1" })["dev.workerd.session"]);
      return json(
        200,
        labelled.map((c) => ({
          Id: c.id,
          Names: [`/${c.name}`],
          Created: c.created,
          Labels: c.labels ?? { "dev.workerd.session": "s1" },
        })),
      );
    }
    const m = /^\/containers\/([^/]+)\/(json|logs)$/.exec(url.pathname);
    const c = m ? containers.find((x) => x.id === m[1]) : undefined;
    if (!m || !c) return json(404, { message: "no such container" });
    if (m[2] === "json") {
      return json(200, {
        Id: c.id,
        Name: `/${c.name}`,
        Config: { Env: c.env },
        State: {
          Status: c.running ? "running" : "exited",
          Running: c.running,
          ExitCode: c.exitCode ?? 0,
          StartedAt: "2026-12-01T09:00:00Z",
          FinishedAt: c.running ? "0001-01-01T00:00:00Z" : "2026-12-01T09:05:00Z",
        },
      });
    }
    const tail = url.searchParams.get("tail");
    const lines = tail === null ? c.lines : c.lines.slice(-Number(tail));
    res.writeHead(200, { "content-type": "application/vnd.docker.multiplexed-stream" });
    // One frame per line, the first split in two, so readers must join frames across chunks.
    for (const [stream, text] of lines) {
      const f = frame(stream, `${text}\n`);
      res.write(f.subarray(0, 5));
      res.write(f.subarray(5));
    }
    res.end();
  });
  const dir = mkdtempSync(join(tmpdir(), "moorage-fake-docker-"));
  const socket = join(dir, "docker.sock");
  await new Promise<void>((r) => server.listen(socket, r));
  return {
    dockerHost: `unix://${socket}`,
    paths,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
