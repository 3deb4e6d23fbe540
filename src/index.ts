/**
 * `moorage`: the Node-safe root entry.
 *
 * Imported by `moorage/containers.ts` (evaluated by the CLI in Node) and by Worker code (bundled for workerd), so
 * it must import neither Node built-ins nor `cloudflare:workers`. The Durable Object base class lives in
 * `moorage/do` for exactly that reason, and the Docker-free test double in `moorage/testing`.
 */

export * from "./client/index.js";
export {
  bindingName,
  type ConcurrencyConfig,
  type ContainerConfig,
  type ContainerDefinition,
  type CustomInstanceType,
  className,
  DEFAULTS,
  type DefinedContainer,
  type DurationInput,
  defineContainer,
  type ImageSource,
  type InstancesConfig,
  imageName,
  isDefinedContainer,
  JURISDICTIONS,
  type Jurisdiction,
  type NamedInstanceType,
  namesFor,
  poolInstanceName,
  REGIONS,
  type ReadyCheck,
  type Region,
  type ResolvedReadyCheck,
  type RolloutConfig,
  type SchedulingPolicy,
} from "./definition/index.js";
export {
  ERROR_CODES,
  type ErrorCode,
  type ErrorCodeInfo,
  type ErrorLayer,
  isErrorCode,
  isMoorageError,
  MoorageError,
  type MoorageErrorOptions,
  messageOf,
} from "./errors.js";
