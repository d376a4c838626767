/**
 * Writes done by another process, for the tests of what this one sees: the
 * `sqlite3` shell where it is installed, else a child script with plain
 * `node:sqlite`, both writing the config table the way the Rust crate does.
 *
 * @module
 */
import assert from "node:assert/strict";
import { isDeno, run, runFixture } from "./subprocess.ts";

const WRITER = new URL(
  `../_fixtures/sqlite_raw_writer.${isDeno ? "ts" : "js"}`,
  import.meta.url,
);

let shell: Promise<boolean> | undefined;
/** Whether the `sqlite3` shell is on PATH. */
function hasSqliteShell(): Promise<boolean> {
  return shell ??= run("sqlite3", ["-version"]).then(
    (result) => result.code === 0,
    () => false,
  );
}

/** SQL text of a value, for the shell. */
function literal(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/**
 * Stores `json` (JSON text) under `key` in another process, as the Rust
 * crate does: `INSERT OR REPLACE` with `updated_at = datetime('now')`.
 * `checkpoint` first runs `PRAGMA wal_checkpoint(TRUNCATE)`, so the write
 * starts a new WAL.
 */
export async function storeInAnotherProcess(
  db: string,
  key: string,
  json: string,
  options: { checkpoint?: boolean } = {},
): Promise<void> {
  const checkpoint = options.checkpoint
    ? "PRAGMA wal_checkpoint(TRUNCATE);"
    : "";
  if (await hasSqliteShell()) {
    await shellRun(
      db,
      `PRAGMA busy_timeout = 10000; ${checkpoint} INSERT OR REPLACE INTO config (key, value, updated_at) VALUES (${
        literal(key)
      }, ${literal(json)}, datetime('now'));`,
    );
    return;
  }
  await fixtureRun(
    db,
    `${checkpoint} INSERT OR REPLACE INTO config (key, value, updated_at) VALUES (?, ?, datetime('now'))`,
    [key, json],
  );
}

/** Deletes the row of `key` in another process. */
export async function deleteInAnotherProcess(
  db: string,
  key: string,
): Promise<void> {
  if (await hasSqliteShell()) {
    await shellRun(
      db,
      `PRAGMA busy_timeout = 10000; DELETE FROM config WHERE key = ${
        literal(key)
      };`,
    );
    return;
  }
  await fixtureRun(db, "DELETE FROM config WHERE key = ?", [key]);
}

async function shellRun(db: string, sql: string): Promise<void> {
  const result = await run("sqlite3", [db, sql]);
  assert.equal(result.code, 0, `sqlite3 failed: ${result.stderr}`);
}

async function fixtureRun(
  db: string,
  sql: string,
  params: readonly unknown[],
): Promise<void> {
  const result = await runFixture(WRITER, [db, sql, JSON.stringify(params)], {
    denoFlags: ["--allow-read", "--allow-write"],
  });
  assert.equal(result.code, 0, `the writer failed: ${result.stderr}`);
}
