import { describe, expect, it } from "vitest";
import { deployFlagWarning, LOCAL_SNAPSHOT_FLAG, localCompatibilityArgs } from "./local-flags.js";

describe("localCompatibilityArgs", () => {
  const config = { compatibility_flags: ["nodejs_compat", "enable_request_signal"] };

  it("adds the config's own flags plus experimental when a container persists directories", () => {
    const local = localCompatibilityArgs({ config, persisting: ["journal"], wranglerArgs: ["--port", "8787"] });
    expect(local?.args).toEqual(["--compatibility-flags", "nodejs_compat", "enable_request_signal", "experimental"]);
    expect(local?.why).toContain(
      'journal declares persist: local workerd snapshots directories only under the "experimental"',
    );
  });

  it("adds nothing without persist, when the config already has the flag, or when the user passed flags", () => {
    expect(localCompatibilityArgs({ config, persisting: [], wranglerArgs: [] })).toBeUndefined();
    const flagged = { compatibility_flags: ["nodejs_compat", LOCAL_SNAPSHOT_FLAG] };
    expect(localCompatibilityArgs({ config: flagged, persisting: ["j"], wranglerArgs: [] })).toBeUndefined();
    for (const arg of ["--compatibility-flags", "--compatibility-flag", "--compatibility-flags=nodejs_compat"]) {
      expect(localCompatibilityArgs({ config, persisting: ["j"], wranglerArgs: [arg, "x"] })).toBeUndefined();
    }
  });

  it("reads the --env block's flags when it has its own, else the top level's (wrangler inherits them)", () => {
    const envs = { ...config, env: { staging: { compatibility_flags: ["nodejs_als"] }, bare: {} } };
    expect(localCompatibilityArgs({ config: envs, env: "staging", persisting: ["j"], wranglerArgs: [] })?.args).toEqual(
      ["--compatibility-flags", "nodejs_als", "experimental"],
    );
    expect(localCompatibilityArgs({ config: envs, env: "bare", persisting: ["j"], wranglerArgs: [] })?.args).toEqual([
      "--compatibility-flags",
      "nodejs_compat",
      "enable_request_signal",
      "experimental",
    ]);
    expect(localCompatibilityArgs({ config: {}, persisting: ["a", "b"], wranglerArgs: [] })).toMatchObject({
      args: ["--compatibility-flags", "experimental"],
      why: expect.stringContaining("a, b declare persist"),
    });
  });
});

describe("deployFlagWarning", () => {
  it("warns when the flags deploy would send include experimental, naming the env and the fix", () => {
    expect(deployFlagWarning({ compatibility_flags: ["nodejs_compat"] }, undefined)).toBeUndefined();
    const top = deployFlagWarning({ compatibility_flags: ["nodejs_compat", "experimental"] }, undefined);
    expect(top).toContain('compatibility_flags include "experimental": Cloudflare refuses to deploy a Worker with it');
    expect(top).toContain("Remove it from wrangler.jsonc; `moorage dev` adds it for local dev");
    const envs = { compatibility_flags: ["experimental"], env: { prod: { compatibility_flags: ["nodejs_compat"] } } };
    expect(deployFlagWarning(envs, "prod")).toBeUndefined();
    expect(deployFlagWarning(envs, "staging")).toContain("the compatibility_flags env.staging deploys with");
  });
});
