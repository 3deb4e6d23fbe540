import { describe, expect, it } from "vitest";
import {
  assertDistinctNames,
  bindingName,
  className,
  imageName,
  instanceIdProblem,
  isReservedInstanceName,
  namesFor,
  poolIndexOf,
  poolInstanceName,
  words,
} from "./naming.js";

describe("naming", () => {
  it.each([
    ["imageResizer", "ImageResizerContainer", "CONTAINER_IMAGE_RESIZER", "image-resizer"],
    ["ffmpeg2Pass", "Ffmpeg2PassContainer", "CONTAINER_FFMPEG2_PASS", "ffmpeg2-pass"],
    ["transcoder", "TranscoderContainer", "CONTAINER_TRANSCODER", "transcoder"],
    ["HTTPServer", "HttpServerContainer", "CONTAINER_HTTP_SERVER", "http-server"],
    ["pdf_renderer", "PdfRendererContainer", "CONTAINER_PDF_RENDERER", "pdf-renderer"],
    ["apiV2", "ApiV2Container", "CONTAINER_API_V2", "api-v2"],
  ])("%s -> %s, %s, %s", (exportName, cls, binding, image) => {
    expect(className(exportName)).toBe(cls);
    expect(bindingName(exportName)).toBe(binding);
    expect(imageName(exportName)).toBe(image);
  });

  it("prefixes the image name with the Worker name so two Workers never share a tag", () => {
    expect(imageName("imageResizer", "media-app")).toBe("media-app-image-resizer");
    expect(namesFor("imageResizer", "media-app")).toEqual({
      exportName: "imageResizer",
      className: "ImageResizerContainer",
      binding: "CONTAINER_IMAGE_RESIZER",
      imageName: "media-app-image-resizer",
    });
  });

  it("keeps a digit with the word before it", () => {
    expect(words("ffmpeg2Pass")).toEqual(["ffmpeg2", "pass"]);
  });

  it("names pool instances moorage:pool:0 .. moorage:pool:N-1, in the reserved space get() refuses", () => {
    expect([0, 1, 2].map(poolInstanceName)).toEqual(["moorage:pool:0", "moorage:pool:1", "moorage:pool:2"]);
    expect([0, 1, 2].map((i) => poolIndexOf(poolInstanceName(i)))).toEqual([0, 1, 2]);
    expect(["pool-1", "moorage:pool:01", "moorage:pool:x", "x"].map(poolIndexOf)).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
    expect(isReservedInstanceName(poolInstanceName(0))).toBe(true);
    expect(instanceIdProblem(poolInstanceName(0))).toMatch(/reserved/);
  });

  it("accepts any non-empty id outside the reserved space, and says why it refuses the rest", () => {
    for (const id of [" alice", "alice ", "pool-1", "Ünïcødé ✓", "日本", "a\nb", "moorage"]) {
      expect(instanceIdProblem(id)).toBeUndefined();
    }
    expect(instanceIdProblem("")).toBe("the id must not be empty");
    expect(instanceIdProblem(42)).toBe("the id must be a string (got number)");
    expect(instanceIdProblem("moorage:anything")).toMatch(/reserved for Moorage's own instances/);
  });

  it("rejects two exports that map to the same binding, naming both", () => {
    expect(() => assertDistinctNames(["imageResizer", "image_resizer"])).toThrow(
      /exports "imageResizer" and "image_resizer" both map to "CONTAINER_IMAGE_RESIZER"/,
    );
    expect(() => assertDistinctNames(["imageResizer", "transcoder"])).not.toThrow();
  });
});
