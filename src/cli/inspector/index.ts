/**
 * The live inspector `moorage dev` serves: what the dev command calls to start it, feed it wrangler's output and
 * stop it.
 *
 * Pieces: `tap.ts` finds Moorage's records in wrangler's output, `engine-watch.ts` polls the local engine for
 * containers and log tails, `state.ts` folds both into a snapshot, `server.ts` serves the page (`ui/`, bundled at
 * package build time) and streams snapshots to it.
 * Boundary: wiring only.
 */
import { readFileSync } from "node:fs";
import { parse as parseJsonc } from "jsonc-parser";
import type { DiscoveredContainer } from "../../authoring/discover.js";
import { className } from "../../definition/naming.js";
import { isCrash, withCrashLines } from "./crash-lines.js";
import { type EngineWatch, watchEngine } from "./engine-watch.js";
import { type InspectorServerOptions, startInspectorServer } from "./server.js";
import { type DeclaredContainer, InspectorState } from "./state.js";
import { LineSplitter, parseRecordLine } from "./tap.js";

export interface Inspector {
  url: string;
  state: InspectorState;
  /** Feed wrangler's output (stdout and stderr) here, as it arrives. */
  tap(chunk: Buffer | string, stream: "stdout" | "stderr"): void;
  /** After a regeneration: the declared containers again. */
  redeclare(containers: readonly DiscoveredContainer[]): void;
  close(): Promise<void>;
}

export interface InspectorOptions extends InspectorServerOptions {
  containers: readonly DiscoveredContainer[];
  /** The project's wrangler config, for the Worker's name (which tells its containers from others'). */
  wranglerFile?: string | undefined;
  /** The local engine; without one, the page shows records only. */
  dockerHost?: string | undefined;
  pollIntervalMs?: number;
}

/** The Worker's `name` from a wrangler.json(c)/toml, if it has one. */
export function workerNameOf(file: string | undefined): string | undefined {
  if (!file) return undefined;
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
  if (file.endsWith(".toml")) return /^\s*name\s*=\s*"([^"]+)"/m.exec(text)?.[1];
  const parsed = parseJsonc(text) as { name?: unknown } | undefined;
  return typeof parsed?.name === "string" ? parsed.name : undefined;
}

const declared = (containers: readonly DiscoveredContainer[]): DeclaredContainer[] =>
  containers.map((c) => ({ name: c.exportName, className: className(c.exportName) }));

export async function startInspector(options: InspectorOptions): Promise<Inspector> {
  const worker = workerNameOf(options.wranglerFile);
  const state = new InspectorState({
    ...(worker === undefined ? {} : { worker }),
    containers: declared(options.containers),
  });
  if (!options.dockerHost) state.setEngine(false, "no local engine: containers do not run in this session");
  const serverOptions: InspectorServerOptions = {};
  if (options.port !== undefined) serverOptions.port = options.port;
  if (options.assetsDir !== undefined) serverOptions.assetsDir = options.assetsDir;
  if (options.throttleMs !== undefined) serverOptions.throttleMs = options.throttleMs;
  const server = await startInspectorServer(state, serverOptions);
  let engine: EngineWatch | undefined;
  if (options.dockerHost) {
    engine = watchEngine(state, {
      dockerHost: options.dockerHost,
      ...(options.pollIntervalMs === undefined ? {} : { intervalMs: options.pollIntervalMs }),
    });
  }
  const onLine = (line: string) => {
    const record = parseRecordLine(line);
    if (!record) return;
    // A crash's stop event carries its last lines, read from the local engine (the object cannot read them).
    if (isCrash(record) && options.dockerHost)
      void withCrashLines(record, options.dockerHost).then((r) => state.apply(r));
    else state.apply(record);
  };
  const splitters = { stdout: new LineSplitter(onLine), stderr: new LineSplitter(onLine) };
  return {
    url: server.url,
    state,
    tap: (chunk, stream) => splitters[stream].push(chunk),
    redeclare: (containers) => state.setDeclared(declared(containers)),
    async close() {
      splitters.stdout.flush();
      splitters.stderr.flush();
      engine?.close();
      await server.close();
    },
  };
}
