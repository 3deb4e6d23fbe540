/**
 * The container's environment at start: the definition's `env`, each `secrets` name read from the Worker env,
 * each `secretsStore` entry resolved with its binding's async `.get()`, and the bridge variables
 * (`MOORAGE_URL`, `MOORAGE_CONTAINER`, `MOORAGE_INSTANCE`).
 *
 * Fails closed: a missing secret or binding throws a `config` error naming the variable and where to set it, rather
 * than starting a container that will misbehave without it. Secrets Store values are resolved once per object and
 * memoized; a failed resolution clears the memo so the next start retries instead of caching the failure.
 *
 * Boundary: computes the variables only. When they are applied (implicit start, bare `start()`, or replaced by
 * `start({ envVars })`) is the container class's decision.
 */
import type { ContainerDefinition } from "../definition/types.js";
import { BRIDGE_HOST } from "../protocol.js";
import { ObjectError } from "./errors.js";

export { BRIDGE_HOST };
export const BRIDGE_URL = `http://${BRIDGE_HOST}`;

/** Identity variables injected into every container so it can call back into the app (issue 5's bridge). */
export function bridgeVariables(exportName: string, instance: string): Record<string, string> {
  return { MOORAGE_URL: BRIDGE_URL, MOORAGE_CONTAINER: exportName, MOORAGE_INSTANCE: instance };
}

/** What a Secrets Store binding looks like at run time. */
interface SecretsStoreBinding {
  get(): Promise<string>;
}

function isSecretsStoreBinding(value: unknown): value is SecretsStoreBinding {
  return typeof value === "object" && value !== null && typeof (value as { get?: unknown }).get === "function";
}

/**
 * Resolves a definition's environment against a Worker env. One per object: it owns the Secrets Store memo.
 */
export class EnvironmentResolver {
  #storeMemo: Promise<Record<string, string>> | undefined;

  constructor(
    private readonly definition: ContainerDefinition,
    private readonly exportName: string,
  ) {}

  /**
   * The full environment for an implicit start or a bare `start()`. Throws a `config` error when a secret or binding
   * is missing. Precedence, lowest first: bridge variables, `env`, `secrets`, `secretsStore` (authoring rejects
   * collisions between the last three; a user may deliberately override a bridge variable).
   */
  async resolve(workerEnv: unknown, instance: string): Promise<Record<string, string>> {
    const env = (workerEnv ?? {}) as Record<string, unknown>;
    const result: Record<string, string> = {
      ...bridgeVariables(this.exportName, instance),
      ...this.definition.env,
    };
    for (const name of this.definition.secrets) {
      const value = env[name];
      if (typeof value !== "string") {
        throw new ObjectError(
          "config",
          `moorage: container "${this.exportName}" needs the secret ${name}, but the Worker env has no ${name}` +
            `${value === undefined ? "" : ` string (found ${typeof value})`}. ` +
            `For local dev add \`${name}=...\` to .dev.vars; for a deployed Worker run \`wrangler secret put ${name}\`.`,
        );
      }
      result[name] = value;
    }
    Object.assign(result, await this.resolveStore(env));
    return result;
  }

  /**
   * The environment for `start({ envVars })`: the caller's set replaces `env`, `secrets` and `secretsStore`
   * wholesale (Secrets Store is not touched); the bridge variables stay unless the caller sets them.
   */
  explicit(envVars: Record<string, string>, instance: string): Record<string, string> {
    return { ...bridgeVariables(this.exportName, instance), ...envVars };
  }

  #storeEntries(): [envName: string, binding: string][] {
    return Object.entries(this.definition.secretsStore);
  }

  private resolveStore(env: Record<string, unknown>): Promise<Record<string, string>> {
    if (this.#storeEntries().length === 0) return Promise.resolve({});
    if (this.#storeMemo === undefined) {
      const attempt = this.#resolveStoreOnce(env);
      this.#storeMemo = attempt;
      // Clear the memo on failure so the next start retries: a binding added by a redeploy, or a transient
      // Secrets Store error, must not be cached for the life of the object.
      attempt.catch(() => {
        if (this.#storeMemo === attempt) this.#storeMemo = undefined;
      });
    }
    return this.#storeMemo;
  }

  async #resolveStoreOnce(env: Record<string, unknown>): Promise<Record<string, string>> {
    const entries = await Promise.all(
      this.#storeEntries().map(async ([envName, bindingName]) => {
        const binding = env[bindingName];
        if (!isSecretsStoreBinding(binding)) {
          throw new ObjectError(
            "config",
            `moorage: container "${this.exportName}" needs ${envName} from the Secrets Store binding ${bindingName}, ` +
              `but the Worker env has no such binding. Add it to "secrets_store_secrets" in your wrangler config ` +
              `({ "binding": "${bindingName}", "store_id": "<store id>", "secret_name": "<secret name>" }) and redeploy.`,
          );
        }
        let value: unknown;
        try {
          value = await binding.get();
        } catch (error) {
          throw new ObjectError(
            "config",
            `moorage: container "${this.exportName}" could not read ${envName} from the Secrets Store binding ` +
              `${bindingName}: ${error instanceof Error ? error.message : String(error)}. Check the binding's ` +
              `"store_id" and "secret_name" in your wrangler config and that the secret exists in the store.`,
            { cause: error },
          );
        }
        if (typeof value !== "string") {
          throw new ObjectError(
            "config",
            `moorage: container "${this.exportName}": Secrets Store binding ${bindingName} returned no value for ` +
              `${envName}. Check that the secret exists in the store named by the binding's "store_id".`,
          );
        }
        return [envName, value] as const;
      }),
    );
    return Object.fromEntries(entries);
  }
}
