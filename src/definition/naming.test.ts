import { describe, expect, it } from "vitest";
import { assertDistinctNames, bindingName, className, imageName, namesFor, poolInstanceName, words } from "./naming.js";

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

  it("names pool instances pool-0 .. pool-N-1", () => {
    expect([0, 1, 2].map(poolInstanceName)).toEqual(["pool-0", "pool-1", "pool-2"]);
  });

  it("rejects two exports that map to the same binding, naming both", () => {
    expect(() => assertDistinctNames(["imageResizer", "image_resizer"])).toThrow(
      /exports "imageResizer" and "image_resizer" both map to "CONTAINER_IMAGE_RESIZER"/,
    );
    expect(() => assertDistinctNames(["imageResizer", "transcoder"])).not.toThrow();
  });
});
