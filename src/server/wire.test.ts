/**
 * The wire encoding round trip: what survives, what is tagged, how collisions are escaped, what is refused.
 */
import { describe, expect, it } from "vitest";
import { decode, encode, parse, stringify, WIRE_LIMITS, WireError } from "./wire.js";

const roundTrip = (value: unknown) => parse(stringify(value));

describe("wire encoding", () => {
  it("leaves plain JSON untouched", () => {
    const value = { a: 1, b: "two", c: [true, null, { d: 4.5 }] };
    expect(encode(value)).toEqual(value);
    expect(roundTrip(value)).toEqual(value);
  });

  it.each([
    ["Date", new Date("2025-01-02T03:04:05.678Z")],
    ["bigint", 123456789012345678901234567890n],
    ["negative bigint", -42n],
    ["Uint8Array", new Uint8Array([0, 1, 2, 254, 255])],
    ["empty Uint8Array", new Uint8Array()],
    ["top-level undefined", undefined],
    ["NaN", Number.NaN],
    ["Infinity", Number.POSITIVE_INFINITY],
    ["-Infinity", Number.NEGATIVE_INFINITY],
  ])("round-trips %s", (_label, value) => {
    expect(roundTrip(value)).toEqual(value);
  });

  it("round-trips -0 and an invalid Date", () => {
    expect(Object.is(roundTrip(-0), -0)).toBe(true);
    expect(Number.isNaN((roundTrip(new Date(Number.NaN)) as Date).getTime())).toBe(true);
  });

  it("keeps undefined properties and array holes as undefined", () => {
    const out = roundTrip({ a: undefined, list: [1, undefined, 3] }) as { a?: unknown; list: unknown[] };
    expect(Object.hasOwn(out, "a")).toBe(true);
    expect(out.a).toBeUndefined();
    expect(out.list).toEqual([1, undefined, 3]);
  });

  it("round-trips nested structures", () => {
    const value = {
      job: { at: [new Date(1), new Date(2)], sizes: { big: 2n ** 64n }, payload: new Uint8Array(300).fill(7) },
      deep: [[[{ when: new Date(3), missing: undefined }]]],
    };
    expect(roundTrip(value)).toEqual(value);
  });

  it("round-trips a large Uint8Array byte for byte", () => {
    const bytes = new Uint8Array(200_000).map((_, i) => (i * 31) % 256);
    const out = roundTrip(bytes) as Uint8Array;
    expect(out).toBeInstanceOf(Uint8Array);
    expect(out.length).toBe(bytes.length);
    expect(out.every((byte, i) => byte === bytes[i])).toBe(true);
  });

  it("uses documented tags", () => {
    expect(encode(new Date("2025-01-01T00:00:00.000Z"))).toEqual({ $moorage: "date", v: "2025-01-01T00:00:00.000Z" });
    expect(encode(10n)).toEqual({ $moorage: "bigint", v: "10" });
    expect(encode(new Uint8Array([1, 2, 3]))).toEqual({ $moorage: "bytes", v: "AQID" });
    expect(encode({ x: undefined })).toEqual({ x: { $moorage: "undefined" } });
  });

  it("escapes user objects that use the tag key, so they come back as data", () => {
    const lookalikes = [
      { $moorage: "date", v: "2025-01-01T00:00:00.000Z" },
      { $moorage: "undefined" },
      { $moorage: "object", v: { $moorage: "bigint", v: "1" } },
      { $moorage: 5, other: new Date(0) },
    ];
    for (const value of lookalikes) {
      const encoded = encode(value) as Record<string, unknown>;
      expect(encoded.$moorage).toBe("object");
      expect(roundTrip(value)).toEqual(value);
    }
  });

  it("keeps a __proto__ key as data instead of changing the prototype", () => {
    const out = parse('{"__proto__":{"polluted":true}}') as Record<string, unknown>;
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.hasOwn(out, "__proto__")).toBe(true);
  });

  it("honours toJSON like JSON.stringify", () => {
    expect(roundTrip({ url: new URL("https://example.com/a") })).toEqual({ url: "https://example.com/a" });
  });

  it.each([
    ["a Map", new Map()],
    ["a Set", new Set()],
    ["a function", () => 1],
    ["a symbol", Symbol("s")],
    ["a Uint16Array", new Uint16Array(2)],
  ])("refuses %s with a directed error", (_label, value) => {
    expect(() => encode({ field: value })).toThrow(WireError);
    expect(() => encode({ field: value })).toThrow(/\$\.field/);
  });

  it("refuses cycles but allows shared references", () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => encode(cyclic)).toThrow(/circular/);
    const shared = { n: 1 };
    expect(roundTrip({ a: shared, b: shared })).toEqual({ a: { n: 1 }, b: { n: 1 } });
  });

  it.each([
    ['{"$moorage":"nope"}', /unknown wire tag/],
    ['{"$moorage":"date","v":"not a date"}', /malformed date/],
    ['{"$moorage":"bigint","v":"1.5"}', /malformed bigint/],
    ['{"$moorage":"bytes","v":"%%%"}', /not base64/],
  ])("rejects a malformed payload %s", (text, message) => {
    expect(() => decode(JSON.parse(text))).toThrow(message);
  });

  describe("CPU bounds", () => {
    const bigint = (digits: number) => ({ $moorage: "bigint", v: "9".repeat(digits) });
    const nest = (levels: number): unknown => {
      let value: unknown = 1;
      for (let i = 0; i < levels; i++) value = { next: value };
      return value;
    };

    it("accepts a bigint of the largest size and refuses one character more, before BigInt() runs", () => {
      expect(WIRE_LIMITS.maxBigintChars).toBe(4096);
      expect(decode(bigint(4096))).toBe(10n ** 4096n - 1n);
      expect(() => decode({ args: [bigint(4097)] })).toThrow(
        "bigint value at $.args[0] has 4097 characters; at most 4096 are accepted",
      );
      // The 1 MB tag the audit measured at ~40x plain JSON is refused by its length alone.
      expect(() => decode(bigint(1_000_000))).toThrow(WireError);
    });

    it("caps all bigint digits in one payload together, so many capped bigints cannot add up", () => {
      const fits = WIRE_LIMITS.maxBigintTotalChars / 4096;
      expect((decode(Array.from({ length: fits }, () => bigint(4096))) as bigint[]).length).toBe(fits);
      const many = Array.from({ length: 242 }, () => bigint(4096)); // what fits in a 1 MB body
      expect(() => decode(many)).toThrow(/bigint values up to \$\[16\] have 69632 characters in all; at most 65536/);
    });

    it("refuses nesting deeper than maxDepth with the path, instead of exhausting the stack", () => {
      expect(decode(nest(WIRE_LIMITS.maxDepth))).toEqual(nest(WIRE_LIMITS.maxDepth));
      const error = (() => {
        try {
          decode(nest(100_000));
        } catch (caught) {
          return caught;
        }
      })();
      expect(error).toBeInstanceOf(WireError);
      expect((error as WireError).code).toBe("decode-failed");
      expect((error as WireError).message).toMatch(/nested deeper than 64 levels/);
      expect(() => decode([[[[nest(WIRE_LIMITS.maxDepth - 3)]]]])).toThrow(/at \$\[0\]\[0\]\[0\]\[0\]\.next/);
    });

    it("refuses an over-long date string before parsing it", () => {
      expect(() => decode({ $moorage: "date", v: "2".repeat(65) })).toThrow(/date value at \$ has 65 characters/);
    });
  });
});
