/**
 * CLI pieces whose behaviour users rely on but the end-to-end run cannot pin down cheaply: colour rules,
 * wrangler argument passthrough, which file changes `moorage dev` regenerates for (and that it never loops on
 * its own output), the Node version check, and doctor/main exit codes through `main()`.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkNode } from "../../src/cli/commands/doctor.js";
import { main } from "../../src/cli/main.js";
import { useColor } from "../../src/cli/output.js";
import { splitPassthrough } from "../../src/cli/passthrough.js";
import { isRelevantChange, watchDeclarations } from "../../src/cli/watch.js";
import { LocalEngineError } from "../../src/engine/index.js";
import { captureOutput, tempFolders } from "../support/cli.js";

const tty = { isTTY: true } as NodeJS.WriteStream;
const pipe = { isTTY: false } as NodeJS.WriteStream;

const temps = tempFolders();

describe("colour", () => {
  it("is on for a TTY, off for pipes, NO_COLOR and TERM=dumb; FORCE_COLOR wins over TTY detection", () => {
    expect(useColor(tty, {})).toBe(true);
    expect(useColor(pipe, {})).toBe(false);
    expect(useColor(tty, { NO_COLOR: "1" })).toBe(false);
    expect(useColor(tty, { TERM: "dumb" })).toBe(false);
    expect(useColor(pipe, { FORCE_COLOR: "1" })).toBe(true);
    expect(useColor(pipe, { FORCE_COLOR: "1", NO_COLOR: "1" })).toBe(false);
  });
});

describe("wrangler passthrough", () => {
  it("keeps Moorage's flags and passes everything else, and everything after --, to wrangler", () => {
    const args = splitPassthrough("dev", ["--port", "8788", "--dir=decl", "--no-watch", "--", "--dir", "x"], true);
    expect(args).toEqual({
      cwd: undefined,
      dir: "decl",
      help: false,
      noWatch: true,
      noUi: false,
      wrangler: ["--port", "8788", "--dir", "x"],
    });
    const ui = splitPassthrough("dev", ["--ui-port", "9000", "--no-ui", "--port", "1"], true);
    expect(ui).toMatchObject({ uiPort: "9000", noUi: true, wrangler: ["--port", "1"] });
    expect(splitPassthrough("deploy", ["--no-ui"], false).wrangler).toEqual(["--no-ui"]);
    expect(splitPassthrough("deploy", ["--no-watch"], false).wrangler).toEqual(["--no-watch"]);
    expect(() => splitPassthrough("dev", ["--cwd"], true)).toThrow(/--cwd needs a value/);
  });
});

describe("dev watching", () => {
  it("regenerates for declaration sources, never for its own output or editor files", () => {
    expect(isRelevantChange("containers.ts")).toBe(true);
    expect(isRelevantChange("shared/ports.mts")).toBe(true);
    expect(isRelevantChange("_generated/containers.ts")).toBe(false);
    expect(isRelevantChange(".containers.ts.swp")).toBe(false);
    expect(isRelevantChange("containers.ts~")).toBe(false);
    expect(isRelevantChange("notes.md")).toBe(false);
  });

  it("debounces a burst of saves into one run and ignores writes to _generated/", async () => {
    const dir = mkdtempSync(join(tmpdir(), "moorage-watch-"));
    temps.push(dir);
    mkdirSync(join(dir, "_generated"));
    let runs = 0;
    const watcher = watchDeclarations(
      dir,
      async () => {
        runs++;
        writeFileSync(join(dir, "_generated", "containers.ts"), `// run ${runs}\n`);
      },
      50,
    );
    try {
      await new Promise((r) => setTimeout(r, 50));
      for (let i = 0; i < 5; i++) writeFileSync(join(dir, "containers.ts"), `export const v = ${i};\n`);
      await new Promise((r) => setTimeout(r, 400));
      expect(runs).toBe(1);
    } finally {
      watcher.close();
    }
  });
});

describe("doctor and main", () => {
  it("requires Node 22.12 or newer, naming the fix", () => {
    expect(checkNode("22.12.0").level).toBe("ok");
    expect(checkNode("24.1.0").level).toBe("ok");
    const old = checkNode("20.20.0");
    expect(old.level).toBe("fail");
    expect(old.fix).toMatch(/Node 22\.12/);
  });

  it("fails doctor (exit 1) in a project without wrangler, saying how to install it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "moorage-doctor-"));
    temps.push(dir);
    writeFileSync(join(dir, "wrangler.jsonc"), '{ "name": "x" }\n');
    const out = captureOutput();
    // The engine is not what this test is about: a fake that finds none keeps it off the machine's Docker.
    const noEngine = async () => {
      throw new LocalEngineError("docker-unreachable", "no Docker engine answers", "start one");
    };
    const code = await main(["doctor"], out, dir, { resolveEngine: noEngine });
    expect(code).toBe(1);
    expect(out.lines.join("\n")).toMatch(
      /fail wrangler not found in node_modules\n\s+fix: run `npm install -D wrangler`/,
    );
  });

  it("exits 1 with npm install advice when deploy cannot find the project's wrangler", async () => {
    const dir = mkdtempSync(join(tmpdir(), "moorage-deploy-"));
    temps.push(dir);
    writeFileSync(join(dir, "wrangler.jsonc"), '{ "name": "x" }\n');
    const out = captureOutput();
    expect(await main(["deploy", "--dry-run"], out, dir)).toBe(1);
    expect(out.lines.join("\n")).toContain("npm install -D wrangler");
  });

  it("exits 2 with a pointer to --help for usage errors, and 2 with help when no command is given", async () => {
    const out = captureOutput();
    expect(await main(["sync", "--frobnicate"], out, tmpdir())).toBe(2);
    expect(out.lines.join("\n")).toContain("Run `moorage sync --help` for usage.");
    expect(await main([], captureOutput(), tmpdir())).toBe(2);
  });
});
