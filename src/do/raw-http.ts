/**
 * One HTTP GET over a raw TCP socket to a container port (`getTcpPort(port).connect()`), returning the status.
 *
 * Why not `getTcpPort(port).fetch()`: workerd pools HTTP connections per port, and a probe answered without a body
 * (a `204` from a `readyOn` check on an admin port) left a pooled connection that the first real request to that
 * port then found closed: a 502 "Container port connection closed unexpectedly", every time (tested in
 * test/real/runtime.test.ts). A probe on its own socket, with `Connection: close`, closed as soon as the status line
 * arrived, never touches the pool the real requests use.
 *
 * Boundary: the status line only; headers and body are never read.
 */

/** The part of a container port the probe needs. */
export interface RawPort {
  connect(address: string, options?: SocketOptions): Socket;
}

const encoder = new TextEncoder();
/** Longest answer prefix read while looking for the status line. */
const MAX_HEAD = 4096;

/** Sends `GET path` and resolves with the answer's status; rejects with the runtime's error if nothing answers. */
export async function rawGetStatus(port: RawPort, path: string, timeoutMs: number): Promise<number> {
  const socket = port.connect("container:80");
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  const exchange = async (): Promise<number> => {
    const writer = socket.writable.getWriter();
    await writer.write(
      encoder.encode(
        `GET ${path} HTTP/1.1\r\nHost: container\r\nUser-Agent: moorage-probe\r\nConnection: close\r\n\r\n`,
      ),
    );
    writer.releaseLock();
    const reader = socket.readable.getReader();
    const decoder = new TextDecoder();
    let head = "";
    while (!head.includes("\r\n") && head.length < MAX_HEAD) {
      const { value, done } = await reader.read();
      if (done) throw new Error("the container closed the connection without answering");
      head += decoder.decode(value as Uint8Array, { stream: true });
    }
    reader.releaseLock();
    const status = /^HTTP\/1\.[01] (\d{3})/.exec(head);
    if (!status)
      throw new Error(`the container answered something that is not HTTP/1.x: ${JSON.stringify(head.slice(0, 40))}`);
    return Number(status[1]);
  };
  try {
    return await Promise.race([exchange(), timeout]);
  } finally {
    clearTimeout(timer);
    socket.close().catch(() => {});
  }
}
