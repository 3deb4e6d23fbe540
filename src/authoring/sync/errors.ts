/**
 * The one error type `moorage sync` throws.
 *
 * Everything the user can fix in their wrangler config (or their project layout) surfaces as a
 * `MoorageConfigError` whose message names the file, the field and the fix, so the CLI can print it as is and
 * exit 1 without a stack trace. Bugs in Moorage itself stay plain `Error`s. A thrown sync never writes: the
 * file on disk is byte-for-byte what it was. A `MoorageError` (code `wrangler-config`, `src/errors.ts`).
 */
import { MoorageError } from "../../errors.js";
export class MoorageConfigError extends MoorageError<"wrangler-config"> {
  override name = "MoorageConfigError";
  /** Absolute path of the file the problem is in. */
  readonly file: string;
  /** Dotted wrangler field (`durable_objects.bindings[2].name`) when the problem is one field. */
  readonly field: string | undefined;

  constructor(file: string, message: string, field?: string) {
    super("wrangler-config", message);
    this.file = file;
    this.field = field;
  }
}
