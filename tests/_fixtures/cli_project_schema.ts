/**
 * The schema module of a project, as `harmony-config` finds it through
 * `HARMONY_SCHEMA` or `"harmony-config": { "schema": … }` in `deno.json` or
 * `package.json`: several definitions, one of them layered field by field.
 *
 * @module
 */
import { z } from "zod";
import { defineConfig, secret } from "../../mod.ts";

/** A database config, layered field by field, with a secret and a default. */
export const Postgres = defineConfig({
  key: "PostgresConfig",
  schema: z.object({
    host: z.string().describe("Host name or address"),
    port: z.number().int().min(1).default(5432),
    password: secret(z.string().min(8).default("dev-only-password")),
    tags: z.array(z.string()).default([]),
    pool: z.object({ max: z.number().int().default(10), idle: z.number() })
      .optional(),
  }),
  description: "Connection to the main database",
  layering: "fields",
});

/** A whole-value config with a secret token. */
export const Api = defineConfig({
  key: "Api",
  schema: z.object({ url: z.url(), token: secret(z.string()) }),
});

/** The same definition under a second name: loaded once. */
export default Api;
