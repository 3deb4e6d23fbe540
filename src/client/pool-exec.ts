/**
 * `exec` and `execOutput` on the handles `any()` and `pool()` return: the command runs on the pool instance the
 * call chose, and the process says which (`process.instance`, `moorage:pool:N`, reachable again with
 * `poolInstance(N)`). `any()` runs it on the instance it picked; `pool()` picks one the way its requests do (the
 * cheaper of two active instances by this isolate's load view). A command is never re-sent to another instance:
 * it may have run.
 * Boundary: choosing the instance; running the command is `exec.ts`.
 */
import { type ContainerProcess, type ExecOptions, type ExecOutputOptions, type ExecResult, execOn } from "./exec.js";
import { pickUntried, type Route, type SendContext } from "./send.js";

/** What `execOutput` on a pool handle resolves with: the result, and where it ran. */
export interface PoolExecResult extends ExecResult {
  /** The pool instance the command ran on (`moorage:pool:N`). */
  instance: string;
}

/** The exec half of a pool handle. */
export interface PoolExec {
  /** Runs a command on the instance this call chooses (see `ContainerHandle.exec`); `process.instance` names it. */
  exec(cmd: string | readonly string[], options?: ExecOptions): Promise<ContainerProcess>;
  /** `exec`, buffered, with the instance it ran on. */
  execOutput(cmd: string | readonly string[], options?: ExecOutputOptions): Promise<PoolExecResult>;
}

export function poolExec(ctx: SendContext, route: Route): PoolExec {
  const choose = (): string =>
    route.kind === "instance"
      ? route.instance
      : pickUntried(route.size, route.active?.() ?? route.size, [], ctx.random, ctx.load(), ctx.clock);
  const run = (cmd: string | readonly string[], options?: ExecOptions) => {
    const instance = choose();
    return execOn(() => ctx.stub(instance), { container: ctx.container, instance }, cmd, options);
  };
  return {
    exec: run,
    async execOutput(cmd, options = {}) {
      const { maxOutputBytes, ...rest } = options;
      const process = await run(cmd, rest);
      const result = await process.output(maxOutputBytes === undefined ? {} : { maxOutputBytes });
      return { ...result, instance: process.instance };
    },
  };
}
