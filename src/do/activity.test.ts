import { afterEach, describe, expect, it } from "vitest";
import { declaredLength, releasingBody } from "./activity.js";

const g = globalThis as Record<string, unknown>;

afterEach(() => {
  delete g.FixedLengthStream;
  delete g.IdentityTransformStream;
});

function body(text: string): ReadableStream<Uint8Array> {
  return new Response(text).body as ReadableStream<Uint8Array>;
}

describe("releasingBody", () => {
  it("delivers the body and releases once when it ends", async () => {
    let releases = 0;
    const out = releasingBody(body("hello"), () => releases++);
    expect(await new Response(out).text()).toBe("hello");
    await new Promise((r) => setTimeout(r, 0));
    expect(releases).toBe(1);
  });

  it("pipes through workerd's native streams when they exist, keeping a declared length", async () => {
    const used: string[] = [];
    g.FixedLengthStream = class extends TransformStream {
      constructor(length: number) {
        super();
        used.push(`fixed:${length}`);
      }
    };
    g.IdentityTransformStream = class extends TransformStream {
      constructor() {
        super();
        used.push("identity");
      }
    };
    expect(await new Response(releasingBody(body("12345"), () => {}, null, 5)).text()).toBe("12345");
    expect(await new Response(releasingBody(body("abc"), () => {}, null)).text()).toBe("abc");
    expect(used).toEqual(["fixed:5", "identity"]);
  });

  it("releases when the request aborts mid-body", async () => {
    let releases = 0;
    const controller = new AbortController();
    const never = new ReadableStream<Uint8Array>({ pull: () => new Promise(() => {}) });
    releasingBody(never, () => releases++, controller.signal);
    controller.abort();
    expect(releases).toBe(1);
  });
});

describe("declaredLength", () => {
  it.each([
    ["12", 12],
    ["0", 0],
    ["-1", undefined],
    ["1e3", undefined],
    ["", undefined],
  ])("content-length %j -> %s", (value, expected) => {
    expect(declaredLength(new Headers({ "content-length": value }))).toBe(expected);
  });

  it("is undefined without the header", () => {
    expect(declaredLength(new Headers())).toBeUndefined();
  });
});
