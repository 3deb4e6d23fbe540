/**
 * `moorage/testing`: the Docker-free test double (as `hono/testing` is Hono's). Node-safe and Worker-safe like the
 * client it wraps; kept out of the root entry so a Worker bundle never carries it.
 */
export { coldStart, coldStartSignal } from "./cold-start.js";
export type { TestExecHandler, TestExecInfo, TestExecResult } from "./exec-double.js";
export { createContainerTestContext } from "./test-context.js";
export type {
  RecordedCall,
  RecordedMethod,
  SpecsOf,
  TestContainerContext,
  TestContextOptions,
  TestControls,
  TestHandler,
  TestHandlersFor,
  TestInstance,
  TestRequestInfo,
} from "./types.js";
