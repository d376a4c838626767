/**
 * Cold-start child for the benchmark: a whole process that imports mod.ts
 * and reads one value through [EnvSource, SqliteSource].
 *
 * Usage: deno run --allow-read --allow-write --allow-env bench/cold_start_ours.ts <db path>
 *
 * @module
 */
import process from "node:process";
import { z } from "zod";
import {
  ConfigManager,
  defineConfig,
  EnvSource,
  secret,
  SqliteSource,
} from "../mod.ts";

const Postgres = defineConfig({
  key: "PostgresConfig",
  schema: z.object({
    host: z.string(),
    port: z.number().int().default(5432),
    user: z.string(),
    password: secret(z.string()),
    database: z.string(),
    ssl: z.boolean().default(true),
  }),
});

await using manager = new ConfigManager([
  new EnvSource(),
  await SqliteSource.open(process.argv[2]),
]);
const value = await manager.get(Postgres);
console.log(value.host);
