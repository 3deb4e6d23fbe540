/**
 * `moorage/internal`: what only the code `moorage generate` writes imports. Not a public API: names and shapes
 * here change with the generator, and an app never imports this entry itself (it re-exports the generated module).
 *
 * - `MoorageContainer`, the base class of the generated Durable Object classes;
 * - `MoorageOutbound`, the Worker entrypoint the platform sends intercepted container traffic to (the generated
 *   module re-exports it so the Worker exports it, and the object reaches it through `ctx.exports`).
 */
export { MoorageContainer } from "../do/container.js";
export { MoorageOutbound } from "../do/outbound.js";
