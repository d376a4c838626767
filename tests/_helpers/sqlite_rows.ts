/**
 * Rows put straight into a config database, as the Rust crate or another
 * tool leaves them, for the tests of what SqliteSource makes of them.
 *
 * @module
 */
import { DatabaseSync } from "node:sqlite";

/** The table the Rust crate creates, as it creates it. */
export const RUST_TABLE =
  "CREATE TABLE config (key TEXT PRIMARY KEY, value TEXT NOT NULL, updated_at TEXT NOT NULL DEFAULT (datetime('now')))";

/**
 * Stores each `[key, text]` of `rows` as it is (no JSON encoding) with
 * `INSERT OR REPLACE`, over a connection of its own that is closed before
 * this returns. `createTable` first creates {@linkcode RUST_TABLE}, for a
 * database no SqliteSource has opened.
 */
export function insertRows(
  path: string,
  rows: readonly (readonly [string, string])[],
  options: { readonly createTable?: boolean } = {},
): void {
  const db = new DatabaseSync(path);
  try {
    if (options.createTable) db.exec(RUST_TABLE);
    const insert = db.prepare(
      "INSERT OR REPLACE INTO config (key, value) VALUES (?, ?)",
    );
    for (const [key, text] of rows) insert.run(key, text);
  } finally {
    db.close();
  }
}

/**
 * The text stored under `key`, read over a read-only connection of its own
 * (closed before this returns), as the Rust crate or another tool would see
 * it; `undefined` when there is no row.
 */
export function storedText(path: string, key: string): string | undefined {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    const row = db.prepare("SELECT value FROM config WHERE key = ?").get(key) as
      | { value: string }
      | undefined;
    return row?.value;
  } finally {
    db.close();
  }
}
