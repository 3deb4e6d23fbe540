/**
 * The exec wire format between the client (`handle.exec()`) and the Durable Object (`MoorageContainer.exec`):
 * one byte stream, returned over Durable Object RPC, carrying the process's start, its stdout and stderr chunks
 * and its end as frames `[type: u8][length: u32 big-endian][payload]`.
 *
 * Why one framed stream: RPC can return a `ReadableStream`, but not two streams plus a promise that stay
 * ordered; one stream keeps stdout, stderr and the exit in the order they happened and has one owner to cancel.
 * Boundary: encoding and decoding only, shared by both sides; no I/O, no Node built-ins.
 */

/** Frame types. `start` and `end` carry JSON; `stdout` and `stderr` carry the bytes as written. */
export const EXEC_FRAME = { start: 1, stdout: 2, stderr: 3, end: 4 } as const;
export type ExecFrameType = (typeof EXEC_FRAME)[keyof typeof EXEC_FRAME];

/** Options that cross the wire (the signal and the stdin stream travel separately). */
export interface ExecWireOptions {
  cwd?: string;
  env?: Record<string, string>;
  user?: string;
  /** Killed (SIGKILL) after this long; the end frame then says `timedOut`. */
  timeoutMs?: number;
}

/** The first frame: the process started. */
export interface ExecStartFrame {
  /** Names the process for `execSignal(id, signo)` on the same object. */
  id: string;
  pid: number;
}

/** Why an exec did not produce an exit code. */
export type ExecFailure =
  /** The command does not exist in the image (the shell answered 127 "not found"). */
  | "command-not-found"
  /** The command exists but cannot be executed (126: permissions, not a binary). */
  | "command-not-executable"
  /** The platform refused to start the process (no shell in the image, bad user or cwd, ...). */
  | "exec-failed";

/** The last frame: an exit code, or why there is none. */
export type ExecEndFrame =
  | { exitCode: number; timedOut?: boolean; killed?: boolean }
  | { error: ExecFailure; message: string };

export function encodeFrame(type: ExecFrameType, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(5 + payload.byteLength);
  out[0] = type;
  new DataView(out.buffer).setUint32(1, payload.byteLength);
  out.set(payload, 5);
  return out;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodeJsonFrame(type: typeof EXEC_FRAME.start | typeof EXEC_FRAME.end, value: unknown): Uint8Array {
  return encodeFrame(type, encoder.encode(JSON.stringify(value)));
}

export interface DecodedFrame {
  type: ExecFrameType;
  payload: Uint8Array;
}

/** Incremental decoder: feed chunks in any split, get whole frames. Throws on an unknown frame type. */
export function createFrameDecoder(): { push(chunk: Uint8Array): DecodedFrame[]; pending(): number } {
  let buffer: Uint8Array = new Uint8Array(0);
  return {
    push(chunk) {
      if (buffer.byteLength === 0) buffer = chunk;
      else {
        const joined = new Uint8Array(buffer.byteLength + chunk.byteLength);
        joined.set(buffer);
        joined.set(chunk, buffer.byteLength);
        buffer = joined;
      }
      const frames: DecodedFrame[] = [];
      while (buffer.byteLength >= 5) {
        const type = buffer[0] as number;
        if (type < EXEC_FRAME.start || type > EXEC_FRAME.end)
          throw new Error(`moorage exec: unknown frame type ${type}`);
        const length = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength).getUint32(1);
        if (buffer.byteLength < 5 + length) break;
        frames.push({ type: type as ExecFrameType, payload: buffer.slice(5, 5 + length) });
        buffer = buffer.subarray(5 + length);
      }
      return frames;
    },
    pending: () => buffer.byteLength,
  };
}

export function decodeJson<T>(payload: Uint8Array): T {
  return JSON.parse(decoder.decode(payload)) as T;
}
