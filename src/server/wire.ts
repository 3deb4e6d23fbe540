/**
 * The wire encoding shared by the RPC endpoint (`moorage/server`) and the bridge client (`moorage/bridge`).
 *
 * JSON alone loses `Date`, `bigint`, `Uint8Array`, `undefined` and non-finite numbers, so those travel as tagged
 * objects. Everything else is plain JSON, which keeps the endpoint callable with curl from any language.
 *
 * Tags (the key is always `"$moorage"`):
 *   {"$moorage":"date","v":"2025-01-02T03:04:05.000Z"}   Date (`v` is null for an invalid Date)
 *   {"$moorage":"bigint","v":"12345678901234567890"}     bigint, decimal string
 *   {"$moorage":"bytes","v":"AQID"}                       Uint8Array, standard base64
 *   {"$moorage":"undefined"}                              undefined (in objects, arrays, or as the whole value)
 *   {"$moorage":"number","v":"NaN"}                       NaN, Infinity, -Infinity, -0
 *   {"$moorage":"object","v":{...}}                       escape: a user object that itself has a "$moorage" key
 *
 * A plain object is decoded as a tag only if it has a "$moorage" key; an unknown tag is an error rather than
 * being passed through, so a typo never silently becomes data. Pure module: no runtime-specific imports.
 */
import { MoorageError } from "../errors.js";

/** The key every tagged value carries. */
export const WIRE_TAG = "$moorage";

/**
 * Decoding is bounded in CPU, not only in bytes. Everything the decoder does is linear in the input except parsing
 * a decimal bigint, which is superlinear in its length (a 1 MB bigint tag cost ~40x plain JSON of the same size):
 * so one bigint is capped, and so is the sum of all bigint digits in one payload (otherwise 250 capped bigints in
 * 1 MB still cost ~14x). Nesting is capped too, so a deep payload is refused with a directed error instead of
 * exhausting the stack. Over-limit values are refused before `BigInt()` / `Date.parse` run.
 */
export const WIRE_LIMITS = {
  /** Most characters in one bigint's decimal string (sign included): about 13 600 bits. */
  maxBigintChars: 4096,
  /** Most bigint characters in one decoded payload, all bigints together (16 bigints of the largest size). */
  maxBigintTotalChars: 65_536,
  /** Most characters in a date string (an ISO timestamp has 24, extended years 27). */
  maxDateChars: 64,
  /** Deepest nesting of arrays and objects in one payload (the top-level value is depth 0). */
  maxDepth: 64,
} as const;

/** A JSON value, as produced by `encode` and accepted by `decode`. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/**
 * Thrown when a value cannot be encoded (`encode-failed`: a Map, a function, a cycle) or a payload cannot be decoded
 * (`decode-failed`: an unknown, malformed or over-limit tag). The message names the path (`$.args[2].when`).
 */
export class WireError extends MoorageError<"encode-failed" | "decode-failed"> {
  override name = "WireError";
}

/** Turn a value into JSON-safe data, tagging what plain JSON would lose. */
export function encode(value: unknown): JsonValue {
  return encodeValue(value, "$", new Set());
}

/**
 * Reverse `encode`. Throws `WireError` on an unknown or malformed tag, or a payload over `WIRE_LIMITS` (the
 * message names the path, the limit and what to send instead).
 */
export function decode(value: JsonValue | unknown): unknown {
  return decodeValue(value, "$", 0, { bigintChars: 0 });
}

/** `JSON.stringify(encode(value))`. */
export function stringify(value: unknown): string {
  return JSON.stringify(encode(value));
}

/** `decode(JSON.parse(text))`; a JSON syntax error surfaces as the platform's `SyntaxError`. */
export function parse(text: string): unknown {
  return decode(JSON.parse(text));
}

function encodeValue(value: unknown, path: string, seen: Set<object>): JsonValue {
  switch (typeof value) {
    case "string":
    case "boolean":
      return value;
    case "number":
      if (Number.isFinite(value) && !Object.is(value, -0)) return value;
      return tag("number", Object.is(value, -0) ? "-0" : String(value));
    case "bigint":
      return tag("bigint", value.toString());
    case "undefined":
      return { [WIRE_TAG]: "undefined" };
    case "function":
    case "symbol":
      throw new WireError("encode-failed", `cannot send a ${typeof value} at ${path}: only data crosses the wire`);
  }
  if (value === null) return null;
  const object = value as object;
  if (object instanceof Date) {
    const time = object.getTime();
    return tag("date", Number.isNaN(time) ? null : object.toISOString());
  }
  if (object instanceof Uint8Array) return tag("bytes", toBase64(object));
  if (seen.has(object)) throw new WireError("encode-failed", `cannot send a circular structure (at ${path})`);
  seen.add(object);
  try {
    if (Array.isArray(object)) return object.map((item, index) => encodeValue(item, `${path}[${index}]`, seen));
    if (object instanceof Map || object instanceof Set || ArrayBuffer.isView(object) || object instanceof ArrayBuffer) {
      throw new WireError(
        "encode-failed",
        `cannot send a ${object.constructor.name} at ${path}: convert it to an array, a plain object or a Uint8Array`,
      );
    }
    // Honour toJSON like JSON.stringify does (URL, custom classes), then encode what it returns.
    const toJSON = (object as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === "function") return encodeValue(toJSON.call(object), path, seen);
    const out: { [key: string]: JsonValue } = {};
    for (const [key, item] of Object.entries(object)) out[key] = encodeValue(item, `${path}.${key}`, seen);
    return Object.hasOwn(out, WIRE_TAG) ? tag("object", out) : out;
  } finally {
    seen.delete(object);
  }
}

/** What one `decode` call has spent so far, shared by every level of the walk. */
interface DecodeBudget {
  bigintChars: number;
}

function decodeValue(value: unknown, path: string, depth: number, budget: DecodeBudget): unknown {
  if (value === null || typeof value !== "object") return value;
  if (depth >= WIRE_LIMITS.maxDepth) {
    throw new WireError(
      "decode-failed",
      `value at ${path} is nested deeper than ${WIRE_LIMITS.maxDepth} levels; flatten the args (send deep trees as a string and parse them in the function)`,
    );
  }
  if (Array.isArray(value))
    return value.map((item, index) => decodeValue(item, `${path}[${index}]`, depth + 1, budget));
  const record = value as Record<string, unknown>;
  if (!Object.hasOwn(record, WIRE_TAG)) return decodeEntries(record, path, depth, budget);
  const kind = record[WIRE_TAG];
  const v = record.v;
  switch (kind) {
    case "undefined":
      return undefined;
    case "date":
      if (v === null) return new Date(Number.NaN);
      if (typeof v === "string" && v.length > WIRE_LIMITS.maxDateChars) throw overLimit("date", path, v.length);
      if (typeof v === "string" && !Number.isNaN(Date.parse(v))) return new Date(v);
      break;
    case "bigint":
      if (typeof v === "string" && v.length > WIRE_LIMITS.maxBigintChars) throw overLimit("bigint", path, v.length);
      if (typeof v === "string" && /^-?\d+$/.test(v)) {
        budget.bigintChars += v.length;
        if (budget.bigintChars > WIRE_LIMITS.maxBigintTotalChars) {
          throw new WireError(
            "decode-failed",
            `bigint values up to ${path} have ${budget.bigintChars} characters in all; at most ${WIRE_LIMITS.maxBigintTotalChars} are accepted per payload (send larger numbers as strings and parse them in the function)`,
          );
        }
        return BigInt(v);
      }
      break;
    case "bytes":
      if (typeof v === "string") return fromBase64(v, path);
      break;
    case "number":
      if (v === "NaN") return Number.NaN;
      if (v === "Infinity") return Number.POSITIVE_INFINITY;
      if (v === "-Infinity") return Number.NEGATIVE_INFINITY;
      if (v === "-0") return -0;
      break;
    case "object":
      if (v !== null && typeof v === "object" && !Array.isArray(v))
        return decodeEntries(v as Record<string, unknown>, path, depth, budget);
      break;
    default:
      throw new WireError("decode-failed", `unknown wire tag ${JSON.stringify(kind)} at ${path}`);
  }
  throw new WireError("decode-failed", `malformed ${String(kind)} value at ${path}`);
}

function overLimit(kind: "date" | "bigint", path: string, length: number): WireError {
  const max = kind === "date" ? WIRE_LIMITS.maxDateChars : WIRE_LIMITS.maxBigintChars;
  return new WireError(
    "decode-failed",
    `${kind} value at ${path} has ${length} characters; at most ${max} are accepted (send larger numbers as a string and parse them in the function)`,
  );
}

function decodeEntries(
  record: Record<string, unknown>,
  path: string,
  depth: number,
  budget: DecodeBudget,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(record)) {
    const decoded = decodeValue(item, `${path}.${key}`, depth + 1, budget);
    // A "__proto__" key from the wire must stay data, never become a prototype: defineProperty for it, plain
    // assignment (several times faster) for every other key.
    if (key === "__proto__") {
      Object.defineProperty(out, key, { value: decoded, enumerable: true, writable: true, configurable: true });
    } else out[key] = decoded;
  }
  return out;
}

function tag(kind: string, v: JsonValue): JsonValue {
  return { [WIRE_TAG]: kind, v };
}

// Base64 by hand over btoa/atob: available in every target runtime (Node 16+, Bun, Deno, workerd), unlike Buffer.
function toBase64(bytes: Uint8Array): string {
  let binary = "";
  const chunk = 0x8000;
  for (let i = 0; i < bytes.length; i += chunk) {
    binary += String.fromCharCode(...bytes.subarray(i, i + chunk));
  }
  return btoa(binary);
}

function fromBase64(text: string, path: string): Uint8Array {
  let binary: string;
  try {
    binary = atob(text);
  } catch {
    throw new WireError("decode-failed", `malformed bytes value at ${path}: not base64`);
  }
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}
