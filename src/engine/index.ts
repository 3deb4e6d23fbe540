/**
 * The local engine's public surface for the rest of Moorage (`moorage dev`, `moorage doctor`, tests).
 *
 * Why: callers should import one module and never reach into the engine's internals or spell image
 * names themselves. Boundary: re-exports only; Node-only (never import this from Worker code).
 */
export { LOCAL_ENGINE, type LocalEngineConstants } from "./constants.js";
export { engineVersion, imageExists, parseDockerHost } from "./docker-api.js";
export {
  defaultDockerHost,
  findDockerCli,
  type LocalEngine,
  LocalEngineError,
  type LocalEngineProblem,
  type ResolveLocalEngineOptions,
  resolveLocalEngine,
  type SidecarChoice,
  type SidecarKind,
} from "./local-engine.js";
