/**
 * Cold-start baseline for the benchmark: a whole process that reads the same
 * row with node:sqlite, `JSON.parse` and the same zod schema, and nothing
 * else.
 *
 * Usage: deno run --allow-read --allow-write --allow-env bench/cold_start_raw.ts <db path>
 *
 * @module
 */
import process from "node:process";
import { DatabaseSync } from "node:sqlite";
import { z } from "zod";

const schema = z.object({
  host: z.string(),
  port: z.number().int().default(5432),
  user: z.string(),
  password: z.string(),
  database: z.string(),
  ssl: z.boolean().default(true),
});

const db = new DatabaseSync(process.argv[2]!);
const row = db.prepare("SELECT value FROM config WHERE key = ?").get(
  "PostgresConfig",
) as { value: string };
const value = schema.parse(JSON.parse(row.value));
db.close();
console.log(value.host);
