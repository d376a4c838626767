/**
 * What the CLI may show of a value. With a schema, its secret fields are
 * redacted; without one nothing says which fields are secret, so every
 * scalar is hidden and only the shape (field names, array lengths) is shown.
 * `--reveal` shows the value as it is.
 *
 * @module
 */
import { redact, REDACTED } from "../secret.ts";
import type { LoadedDefinition } from "./schema.ts";

/**
 * Returns the part of `value` that may be printed.
 *
 * @param loaded The definition in use, and whether it came from a schema.
 * @param value The value.
 * @param reveal Whether `--reveal` was given.
 * @returns The value, redacted as the schema says, or with every scalar hidden.
 */
export function presentable(
  loaded: LoadedDefinition,
  value: unknown,
  reveal: boolean,
): unknown {
  if (reveal) return value;
  if (loaded.fromSchema) return redact(loaded.def.schema, value);
  return hideScalars(value);
}

/**
 * Replaces every scalar in a JSON value with `"<redacted>"`, keeping object
 * keys, array lengths and nulls.
 *
 * @param value The value.
 * @returns The shape of the value.
 */
export function hideScalars(value: unknown): unknown {
  if (value === null || value === undefined) return value;
  if (Array.isArray(value)) return value.map(hideScalars);
  if (typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).map((
        [field, inner],
      ) => [field, hideScalars(inner)]),
    );
  }
  return REDACTED;
}

/** The note shown when values are hidden for want of a schema. */
const HIDDEN_WITHOUT_SCHEMA_NOTE: string =
  'Values are hidden: without --schema nothing says which fields are secret. Pass --reveal to show them, or --schema MODULE#EXPORT to hide only secret fields (or name the module once: HARMONY_SCHEMA, or "harmony-config": { "schema": … } in deno.json or package.json).';

/**
 * The note for values hidden for want of a definition: no schema module,
 * or one without a definition of the key.
 *
 * @param loaded The definition in use.
 * @returns The note.
 */
export function hiddenNote(loaded: LoadedDefinition): string {
  if (loaded.unknownIn === undefined) return HIDDEN_WITHOUT_SCHEMA_NOTE;
  return `Values are hidden: ${loaded.unknownIn} has no definition of ${loaded.def.key}, so nothing says which fields are secret. Pass --reveal to show them, or add the definition to the module.`;
}
