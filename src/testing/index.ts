/**
 * The Docker-free test double, re-exported from the root entry. Node-safe and Worker-safe like the client it wraps.
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
