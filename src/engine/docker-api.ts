/**
 * A minimal Docker Engine API client (unix socket or tcp), with timeouts.
 *
 * Why: deciding how to run local containers (is an engine there, is an image present, can it be
 * pulled) must be quick and must not depend on which docker CLI version is installed. The engine API
 * answers that directly over DOCKER_HOST.
 * Boundary: GET/POST with small JSON answers; no streaming beyond draining a pull's progress.
 */
import http from "node:http";

export interface DockerEndpoint {
  socketPath?: string;
  host?: string;
  port?: number;
}

/** Parses DOCKER_HOST (`unix:///path`, `tcp://host:port`). Throws a directed error on anything else. */
export function parseDockerHost(dockerHost: string): DockerEndpoint {
  if (dockerHost.startsWith("unix://")) return { socketPath: dockerHost.slice("unix://".length) };
  if (dockerHost.startsWith("tcp://") || dockerHost.startsWith("http://")) {
    const url = new URL(dockerHost.replace(/^tcp:/, "http:"));
    return { host: url.hostname, port: Number(url.port || 2375) };
  }
  throw new Error(
    `unsupported DOCKER_HOST ${JSON.stringify(dockerHost)}: use unix:///path/to/docker.sock or tcp://host:port`,
  );
}

export interface DockerResponse {
  status: number;
  body: string;
}

export function dockerRequest(
  dockerHost: string,
  method: "GET" | "POST" | "DELETE",
  path: string,
  timeoutMs: number,
): Promise<DockerResponse> {
  const endpoint = parseDockerHost(dockerHost);
  return new Promise((resolve, reject) => {
    const req = http.request({ ...endpoint, method, path, headers: { host: "docker" }, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error(`docker ${method} ${path} timed out after ${timeoutMs} ms`)));
    req.on("error", reject);
    req.end();
  });
}

export interface EngineVersion {
  version: string;
  apiVersion: string;
}

/** The engine's version, or a rejection naming why it cannot be reached. */
export async function engineVersion(dockerHost: string, timeoutMs = 3000): Promise<EngineVersion> {
  const res = await dockerRequest(dockerHost, "GET", "/version", timeoutMs);
  if (res.status !== 200) throw new Error(`GET /version answered ${res.status}: ${res.body.slice(0, 200)}`);
  const v = JSON.parse(res.body) as { Version?: string; ApiVersion?: string };
  return { version: v.Version ?? "?", apiVersion: v.ApiVersion ?? "?" };
}

export async function imageExists(dockerHost: string, ref: string, timeoutMs = 3000): Promise<boolean> {
  const res = await dockerRequest(dockerHost, "GET", `/images/${encodeURIComponent(ref)}/json`, timeoutMs);
  return res.status === 200;
}

/** Image labels, or undefined when the image is absent. */
export async function imageLabels(
  dockerHost: string,
  ref: string,
  timeoutMs = 3000,
): Promise<Record<string, string> | undefined> {
  const res = await dockerRequest(dockerHost, "GET", `/images/${encodeURIComponent(ref)}/json`, timeoutMs);
  if (res.status !== 200) return undefined;
  const info = JSON.parse(res.body) as { Config?: { Labels?: Record<string, string> | null } };
  return info.Config?.Labels ?? {};
}

/** Tries to pull `ref`; resolves with undefined on success or the reason it failed. Never throws. */
export async function tryPull(dockerHost: string, ref: string, timeoutMs: number): Promise<string | undefined> {
  const at = ref.indexOf("@");
  const colon = ref.lastIndexOf(":", at < 0 ? ref.length : at);
  const slash = ref.lastIndexOf("/");
  let query: string;
  if (at >= 0) {
    // name[:tag]@digest: the engine wants the digest reference; drop the informational tag.
    const name = colon > slash ? ref.slice(0, colon) : ref.slice(0, at);
    query = `fromImage=${encodeURIComponent(`${name}${ref.slice(at)}`)}`;
  } else if (colon > slash) {
    query = `fromImage=${encodeURIComponent(ref.slice(0, colon))}&tag=${encodeURIComponent(ref.slice(colon + 1))}`;
  } else {
    query = `fromImage=${encodeURIComponent(ref)}&tag=latest`;
  }
  try {
    const res = await dockerRequest(dockerHost, "POST", `/images/create?${query}`, timeoutMs);
    if (res.status !== 200) {
      let message = res.body.trim();
      try {
        message = (JSON.parse(message) as { message?: string }).message ?? message;
      } catch {
        // Not JSON: keep the text.
      }
      return `pull answered ${res.status}: ${message.slice(0, 300)}`;
    }
    // Errors during a pull arrive inside the 200 progress stream.
    const error = res.body
      .split("\n")
      .filter(Boolean)
      .map((l) => {
        try {
          return (JSON.parse(l) as { error?: string }).error;
        } catch {
          return undefined;
        }
      })
      .find((e) => e !== undefined);
    return error;
  } catch (err) {
    return (err as Error).message;
  }
}
