/**
 * Reading container logs from the engine: Docker's framing split across chunks, finding a container's instances
 * by the environment Moorage's Durable Object gives them (and never the networking sidecars or foreign
 * containers), tails, and an exited container's exit code.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fakeDocker, frame } from "../../test/support/fake-docker.js";
import { createLogDemuxer, findInstanceContainers, lastLines, readLogs } from "./container-logs.js";

const T = "2026-12-01T09:00:01.000000000Z";
const env = (container: string, instance: string) => [
  `MOORAGE_CONTAINER=${container}`,
  `MOORAGE_INSTANCE=${instance}`,
  "PATH=/bin",
];

let docker: Awaited<ReturnType<typeof fakeDocker>>;
beforeAll(async () => {
  docker = await fakeDocker([
    {
      id: "a1",
      name: "workerd-s1-app-TranscoderContainer-aa",
      env: env("transcoder", "video-1"),
      running: true,
      created: 10,
      lines: [
        ["stdout", `${T} listening on 8080`],
        ["stderr", `${T} warn: cold cache`],
      ],
    },
    { id: "a1p", name: "workerd-s1-app-TranscoderContainer-aa-proxy", env: [], running: true, created: 10, lines: [] },
    {
      id: "b1",
      name: "workerd-s1-app-TranscoderContainer-bb",
      env: env("transcoder", "video-2"),
      running: false,
      exitCode: 3,
      created: 20,
      lines: [
        ["stdout", `${T} step 1`],
        ["stdout", `${T} step 2`],
        ["stderr", `${T} fatal: out of disk`],
      ],
    },
    {
      id: "c1",
      name: "workerd-s1-app-FetcherContainer-cc",
      env: env("fetcher", "x"),
      running: true,
      created: 30,
      lines: [],
    },
    {
      id: "s2",
      name: "workerd-s2-app-ArchiverContainer-dd",
      env: env("archiver", "latest"),
      running: true,
      created: 50,
      labels: { "dev.workerd.session": "s2" },
      lines: [],
    },
    {
      id: "z1",
      name: "someone-elses",
      env: env("transcoder", "video-1"),
      running: true,
      created: 40,
      labels: {},
      lines: [],
    },
  ]);
});
afterAll(() => docker.close());

describe("container logs from the engine", () => {
  it("demuxes frames split anywhere, keeps stdout and stderr apart, and strips timestamps", () => {
    const d = createLogDemuxer();
    const all = Buffer.concat([
      frame("stdout", `${T} one\n${T} tw`),
      frame("stderr", `${T} err\n`),
      frame("stdout", `o\n${T} no newline`),
    ]);
    const lines = [
      ...d.push(all.subarray(0, 3)),
      ...d.push(all.subarray(3, 20)),
      ...d.push(all.subarray(20)),
      ...d.flush(),
    ];
    expect(lines).toEqual([
      { stream: "stdout", time: T, text: "one" },
      { stream: "stderr", time: T, text: "err" },
      { stream: "stdout", time: T, text: "two" },
      { stream: "stdout", time: T, text: "no newline" },
    ]);
  });

  it("finds a container's instances by MOORAGE_CONTAINER / MOORAGE_INSTANCE, newest first, without sidecars or unlabelled containers", async () => {
    const all = await findInstanceContainers(docker.dockerHost, { container: "transcoder" });
    expect(all.map((c) => [c.id, c.instance, c.running, c.exitCode])).toEqual([
      ["b1", "video-2", false, 3],
      ["a1", "video-1", true, undefined],
    ]);
    const one = await findInstanceContainers(docker.dockerHost, { container: "transcoder", instance: "video-1" });
    expect(one.map((c) => c.id)).toEqual(["a1"]);
    expect(await findInstanceContainers(docker.dockerHost, { container: "nope" })).toEqual([]);
  });

  it("narrows to one dev session and to containers created since a time", async () => {
    const s2 = await findInstanceContainers(docker.dockerHost, { session: "s2" });
    expect(s2.map((c) => [c.id, c.session, c.createdAt])).toEqual([["s2", "s2", 50_000]]);
    const recent = await findInstanceContainers(docker.dockerHost, { session: "s1", createdSince: 20_000 });
    expect(recent.map((c) => c.id)).toEqual(["c1", "b1"]);
  });

  it("reads a crashed instance's last lines", async () => {
    const { container, lines } = await lastLines(
      docker.dockerHost,
      { container: "transcoder", instance: "video-2" },
      2,
    );
    expect(container?.exitCode).toBe(3);
    expect(lines.map((l) => `${l.stream}: ${l.text}`)).toEqual(["stdout: step 2", "stderr: fatal: out of disk"]);
    expect(docker.paths.at(-1)).toContain("tail=2");
    expect((await readLogs(docker.dockerHost, "a1")).map((l) => l.text)).toEqual([
      "listening on 8080",
      "warn: cold cache",
    ]);
  });
});
