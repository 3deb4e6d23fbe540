/**
 * The definition layer: what a container is, how it is named, how durations and instance types read.
 * Shared by authoring (Node) and the runtime (workerd); nothing here may import either runtime.
 */
export * from "./define.js";
export * from "./duration.js";
export * from "./instance-types.js";
export * from "./naming.js";
export * from "./pool.js";
export * from "./scheduling.js";
export * from "./types.js";
