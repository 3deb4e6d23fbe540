/**
 * WebSocket pass-through that keeps activity accounting honest: the upgrade is accepted on both sides and frames
 * are forwarded, so the object sees every frame (each renews the sleep timer) and sees the close (which releases
 * the request's activity). Returning the container's socket untouched would leave the object blind: either a busy
 * socket gets its container put to sleep, or a closed one keeps it awake forever.
 *
 * Boundary: one socket pair per upgrade. Workerd-only (`WebSocketPair`); the unit suite installs a fake.
 */
import type { Release } from "./activity.js";

/** Close codes that may not be sent in a close frame; forward them as a normal closure. */
function sendableCode(code: number): number {
  return code === 1005 || code === 1006 || code === 1015 ? 1000 : code;
}

export function proxyWebSocket(
  upstream: Response & { webSocket: WebSocket },
  release: Release,
  onFrame: () => void,
  headers: Headers,
): Response {
  const container = upstream.webSocket;
  const pair = new WebSocketPair();
  const client = pair[0];
  const server = pair[1];
  container.accept();
  server.accept();
  // From compatibility date 2026-03-17 (websocket_standard_binary_type) binary messages arrive as Blob, which
  // `send()` does not take: ask for ArrayBuffer on both sides so binary frames pass through byte for byte.
  (container as { binaryType?: string }).binaryType = "arraybuffer";
  (server as { binaryType?: string }).binaryType = "arraybuffer";

  const forward = (from: WebSocket, to: WebSocket, failure: string) => {
    from.addEventListener("message", (event: MessageEvent) => {
      onFrame();
      try {
        to.send(event.data as string | ArrayBuffer);
      } catch {
        from.close(1011, failure);
      }
    });
    from.addEventListener("close", (event: CloseEvent) => {
      release();
      try {
        to.close(sendableCode(event.code), event.reason);
      } catch {
        // The other side is already closed.
      }
    });
    from.addEventListener("error", () => {
      release();
      try {
        to.close(1011, failure);
      } catch {
        // The other side is already closed.
      }
    });
  };
  forward(server, container, "moorage: could not forward a frame to the container");
  forward(container, server, "moorage: could not forward a frame to the client");

  return new Response(null, { status: upstream.status, webSocket: client, headers });
}
