/**
 * Loading rules through a loader's stdin, with real child processes (Node standing in for `nft` and
 * `iptables-restore`): the script arrives whole, and a failing or missing loader is a directed error.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadRules } from "./load-rules.js";

const node = process.execPath;

describe("loadRules", () => {
  it("pipes the whole script to the loader's stdin and resolves on exit 0", async () => {
    const out = join(mkdtempSync(join(tmpdir(), "moorage-load-rules-")), "script");
    const script = `*filter\n${"-A MOORAGE_FILTER -j ACCEPT\n".repeat(5_000)}COMMIT\n`;
    const copy = `require("fs").writeFileSync(${JSON.stringify(out)}, require("fs").readFileSync(0))`;
    await loadRules(node, ["-e", copy], script);
    expect(readFileSync(out, "utf8")).toBe(script);
  });

  it("rejects with the exit code and the loader's stderr, lines joined", async () => {
    const fail = 'process.stderr.write("line 3: RULE_APPEND failed\\nError occurred at line: 3\\n"); process.exit(2)';
    await expect(loadRules(node, ["-e", fail], "x\n")).rejects.toThrow(
      `${node} exited with 2: line 3: RULE_APPEND failed; Error occurred at line: 3`,
    );
  });

  it("rejects, without crashing, when the loader exits before reading a large script", async () => {
    await expect(loadRules(node, ["-e", "process.exit(1)"], "x".repeat(4 << 20))).rejects.toThrow(/exited with 1/);
  });

  it("names a loader that is not installed", async () => {
    await expect(loadRules("/nonexistent/nft", ["-f", "-"], "")).rejects.toThrow(/^\/nonexistent\/nft: .*ENOENT/);
  });
});
