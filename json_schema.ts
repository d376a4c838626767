/**
 * The JSON Schema of a definition: what a source holds for its key, for
 * editors, documentation and other tools.
 *
 * @module
 */
import type { ConfigDefinition } from "./config.ts";
import { jsonSchemaOf } from "./_internal/json_schema.ts";

/**
 * Returns the JSON Schema (2020-12) of the stored shape of `def`: what an
 * env var, a file or a database row holds for the key (the input side of
 * transforms and codecs), made by zod 4's own converter. Descriptions and
 * defaults are kept; secret fields are marked `writeOnly: true` and
 * `x-harmony-secret: true`, and a secret's default (or a default that
 * holds one) never appears. `title` is the key; `description` the
 * definition's, unless the schema has its own.
 *
 * @param def The definition.
 * @returns A JSON Schema document.
 *
 * @example Write the schema an editor checks a config file with
 * ```ts
 * import { defineConfig, secret, toJsonSchema } from "@harmony/config";
 * import { z } from "zod";
 * import assert from "node:assert/strict";
 *
 * const Db = defineConfig({
 *   key: "Db",
 *   schema: z.object({
 *     host: z.string().describe("Host name"),
 *     port: z.number().int().default(5432),
 *     password: secret(z.string().default("dev-only")),
 *   }),
 * });
 * const schema = toJsonSchema(Db);
 * assert.equal(schema.$schema, "https://json-schema.org/draft/2020-12/schema");
 * const properties = schema.properties as Record<string, Record<string, unknown>>;
 * assert.equal(properties.host?.description, "Host name");
 * assert.equal(properties.port?.default, 5432);
 * assert.equal(properties.password?.writeOnly, true);
 * assert.equal(properties.password?.["x-harmony-secret"], true);
 * assert.equal(properties.password?.default, undefined); // never a secret's default
 * ```
 */
export function toJsonSchema<T, I>(
  def: ConfigDefinition<T, I>,
): Record<string, unknown> {
  return jsonSchemaOf(def);
}
