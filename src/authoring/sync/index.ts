/**
 * `moorage sync`'s public surface, used by the CLI (`sync`, `dev`, `deploy`, `doctor`). Node only.
 */
export { MoorageConfigError } from "./errors.js";
export { type SyncOptions, type SyncResult, syncWranglerConfig } from "./sync.js";
