/**
 * The value every benchmark case stores and reads: a Postgres connection,
 * with a secret password, as in the README.
 *
 * @module
 */
import { DatabaseSync } from "node:sqlite";
import { z } from "zod";
import { secret } from "../mod.ts";

/**
 * Opens `path` with raw node:sqlite in WAL mode, with the Rust crate's
 * table created: what every benchmark seeds its database through.
 */
export function openConfigDb(path: string): DatabaseSync {
  const db = new DatabaseSync(path);
  db.exec("PRAGMA journal_mode = WAL");
  db.exec(`CREATE TABLE IF NOT EXISTS config (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at TEXT NOT NULL DEFAULT (datetime('now'))
  )`);
  return db;
}

/** The schema; the raw baselines parse with this same object. */
export const PostgresSchema = z.object({
  host: z.string(),
  port: z.number().int().default(5432),
  user: z.string(),
  password: secret(z.string()),
  database: z.string(),
  ssl: z.boolean().default(true),
});

/** The stored value. */
export const postgresValue: z.input<typeof PostgresSchema> = {
  host: "db.internal.example",
  port: 5432,
  user: "harmony",
  password: "correct-horse-battery-staple",
  database: "harmony",
  ssl: true,
};

/** Filler values stored under other keys, so no store is trivially small. */
export function fillerValue(index: number): Record<string, unknown> {
  return { host: `host-${index}.example`, port: 1000 + index, enabled: true };
}

/** The key of the `index`-th filler value. */
export function fillerKey(index: number): string {
  return `Filler_${String(index).padStart(6, "0")}`;
}
