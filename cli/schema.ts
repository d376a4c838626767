/**
 * The definition a command works with: one loaded with `--schema
 * ./module.ts#Export` (by `schema_module.ts`, loaded only then), or a
 * permissive raw-JSON one for the key typed.
 *
 * @module
 */
import { z } from "zod";
import { type ConfigDefinition, defineConfig } from "../config.ts";
import { UsageError } from "./errors.ts";

/** The definition a command uses, and whether it came from a schema. */
export interface LoadedDefinition {
  /** The definition. */
  readonly def: ConfigDefinition<unknown>;
  /** `true` when it came from `--schema`; `false` for raw JSON. */
  readonly fromSchema: boolean;
  /** The `--schema` argument it came from, for messages. */
  readonly reference?: string;
}

/**
 * Returns the definition for a command: the `--schema` one, checked against
 * the KEY argument when both are given, else raw JSON for KEY.
 *
 * @param key The KEY argument, if any.
 * @param schema The `--schema` argument, if any.
 * @param cwd The directory relative paths start from.
 * @returns The definition and where it came from.
 * @throws {UsageError} When neither is given, or they name different keys.
 */
export async function definitionFor(
  key: string | undefined,
  schema: string | undefined,
  cwd?: string,
): Promise<LoadedDefinition> {
  if (schema === undefined) {
    if (key === undefined) {
      throw new UsageError(
        "Missing KEY: pass a key, or --schema MODULE#EXPORT",
      );
    }
    return { def: rawDefinition(key), fromSchema: false };
  }
  const { loadSchema } = await import("./schema_module.ts");
  const def = await loadSchema(schema, cwd);
  if (key !== undefined && key !== def.key) {
    throw new UsageError(
      `KEY ${key} does not match the schema's key ${def.key}: leave KEY out or pass ${def.key}`,
      { key },
    );
  }
  return { def, fromSchema: true, reference: schema };
}

/**
 * A definition that accepts any JSON value, for use without a schema.
 *
 * @param key The key.
 * @returns The definition.
 * @throws {InvalidKeyError} When the key is not an identifier.
 */
export function rawDefinition(key: string): ConfigDefinition<unknown> {
  // Values reach it already parsed from JSON text. z.unknown() rather than
  // z.json(): the latter drops an own "__proto__" key, so a value would not
  // round-trip.
  return defineConfig({ key, schema: z.unknown() }) as ConfigDefinition<
    unknown
  >;
}
