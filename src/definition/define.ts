/**
 * `defineContainer`: validates a user's declaration once and returns the normalized definition.
 *
 * Runs wherever `moorage/containers.ts` is evaluated (the CLI bundles and executes it in Node), so it must stay
 * free of Node built-ins and of the Workers runtime. It checks shape only; whether an image path exists is
 * checked by codegen, which knows the project root. Every failure is a `TypeError` naming the export (when known),
 * the field, what was wrong and how to fix it.
 */

import { MoorageError } from "../errors.js";
import { durationHint, parseDuration } from "./duration.js";
import { customInstanceProblems, NAMED_INSTANCE_TYPES } from "./instance-types.js";
import { resolveConcurrency, resolveInstances } from "./pool.js";
import { resolveScheduling, SCHEDULING_KEYS } from "./scheduling.js";
import {
  type ContainerConfig,
  type ContainerDefinition,
  DEFAULTS,
  DEFINED,
  type DefinedContainer,
  type ImageSource,
  type ReadyCheck,
} from "./types.js";

const CONFIG_KEYS: ReadonlySet<string> = new Set<keyof ContainerConfig>([
  "image",
  "defaultPort",
  "requiredPorts",
  "entrypoint",
  "instanceType",
  "maxInstances",
  "instances",
  "concurrency",
  "sleepAfter",
  "hardTimeout",
  "stopTimeout",
  "readyTimeout",
  "env",
  "secrets",
  "secretsStore",
  "labels",
  "buildArgs",
  "enableInternet",
  "allowedHosts",
  "deniedHosts",
  "interceptHttps",
  "readyOn",
  ...SCHEDULING_KEYS,
]);

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Host globs: `api.github.com`, `*.stripe.com`, `10.0.0.1`, `localhost:8080`. */
const HOST_GLOB =
  /^(\*\.)?[A-Za-z0-9*]([A-Za-z0-9*-]*[A-Za-z0-9*])?(\.[A-Za-z0-9*]([A-Za-z0-9*-]*[A-Za-z0-9*])?)*(:\d{1,5})?$/;
/** `docker.io/acme/x:1.4`, `acme/x:latest`, `x@sha256:...`, `localhost:5000/x`. */
const REGISTRY_LIKE =
  /^(?:[a-z0-9-]+(?:\.[a-z0-9-]+)+(?::\d+)?\/|localhost(?::\d+)?\/)|^[\w.-]+(?:\/[\w.-]+)*(?::[\w][\w.-]{0,127}|@sha256:[0-9a-f]+)$/;

/** Collects the prefix `defineContainer("name"): ` so every message names the export when it is known. */
function fail(exportName: string | undefined, message: string): never {
  const who = exportName ? `defineContainer(${exportName})` : "defineContainer";
  throw new MoorageError("invalid-definition", `${who}: ${message}`);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function closestKey(key: string): string | undefined {
  const lower = key.toLowerCase();
  for (const known of CONFIG_KEYS) if (known.toLowerCase() === lower) return known;
  for (const known of CONFIG_KEYS) {
    if (known.toLowerCase().startsWith(lower.slice(0, 4)) || lower.startsWith(known.toLowerCase().slice(0, 4))) {
      return known;
    }
  }
  return undefined;
}

function checkPort(who: string | undefined, field: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > 65535) {
    fail(who, `"${field}" must be an integer port from 1 to 65535 (got ${JSON.stringify(value)})`);
  }
  return value;
}

function checkStringList(who: string | undefined, field: string, value: unknown, allowEmpty: boolean): string[] {
  if (!Array.isArray(value)) fail(who, `"${field}" must be an array of strings (got ${JSON.stringify(value)})`);
  if (!allowEmpty && value.length === 0) fail(who, `"${field}" must not be empty; leave it out to use the default`);
  value.forEach((item, i) => {
    if (typeof item !== "string" || item.length === 0) {
      fail(who, `"${field}[${i}]" must be a non-empty string (got ${JSON.stringify(item)})`);
    }
  });
  return [...value] as string[];
}

function checkStringRecord(
  who: string | undefined,
  field: string,
  value: unknown,
  keyRule?: { pattern: RegExp; hint: string },
): Record<string, string> {
  if (!isPlainObject(value)) fail(who, `"${field}" must be an object of string values (got ${JSON.stringify(value)})`);
  const out: Record<string, string> = {};
  for (const [key, v] of Object.entries(value)) {
    if (keyRule && !keyRule.pattern.test(key)) fail(who, `"${field}" key ${JSON.stringify(key)} ${keyRule.hint}`);
    if (typeof v !== "string") {
      fail(who, `"${field}.${key}" must be a string (got ${JSON.stringify(v)}); wrap numbers and booleans in String()`);
    }
    out[key] = v;
  }
  return out;
}

const ENV_KEY_RULE = {
  pattern: ENV_NAME,
  hint: "is not a valid environment variable name (letters, digits and _, not starting with a digit)",
};

function resolveImage(who: string | undefined, image: unknown, field = "image"): ImageSource {
  if (isPlainObject(image)) {
    const extra = Object.keys(image).filter((k) => k !== "registry");
    if (extra.length > 0) fail(who, `"${field}" object takes only "registry" (unknown: ${extra.join(", ")})`);
    const ref = image.registry;
    if (typeof ref !== "string" || ref.trim() !== ref || ref.length === 0 || /\s/.test(ref)) {
      fail(
        who,
        `"${field}.registry" must be an image reference like "registry.cloudflare.com/acme/app:1.0" (got ${JSON.stringify(ref)})`,
      );
    }
    return { kind: "registry", reference: ref };
  }
  if (typeof image !== "string" || image.trim().length === 0) {
    fail(
      who,
      `"${field}" must be a directory with a Dockerfile, a path to a Dockerfile, or { registry: "host/repo:tag" } (got ${JSON.stringify(image)})`,
    );
  }
  const isPath = image.startsWith("./") || image.startsWith("../") || image.startsWith("/") || image === ".";
  if (
    !isPath &&
    REGISTRY_LIKE.test(image) &&
    (image.includes(":") || image.includes("@") || /^[^/]+\.[^/]+\//.test(image))
  ) {
    fail(
      who,
      `"${field}" ${JSON.stringify(image)} looks like a registry reference; write ${field.split(".").at(-1)}: { registry: ${JSON.stringify(image)} }, or start a local path with "./"`,
    );
  }
  const trimmed = image.replace(/\/+$/, "") || "/";
  const base = trimmed.slice(trimmed.lastIndexOf("/") + 1);
  if (base.startsWith("Dockerfile")) {
    const slash = trimmed.lastIndexOf("/");
    const dir = slash < 0 ? "." : trimmed.slice(0, slash) || "/";
    return { kind: "dockerfile", dockerfile: trimmed, context: dir };
  }
  return { kind: "dockerfile", dockerfile: `${trimmed}/Dockerfile`, context: trimmed };
}

function resolveDuration(who: string | undefined, field: string, value: unknown): number {
  const seconds = parseDuration(value);
  if (seconds === undefined) fail(who, durationHint(field, value));
  return seconds;
}

function resolveReadyOn(who: string | undefined, value: unknown, ports: number[], defaultPort: number) {
  if (!Array.isArray(value))
    fail(who, `"readyOn" must be an array like [{ path: "/ready" }] (got ${JSON.stringify(value)})`);
  return value.map((raw: unknown, i) => {
    const at = `readyOn[${i}]`;
    if (!isPlainObject(raw)) fail(who, `"${at}" must be an object like { path: "/ready", port?: 8080, status?: 200 }`);
    const unknown = Object.keys(raw).filter((k) => !["path", "port", "status"].includes(k));
    if (unknown.length > 0) fail(who, `"${at}" has unknown key(s) ${unknown.join(", ")}; allowed: path, port, status`);
    const check = raw as Partial<ReadyCheck>;
    if (typeof check.path !== "string" || !check.path.startsWith("/") || check.path.trim() !== check.path) {
      fail(who, `"${at}.path" must start with "/" and have no surrounding spaces (got ${JSON.stringify(check.path)})`);
    }
    const port = check.port === undefined ? defaultPort : checkPort(who, `${at}.port`, check.port);
    if (!ports.includes(port)) {
      fail(
        who,
        `"${at}.port" ${port} is not one of the container's ports (${ports.join(", ")}); add it to "requiredPorts"`,
      );
    }
    const status = check.status ?? DEFAULTS.readyStatus;
    if (!Number.isInteger(status) || status < 100 || status > 599) {
      fail(who, `"${at}.status" must be an HTTP status from 100 to 599 (got ${JSON.stringify(check.status)})`);
    }
    return { path: check.path, port, status };
  });
}

/**
 * Validates `config` and returns the normalized definition. `exportName` is filled in by discovery when the
 * declaration module is evaluated, so messages can name the export; users never pass it.
 */
export function normalizeContainer(config: ContainerConfig, exportName?: string): ContainerDefinition {
  const who = exportName;
  if (!isPlainObject(config))
    fail(who, `expects an object like { image: "./containers/app" } (got ${JSON.stringify(config)})`);
  for (const key of Object.keys(config)) {
    if (!CONFIG_KEYS.has(key)) {
      const near = closestKey(key);
      fail(
        who,
        `unknown field "${key}"${near ? `; did you mean "${near}"?` : ""} (allowed: ${[...CONFIG_KEYS].join(", ")})`,
      );
    }
  }

  const defaultPort =
    config.defaultPort === undefined ? DEFAULTS.defaultPort : checkPort(who, "defaultPort", config.defaultPort);
  let requiredPorts = [defaultPort];
  if (config.requiredPorts !== undefined) {
    if (!Array.isArray(config.requiredPorts) || config.requiredPorts.length === 0) {
      fail(
        who,
        `"requiredPorts" must be a non-empty array of ports like [8080, 9090] (got ${JSON.stringify(config.requiredPorts)})`,
      );
    }
    requiredPorts = config.requiredPorts.map((p, i) => checkPort(who, `requiredPorts[${i}]`, p));
    const dup = requiredPorts.find((p, i) => requiredPorts.indexOf(p) !== i);
    if (dup !== undefined) fail(who, `"requiredPorts" lists ${dup} twice; list each port once`);
    if (config.defaultPort !== undefined && !requiredPorts.includes(defaultPort)) {
      fail(
        who,
        `"defaultPort" ${defaultPort} is not in "requiredPorts" (${requiredPorts.join(", ")}); add it so start-up waits for it`,
      );
    }
  }

  const entrypoint =
    config.entrypoint === undefined ? undefined : checkStringList(who, "entrypoint", config.entrypoint, false);

  let instanceType: ContainerDefinition["instanceType"] = DEFAULTS.instanceType;
  if (config.instanceType !== undefined) {
    const t: unknown = config.instanceType;
    if (typeof t === "string") {
      if (!(NAMED_INSTANCE_TYPES as readonly string[]).includes(t)) {
        fail(
          who,
          `"instanceType" must be one of ${NAMED_INSTANCE_TYPES.map((n) => `"${n}"`).join(", ")} or { vcpu, memoryMib, diskMb } (got ${JSON.stringify(t)})`,
        );
      }
      instanceType = t as ContainerDefinition["instanceType"];
    } else if (isPlainObject(t)) {
      const keys = Object.keys(t).sort().join(",");
      if (keys !== "diskMb,memoryMib,vcpu") {
        fail(
          who,
          `"instanceType" custom form takes exactly { vcpu, memoryMib, diskMb } (got keys: ${Object.keys(t).join(", ") || "none"})`,
        );
      }
      for (const k of ["vcpu", "memoryMib", "diskMb"] as const) {
        if (typeof t[k] !== "number" || !Number.isFinite(t[k]) || (t[k] as number) <= 0) {
          fail(who, `"instanceType.${k}" must be a positive number (got ${JSON.stringify(t[k])})`);
        }
      }
      const custom = { vcpu: t.vcpu as number, memoryMib: t.memoryMib as number, diskMb: t.diskMb as number };
      const problems = customInstanceProblems(custom);
      if (problems.length > 0) fail(who, `"instanceType" is outside the platform's limits: ${problems.join("; ")}`);
      instanceType = custom;
    } else {
      fail(
        who,
        `"instanceType" must be a name like "standard-1" or { vcpu, memoryMib, diskMb } (got ${JSON.stringify(t)})`,
      );
    }
  }

  let maxInstances: number | undefined;
  if (config.maxInstances !== undefined) {
    const n: unknown = config.maxInstances;
    if (typeof n !== "number" || !Number.isInteger(n) || n < 1) {
      fail(who, `"maxInstances" must be a positive integer (got ${JSON.stringify(n)})`);
    }
    maxInstances = n;
  }
  const instances = resolveInstances((message) => fail(who, message), config.instances, maxInstances);
  const concurrency = resolveConcurrency((message) => fail(who, message), config.concurrency);

  const { scheduling, image } = resolveScheduling(
    (message) => fail(who, message),
    config,
    (field, value) => resolveImage(who, value, field),
    maxInstances ?? instances?.max,
  );

  const sleepAfterSeconds =
    config.sleepAfter === undefined
      ? DEFAULTS.sleepAfterSeconds
      : resolveDuration(who, "sleepAfter", config.sleepAfter);
  const hardTimeoutSeconds =
    config.hardTimeout === undefined ? undefined : resolveDuration(who, "hardTimeout", config.hardTimeout);
  const stopTimeoutSeconds =
    config.stopTimeout === undefined ? undefined : resolveDuration(who, "stopTimeout", config.stopTimeout);
  const readyTimeoutSeconds =
    config.readyTimeout === undefined
      ? DEFAULTS.readyTimeoutSeconds
      : resolveDuration(who, "readyTimeout", config.readyTimeout);

  const env = config.env === undefined ? {} : checkStringRecord(who, "env", config.env, ENV_KEY_RULE);
  const secrets = config.secrets === undefined ? [] : checkStringList(who, "secrets", config.secrets, true);
  secrets.forEach((name, i) => {
    if (!ENV_NAME.test(name)) fail(who, `"secrets[${i}]" ${JSON.stringify(name)} ${ENV_KEY_RULE.hint}`);
  });
  const secretsStore =
    config.secretsStore === undefined ? {} : checkStringRecord(who, "secretsStore", config.secretsStore, ENV_KEY_RULE);
  for (const [envName, binding] of Object.entries(secretsStore)) {
    if (!ENV_NAME.test(binding))
      fail(who, `"secretsStore.${envName}" binding name ${JSON.stringify(binding)} is not a valid binding name`);
  }
  const owners = new Map<string, string>();
  const claim = (name: string, field: string) => {
    const prior = owners.get(name);
    if (prior !== undefined && prior !== field) {
      fail(
        who,
        `"${name}" is set by both "${prior}" and "${field}"; a variable must come from exactly one of env, secrets, secretsStore`,
      );
    }
    if (prior === field) fail(who, `"${field}" lists "${name}" twice`);
    owners.set(name, field);
  };
  for (const name of Object.keys(env)) claim(name, "env");
  for (const name of secrets) claim(name, "secrets");
  for (const name of Object.keys(secretsStore)) claim(name, "secretsStore");

  const labels = config.labels === undefined ? {} : checkStringRecord(who, "labels", config.labels);
  let buildArgs =
    config.buildArgs === undefined
      ? {}
      : checkStringRecord(who, "buildArgs", config.buildArgs, {
          pattern: ENV_NAME,
          hint: "is not a valid build ARG name",
        });
  if (image.kind === "registry" && Object.keys(buildArgs).length > 0) {
    console.warn(
      `${exportName ? `defineContainer(${exportName})` : "defineContainer"}: "buildArgs" is ignored for a { registry } image, which is already built; remove it or point "image" at a Dockerfile`,
    );
    buildArgs = {};
  }

  const bool = (field: "enableInternet" | "interceptHttps", fallback: boolean): boolean => {
    const v = config[field];
    if (v === undefined) return fallback;
    if (typeof v !== "boolean") fail(who, `"${field}" must be true or false (got ${JSON.stringify(v)})`);
    return v;
  };
  const hosts = (field: "allowedHosts" | "deniedHosts"): string[] => {
    if (config[field] === undefined) return [];
    const list = checkStringList(who, field, config[field], true);
    list.forEach((h, i) => {
      if (!HOST_GLOB.test(h)) {
        fail(
          who,
          `"${field}[${i}]" ${JSON.stringify(h)} is not a host or host glob; write it like "api.github.com" or "*.stripe.com" (no scheme, no path)`,
        );
      }
    });
    return list;
  };

  const readyOn = config.readyOn === undefined ? [] : resolveReadyOn(who, config.readyOn, requiredPorts, defaultPort);

  const definition: ContainerDefinition = {
    image,
    defaultPort,
    requiredPorts,
    instanceType,
    sleepAfterSeconds,
    readyTimeoutSeconds,
    env,
    secrets,
    secretsStore,
    labels,
    buildArgs,
    enableInternet: bool("enableInternet", DEFAULTS.enableInternet),
    allowedHosts: hosts("allowedHosts"),
    deniedHosts: hosts("deniedHosts"),
    interceptHttps: bool("interceptHttps", DEFAULTS.interceptHttps),
    readyOn,
  };
  if (entrypoint) definition.entrypoint = entrypoint;
  // A declared pool without maxInstances caps wrangler's max_instances at the pool's max.
  if (maxInstances !== undefined || instances) definition.maxInstances = maxInstances ?? instances?.max;
  if (instances) definition.instances = instances;
  if (concurrency) definition.concurrency = concurrency;
  if (hardTimeoutSeconds !== undefined) definition.hardTimeoutSeconds = hardTimeoutSeconds;
  Object.assign(definition, scheduling);
  if (stopTimeoutSeconds !== undefined) definition.stopTimeoutSeconds = stopTimeoutSeconds;
  return definition;
}

/**
 * Set by discovery while it evaluates `moorage/containers.ts`: `defineContainer` then records the raw config and
 * its call site instead of validating, so discovery can validate with the export name in every message.
 */
export const DEFER_VALIDATION: unique symbol = Symbol.for("moorage.defer-validation");
/** Where a deferred declaration keeps what the user wrote. */
export const DEFERRED: unique symbol = Symbol.for("moorage.deferred");

export interface DeferredDeclaration {
  config: ContainerConfig;
  /** `Error().stack` captured at the `defineContainer` call, for file:line in messages. */
  stack: string | undefined;
}

/**
 * Declares a container. Use one `export const name = defineContainer({...})` per container in
 * `moorage/containers.ts`; the export name becomes the class (`NameContainer`), the binding (`CONTAINER_NAME`)
 * and the key on the typed `containers` object.
 */
export function defineContainer(config: ContainerConfig): DefinedContainer {
  if ((globalThis as Record<symbol, unknown>)[DEFER_VALIDATION] === true) {
    const deferred: DeferredDeclaration = { config, stack: new Error().stack };
    return Object.defineProperties({} as DefinedContainer, {
      [DEFINED]: { value: true, enumerable: false },
      [DEFERRED]: { value: deferred, enumerable: false },
    });
  }
  const definition = normalizeContainer(config);
  return Object.defineProperty(definition, DEFINED, { value: true, enumerable: false }) as DefinedContainer;
}

/** True for values produced by `defineContainer`. */
export function isDefinedContainer(value: unknown): value is DefinedContainer {
  return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[DEFINED] === true;
}

/** The raw config and call site of a declaration made while discovery deferred validation. */
export function deferredDeclaration(value: DefinedContainer): DeferredDeclaration | undefined {
  return (value as unknown as Record<symbol, DeferredDeclaration | undefined>)[DEFERRED];
}
