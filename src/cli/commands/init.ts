/**
 * `moorage init`: adds Moorage to an existing Worker project. Writes the declarations file, one example
 * container (Dockerfile + a small Node server), then runs generate and sync so wrangler.jsonc gets its entries,
 * and prints the lines to add to the Worker. Never overwrites: if any target exists, it lists them and stops
 * before writing anything.
 */
import { existsSync, readFileSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { parse as parseJsonc } from "jsonc-parser";
import { displayPath, importSpecifier, type Project, reExportLine } from "../../authoring/project.js";
import { bindingName, className, isValidExportName } from "../../definition/naming.js";
import {
  type Command,
  EXIT_CODES_HELP,
  PROJECT_OPTIONS,
  PROJECT_OPTIONS_HELP,
  parse,
  projectFrom,
} from "../command.js";
import { CommandFailed, UsageError } from "../errors.js";
import { generateStep, syncStep } from "../steps.js";
import { renderTemplate } from "../templates.js";

/** The Worker's `main` from the wrangler config, to print an import path that resolves from it. */
function workerMain(project: Project): string | undefined {
  if (!project.wranglerFile || project.wranglerFile.endsWith(".toml")) return undefined;
  const config = parseJsonc(readFileSync(project.wranglerFile, "utf8")) as { main?: unknown } | undefined;
  return typeof config?.main === "string" ? join(project.root, config.main) : undefined;
}

export const initCommand: Command = {
  name: "init",
  summary: "Add Moorage to this Worker project (example container, wrangler entries)",
  help: `Usage: moorage init [--name <export>] [options]

Adds to an existing Worker project (one with wrangler.jsonc or wrangler.json):
  moorage/containers.ts             one example container declaration
  containers/<name>/Dockerfile      its image (FROM node:22-slim; moorage dev builds it offline too)
  containers/<name>/server.mjs      a small Node HTTP server
then runs \`moorage generate\` and \`moorage sync\`, and prints the lines to add to your Worker's main module.
Nothing is overwritten: if any of these files exists, init lists them and exits 1 without writing.

Options:
  --name <export>  Export name of the example container (default "hello")
${PROJECT_OPTIONS_HELP}

${EXIT_CODES_HELP}`,
  async run(ctx) {
    const { values } = parse("init", ctx.argv, { ...PROJECT_OPTIONS, name: { type: "string" } });
    const name = values.name ?? "hello";
    if (!isValidExportName(name)) {
      throw new UsageError(`moorage init: --name ${JSON.stringify(name)} must be a JavaScript identifier like "hello"`);
    }
    const project = projectFrom(ctx, values);
    if (!project.wranglerFile) {
      throw new CommandFailed(
        `moorage init: no wrangler.jsonc or wrangler.json in ${project.root} or above; run init inside a Worker project (create one with \`npm create cloudflare@latest\`)`,
      );
    }
    const values_ = { name, Class: className(name), BINDING: bindingName(name) };
    const imageDir = join(project.root, "containers", name);
    const files: Array<[string, string]> = [
      [project.containersFile, renderTemplate("containers.ts.tmpl", values_)],
      [join(imageDir, "Dockerfile"), renderTemplate("Dockerfile.tmpl", values_)],
      [join(imageDir, "server.mjs"), renderTemplate("server.mjs.tmpl", values_)],
    ];
    const existing = files.map(([file]) => file).filter((file) => existsSync(file));
    if (existing.length > 0) {
      ctx.out.error(`moorage init: these files already exist, so nothing was written:`);
      for (const file of existing) ctx.out.error(`  ${displayPath(project, file)}`);
      ctx.out.error(`Move them away, or pick another name with --name, then run init again.`);
      return 1;
    }
    for (const [file, text] of files) {
      await mkdir(dirname(file), { recursive: true });
      await writeFile(file, text);
      ctx.out.ok(`created ${displayPath(project, file)}`);
    }

    const generated = await generateStep(project, ctx.out);
    await syncStep(project, generated, ctx.out);

    const main = workerMain(project) ?? join(project.root, "src", "index.ts");
    const snippet = renderTemplate("worker-snippet.ts.tmpl", {
      ...values_,
      generatedImport: importSpecifier(dirname(main), project.generatedContainersFile),
      reExport: reExportLine(dirname(main), project.generatedContainersFile),
    });
    ctx.out.info("");
    ctx.out.info(`Next: use the container from your Worker (${displayPath(project, main)}):`);
    ctx.out.info("");
    for (const line of snippet.trimEnd().split("\n")) ctx.out.info(`  ${line}`);
    ctx.out.info("");
    ctx.out.info(`Then run \`npx moorage dev\` (needs a Docker engine; \`npx moorage doctor\` checks your setup).`);
    return 0;
  },
};
