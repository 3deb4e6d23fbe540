/**
 * App-wide types for the default `query` / `mutation` / `action` exports, declared once by module augmentation
 * (the pattern TanStack Router uses), so function files can import the builders straight from `moorage/server`:
 *
 * @example
 * declare module "moorage/server" {
 *   interface Register {
 *     env: Env;                                           // from `wrangler types`
 *     identity: ContainerIdentity | TokenIdentity;        // what resolveIdentity / bridgeHandler produce
 *     containers: ContainerContext<typeof containerSpecs>; // emitted by `moorage generate`
 *   }
 * }
 */

/** Augment with `env`, `identity` and `containers`; each one left out defaults to `unknown`. */
// biome-ignore lint/suspicious/noEmptyInterface: filled in by module augmentation.
export interface Register {}

/** `Register["env"]`, or `unknown`. */
export type RegisteredEnv = Register extends { env: infer Env } ? Env : unknown;
/** `Register["identity"]`, or `unknown`. */
export type RegisteredIdentity = Register extends { identity: infer Identity } ? Identity : unknown;
/** `Register["containers"]`, or `unknown`. */
export type RegisteredContainers = Register extends { containers: infer Containers } ? Containers : unknown;
