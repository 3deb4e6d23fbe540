/**
 * Everything the CLI prints goes through here, so colour rules live in one place: colour only on a TTY, never
 * when `NO_COLOR` is set (https://no-color.org) or `TERM=dumb`, and `FORCE_COLOR` wins over TTY detection.
 * Status lines read `ok`/`warn`/`fail` in words, so they carry their meaning without colour too.
 */

export interface Output {
  /** Plain line to stdout. */
  info(line: string): void;
  /** Line to stderr. */
  error(line: string): void;
  ok(line: string): void;
  warn(line: string): void;
  fail(line: string): void;
  /** Dim text for secondary details (paths, fixes). */
  dim(text: string): string;
  bold(text: string): string;
}

export function useColor(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== "0") return true;
  if (env.TERM === "dumb") return false;
  return stream.isTTY === true;
}

export function createOutput(
  stdout: NodeJS.WriteStream = process.stdout,
  stderr: NodeJS.WriteStream = process.stderr,
): Output {
  const color = useColor(stdout);
  const paint = (code: number, text: string) => (color ? `\u001b[${code}m${text}\u001b[0m` : text);
  return {
    info: (line) => stdout.write(`${line}\n`),
    error: (line) => stderr.write(`${line}\n`),
    ok: (line) => stdout.write(`${paint(32, "ok  ")}  ${line}\n`),
    warn: (line) => stdout.write(`${paint(33, "warn")}  ${line}\n`),
    fail: (line) => stdout.write(`${paint(31, "fail")}  ${line}\n`),
    dim: (text) => paint(2, text),
    bold: (text) => paint(1, text),
  };
}
