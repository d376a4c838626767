/**
 * Definitions the CLI tests load with `--schema`: a database config with a
 * secret password, and one with a default.
 *
 * @module
 */
import { z } from "zod";
import { defineConfig, secret } from "../../mod.ts";

/** A config with one secret field. */
export const Db = defineConfig({
  key: "Db",
  schema: z.object({
    host: z.string(),
    port: z.number().int().default(5432),
    password: secret(z.string()),
  }),
  description: "Connection to the test database",
});

/** A config whose every field has a default, so the defaults answer. */
export const Limits = defineConfig({
  key: "Limits",
  schema: z.object({ retries: z.number().int().default(3) }),
});

/** Not a definition, to check the error that names the real ones. */
export const notADefinition = 42;
