/**
 * `harmony-config schema [KEY]`: prints the JSON Schema of a definition's
 * stored shape (`toJsonSchema`), for editors and other tools.
 *
 * @module
 */
import type { ConfigDefinition } from "../../config.ts";
import { toJsonSchema } from "../../json_schema.ts";
import { JSON_SCHEMA_DIALECT } from "../../_internal/json_schema.ts";
import type { CommandContext } from "../context.ts";
import { ExitCode, KeyAbsentError } from "../errors.ts";
import {
  definitionsFor,
  type LoadedDefinitions,
  needDefinitions,
} from "../schema.ts";

/**
 * Runs `schema`.
 *
 * @param context The command's arguments, options and streams.
 * @returns 0, or 3 when no definition has KEY.
 */
export async function schemaCommand(context: CommandContext): Promise<number> {
  const { args, options, out, cwd } = context;
  const loaded = needDefinitions(
    await definitionsFor(options.schema, cwd),
    "schema",
  );
  const key = args[0];
  if (key !== undefined) {
    await out.document(toJsonSchema(definitionOf(loaded, key)));
    return ExitCode.Ok;
  }
  const [only] = loaded.definitions;
  await out.document(
    loaded.definitions.length === 1 && only !== undefined
      ? toJsonSchema(only)
      : bundle(loaded),
  );
  return ExitCode.Ok;
}

function definitionOf(
  loaded: LoadedDefinitions,
  key: string,
): ConfigDefinition<unknown> {
  const def = loaded.definitions.find((d) => d.key === key);
  if (def !== undefined) return def;
  throw new KeyAbsentError(
    `${loaded.reference} has no definition of key ${key}: use one of ${
      loaded.definitions.map((d) => d.key).join(", ")
    }`,
    key,
  );
}

/**
 * Every definition's schema in one document: each is an embedded resource
 * under `$defs` (`$id` `<KEY>.schema.json`), so a `$ref` inside one still
 * means that one, and a tool picks one with `#/$defs/<KEY>`.
 */
function bundle(loaded: LoadedDefinitions): Record<string, unknown> {
  return {
    $schema: JSON_SCHEMA_DIALECT,
    title: `The definitions of ${loaded.reference}`,
    $defs: Object.fromEntries(
      loaded.definitions.map((def) => [
        def.key,
        { $id: `${def.key}.schema.json`, ...toJsonSchema(def) },
      ]),
    ),
  };
}
