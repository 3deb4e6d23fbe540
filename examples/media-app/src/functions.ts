/**
 * The `query` / `mutation` / `action` builders, typed for this app: its `Env`, the identities it accepts, and
 * the generated container handles, so `ctx.containers.transcoder` is typed inside actions.
 *
 * Why not the `Register` augmentation in env.ts alone: the builders `moorage/server` exports are declared with
 * `unknown` types in its published .d.ts, so augmentation does not reach them (reported); `createFunctions` with
 * explicit types is the documented alternative and works everywhere.
 */
import type { ContainerContext } from "moorage";
import { createFunctions } from "moorage/server";
import type { containerSpecs } from "../moorage/_generated/containers";
import type { AppIdentity, Env } from "./env";

export const { query, mutation, action } = createFunctions<Env, AppIdentity, ContainerContext<typeof containerSpecs>>();
