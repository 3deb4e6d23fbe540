/**
 * Input validation through Standard Schema v1, so zod, valibot, arktype (and any other compliant library) work
 * without adapters. This module only knows the spec's interface; it never imports a schema library.
 */
import type { StandardSchemaV1 } from "@standard-schema/spec";
import { type ArgsIssue, InvalidArgsError } from "./errors.js";

/** Validate `value`; resolve to the schema's output or throw `InvalidArgsError` carrying the issues. */
export async function validateArgs<Schema extends StandardSchemaV1>(
  schema: Schema,
  value: unknown,
  functionName: string,
): Promise<StandardSchemaV1.InferOutput<Schema>> {
  const result = await schema["~standard"].validate(value);
  if (result.issues) throw new InvalidArgsError(functionName, result.issues.map(toArgsIssue));
  return result.value as StandardSchemaV1.InferOutput<Schema>;
}

/** Whether `value` implements Standard Schema v1. */
export function isStandardSchema(value: unknown): value is StandardSchemaV1 {
  const standard = (value as { "~standard"?: { version?: unknown; validate?: unknown } } | null)?.["~standard"];
  return standard?.version === 1 && typeof standard.validate === "function";
}

// Issue paths may hold symbols or `{ key }` segments; callers get plain strings and numbers they can JSON-encode.
function toArgsIssue(issue: StandardSchemaV1.Issue): ArgsIssue {
  if (!issue.path?.length) return { message: issue.message };
  const path = issue.path.map((segment) => {
    const key = typeof segment === "object" && segment !== null ? segment.key : segment;
    return typeof key === "number" ? key : String(key);
  });
  return { message: issue.message, path };
}
