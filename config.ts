/**
 * Config definitions: a key paired with a zod schema.
 *
 * @module
 */
import type { z } from "zod";
import { ConfigError } from "./errors.ts";
import { validateKey } from "./key.ts";
import { layeringProblem } from "./_internal/schema_walk.ts";
import { assertSupportedSchema } from "./_internal/zod_copy.ts";

/**
 * What {@linkcode defineConfig} takes.
 *
 * @example Wrap defineConfig with an app-wide naming rule
 * ```ts
 * import { type ConfigDefinition, type ConfigDefinitionOptions, defineConfig } from "@harmony/config";
 * import { z } from "zod";
 * import assert from "node:assert/strict";
 *
 * // Every key of the billing service starts with "Billing".
 * function billingConfig<S extends z.ZodType>(
 *   options: ConfigDefinitionOptions<S>,
 * ): ConfigDefinition<z.output<S>, z.input<S>> {
 *   return defineConfig({ ...options, key: `Billing${options.key}` });
 * }
 *
 * const Stripe = billingConfig({ key: "Stripe", schema: z.object({ account: z.string() }) });
 * assert.equal(Stripe.key, "BillingStripe");
 * ```
 */
export interface ConfigDefinitionOptions<S extends z.ZodType> {
  /**
   * The key: an identifier such as `PostgresConfig`. It is also the env var
   * suffix (`HARMONY_CONFIG_PostgresConfig`), the file name and the DB key.
   */
  key: string;
  /** The schema every value is validated against. */
  schema: S;
  /** A sentence that prompts and the CLI show. */
  description?: string;
  /**
   * Turns a stored value of an older shape into the current one. It runs on
   * a stored value that fails the schema; when its result validates, that
   * result is returned and written back to the source that held the value,
   * if that source still holds the old value (see `ConfigSource.compareAndSet`).
   */
  migrate?: (old: unknown) => unknown;
  /**
   * How the chain answers. `"whole"` (the default, as the Rust crate): the
   * first source that has the key answers with its whole value.
   * `"fields"`: each field comes from the first source that has it, so one
   * field can be overridden (`HARMONY_CONFIG_<KEY>__<field>`) while the rest
   * stay where they are; objects merge, arrays and other values replace
   * whole, and the schema's defaults apply after the merge. It needs an
   * object schema and no `migrate`.
   */
  layering?: "whole" | "fields";
}

/**
 * A key paired with its schema, made by {@linkcode defineConfig}. `T` is the
 * parsed type that `get` returns; `I` is the input type that `set` accepts,
 * where fields with defaults may be left out. Written with `T` alone
 * (`ConfigDefinition<Pg>`), the input is left open (`unknown`), so any
 * definition whose output is `T` fits, and a generic function over
 * `ConfigDefinition<T>` infers `T` as the output; `set` through it still
 * validates at run time.
 *
 * @example Annotate a definition, and write a function over any definition
 * ```ts
 * import { type ConfigDefinition, ConfigManager, defineConfig, MemorySource } from "@harmony/config";
 * import { z } from "zod";
 * import assert from "node:assert/strict";
 *
 * interface Pg {
 *   host: string;
 *   port: number;
 * }
 * const Postgres: ConfigDefinition<Pg> = defineConfig({
 *   key: "Postgres",
 *   schema: z.object({ host: z.string(), port: z.number().default(5432) }),
 * });
 *
 * async function load<T>(manager: ConfigManager, def: ConfigDefinition<T>): Promise<T> {
 *   return await manager.get(def);
 * }
 * const manager = new ConfigManager([new MemorySource({ Postgres: { host: "db" } })]);
 * const port: number = (await load(manager, Postgres)).port; // the output type
 * assert.equal(port, 5432);
 * ```
 *
 * @example Check every required key at startup
 * ```ts
 * import { type ConfigDefinition, ConfigManager, defineConfig, MemorySource } from "@harmony/config";
 * import { z } from "zod";
 * import assert from "node:assert/strict";
 *
 * const Port = defineConfig({ key: "Port", schema: z.number() });
 * const Host = defineConfig({ key: "Host", schema: z.string() });
 * const required: ConfigDefinition<unknown>[] = [Port, Host];
 *
 * const manager = new ConfigManager([new MemorySource({ Port: 8080 })]);
 * const missing: string[] = [];
 * for (const def of required) {
 *   if ((await manager.explain(def)).answeredBy === undefined) missing.push(def.key);
 * }
 * assert.deepEqual(missing, ["Host"]);
 * ```
 */
export interface ConfigDefinition<T, I = unknown> {
  /** The key, already validated. */
  readonly key: string;
  /** The schema every value is validated against. */
  readonly schema: z.ZodType<T, I>;
  /** A sentence that prompts and the CLI show. */
  readonly description?: string | undefined;
  /** Turns a stored value of an older shape into the current one. */
  readonly migrate?: ((old: unknown) => unknown) | undefined;
  /**
   * `"fields"` when each field comes from the first source that has it;
   * `"whole"` or absent when the first source that has the key answers.
   */
  readonly layering?: "whole" | "fields" | undefined;
}

/**
 * Pairs a key with a zod schema.
 *
 * @param options The key, the schema and optional description and migration.
 * @returns A frozen definition to pass to `ConfigManager` or the global `get`.
 * @throws {InvalidKeyError} When the key is not an identifier.
 * @throws {ConfigError} When `layering: "fields"` comes with a schema that
 * is not an object, or with `migrate`.
 * @throws {ConfigError} When the schema, or a schema inside it, comes from a
 * zod the library does not support or cannot read `secret()` marks from
 * (zod 4.0, zod 3's `zod/v4`, or a second copy of zod with its own
 * metadata registry); the message names the versions.
 *
 * @example Define a typed configuration
 * ```ts
 * import { defineConfig, secret } from "@harmony/config";
 * import { z } from "zod";
 *
 * const Postgres = defineConfig({
 *   key: "PostgresConfig",
 *   schema: z.object({
 *     host: z.string(),
 *     port: z.number().int().default(5432),
 *     password: secret(z.string()),
 *   }),
 *   description: "Connection to the main database",
 * });
 * ```
 *
 * @example Migrate an older stored shape
 * ```ts
 * import { defineConfig } from "@harmony/config";
 * import { z } from "zod";
 *
 * const Server = defineConfig({
 *   key: "Server",
 *   schema: z.object({ url: z.string() }),
 *   // Older versions stored { host, port }.
 *   migrate: (old) => {
 *     const { host, port } = old as { host: string; port: number };
 *     return { url: `http://${host}:${port}` };
 *   },
 * });
 * ```
 *
 * @example Let each field come from the first source that has it
 * ```ts
 * import { ConfigManager, defineConfig, EnvSource, MemorySource, secret } from "@harmony/config";
 * import { z } from "zod";
 * import assert from "node:assert/strict";
 *
 * const Db = defineConfig({
 *   key: "Db",
 *   schema: z.object({ host: z.string(), port: z.number().default(5432), password: secret(z.string()) }),
 *   layering: "fields",
 * });
 * const manager = new ConfigManager([
 *   new EnvSource({ env: { HARMONY_CONFIG_Db__host: "replica" } }), // a string field takes the text as it is
 *   new MemorySource({ Db: { host: "primary", password: "s3cret" } }),
 * ]);
 * assert.deepEqual(await manager.get(Db), { host: "replica", port: 5432, password: "s3cret" });
 * ```
 */
export function defineConfig<S extends z.ZodType>(
  options: ConfigDefinitionOptions<S>,
): ConfigDefinition<z.output<S>, z.input<S>> {
  const key = validateKey(options.key);
  assertSupportedSchema(
    options.schema,
    `defineConfig({ key: "${key}" })`,
    key,
  );
  const layering = options.layering ?? "whole";
  if (layering === "fields") {
    const problem = options.migrate === undefined
      ? layeringProblem(options.schema)
      : "migrate() upgrades one stored whole value, and a fields-mode value is assembled from several sources: drop migrate, or write the upgrade as a z.preprocess() in the schema";
    if (problem !== undefined) {
      throw new ConfigError(
        `defineConfig({ key: "${key}", layering: "fields" }): ${problem}`,
        { key },
      );
    }
  } else if (layering !== "whole") {
    throw new ConfigError(
      `defineConfig({ key: "${key}" }): layering must be "whole" or "fields"`,
      { key },
    );
  }
  return Object.freeze({
    key,
    schema: options.schema as z.ZodType<z.output<S>, z.input<S>>,
    description: options.description,
    migrate: options.migrate,
    layering,
  });
}
