/**
 * The zero-setup default source: a SQLite file shared with the Rust crate.
 *
 * @module
 */
import { dirname, resolve } from "node:path";
import { DatabaseSync, type StatementSync } from "node:sqlite";
import {
  ConfigError,
  ConfigPermissionError,
  ConfigSourceError,
} from "../errors.ts";
import { validateKey } from "../key.ts";
import { defaultDbPath } from "../paths.ts";
import type {
  ConfigSource,
  PermissionDescriptor,
  SourceEntry,
} from "../source.ts";
import { ensureDir, errorCode, FILE_MODE, nodeFs } from "../_internal/fs.ts";
import { parseJsonText, toJsonText } from "../_internal/json.ts";
import { settle } from "../_internal/promise.ts";
import { isPermissionDenied } from "../_internal/runtime.ts";

/**
 * Options for {@linkcode SqliteSource.open}.
 *
 * @example Wait longer for busy writers, or find the default path in another data dir
 * ```ts
 * import { SqliteSource } from "@harmony/config";
 * import { mkdtemp, rm } from "node:fs/promises";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import assert from "node:assert/strict";
 *
 * const dir = await mkdtemp(join(tmpdir(), "harmony-"));
 * // Many processes write at once: wait up to 30 s for the lock.
 * const busy = await SqliteSource.open(join(dir, "shared.db"), { busyTimeoutMs: 30_000 });
 * busy.close();
 * // No path: <data dir>/config/config.db, with the data dir from `env`.
 * const byEnv = await SqliteSource.open(undefined, { env: { HARMONY_DATA_DIR: dir } });
 * assert.equal(byEnv.path, join(dir, "config", "config.db"));
 * byEnv.close();
 * await rm(dir, { recursive: true });
 * ```
 */
export interface SqliteSourceOptions {
  /** How long a write waits for another process's lock, in ms. Default 10000. */
  busyTimeoutMs?: number;
  /** The environment used to find the default path; defaults to the process environment. */
  env?: Record<string, string | undefined>;
}

/**
 * A key stored in SQLite, with when it was last written.
 *
 * @example List stored keys with their write times
 * ```ts
 * import { type SqliteKeyInfo, SqliteSource } from "@harmony/config";
 * import { mkdtemp, rm } from "node:fs/promises";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import assert from "node:assert/strict";
 *
 * const dir = await mkdtemp(join(tmpdir(), "harmony-"));
 * {
 *   using source = await SqliteSource.open(join(dir, "config.db"));
 *   await source.set("Port", 8080);
 *   await source.set("Host", "db");
 *   const infos: SqliteKeyInfo[] = await source.list();
 *   assert.deepEqual(infos.map((info) => info.key), ["Host", "Port"]);
 *   assert.match(infos[0]!.updatedAt, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
 * }
 * await rm(dir, { recursive: true });
 * ```
 */
export interface SqliteKeyInfo {
  /** The key. */
  readonly key: string;
  /** SQLite's `datetime('now')` at the last write, in UTC: `YYYY-MM-DD HH:MM:SS`. */
  readonly updatedAt: string;
}

// Exactly the Rust crate's table, so both can share one file.
const CREATE_TABLE = `CREATE TABLE IF NOT EXISTS config (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL,
  updated_at TEXT NOT NULL DEFAULT (datetime('now'))
)`;

const SQLITE_BUSY = 5;
const SQLITE_LOCKED = 6;
const SQLITE_NOTADB = 26;
const DEFAULT_BUSY_TIMEOUT_MS = 10_000;

/**
 * Stores values as JSON text in `config(key, value, updated_at)`, the Rust
 * crate's schema, at `<data dir>/config/config.db` by default.
 *
 * WAL mode, a busy timeout and `synchronous=FULL` let several processes
 * write at once without losing a write or surfacing `SQLITE_BUSY`, and make
 * every commit durable. The file is created 0600 in a 0700 directory.
 *
 * Open it with {@linkcode SqliteSource.open}; close it with `close()` or
 * `using`.
 *
 * @example
 * ```ts
 * import { ConfigManager, defineConfig, SqliteSource } from "@harmony/config";
 * import { z } from "zod";
 * import { mkdtemp, rm } from "node:fs/promises";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import assert from "node:assert/strict";
 *
 * const dir = await mkdtemp(join(tmpdir(), "harmony-"));
 * const Name = defineConfig({ key: "Name", schema: z.string() });
 * {
 *   await using manager = new ConfigManager([await SqliteSource.open(join(dir, "config.db"))]);
 *   await manager.set(Name, "harmony");
 *   assert.equal(await manager.get(Name), "harmony");
 * }
 * await rm(dir, { recursive: true });
 * ```
 */
export class SqliteSource implements ConfigSource {
  /** `sqlite:<absolute path>`. */
  readonly name: string;
  /** SQLite persists. */
  readonly persists: boolean = true;
  /** The absolute path of the database file. */
  readonly path: string;
  readonly #db: DatabaseSync;
  readonly #select: StatementSync;
  readonly #selectEntry: StatementSync;
  readonly #upsert: StatementSync;
  readonly #remove: StatementSync;
  readonly #list: StatementSync;
  // Kept in JS because `DatabaseSync.isOpen` is a native call that costs
  // as much as a third of a cached read.
  #open = true;
  readonly #busyTimeoutMs: number;

  private constructor(db: DatabaseSync, path: string, busyTimeoutMs: number) {
    this.#db = db;
    this.#busyTimeoutMs = busyTimeoutMs;
    this.path = path;
    this.name = `sqlite:${path}`;
    this.#select = db.prepare("SELECT value FROM config WHERE key = ?");
    this.#selectEntry = db.prepare(
      "SELECT value, updated_at FROM config WHERE key = ?",
    );
    this.#upsert = db.prepare(
      `INSERT INTO config (key, value, updated_at) VALUES (?, ?, datetime('now'))
       ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
    );
    this.#remove = db.prepare("DELETE FROM config WHERE key = ?");
    this.#list = db.prepare("SELECT key, updated_at FROM config ORDER BY key");
  }

  /**
   * Opens (creating when needed) the database at `path`, by default
   * `<data dir>/config/config.db`.
   *
   * @param path The database file.
   * @param options Busy timeout and the environment for the default path.
   * @returns The open source.
   * @throws {ConfigPermissionError} When Deno denies access to the file.
   * @throws {ConfigSourceError} When the file is not a SQLite database; it is left untouched.
   */
  static async open(
    path?: string,
    options: SqliteSourceOptions = {},
  ): Promise<SqliteSource> {
    const file = resolve(
      path ?? defaultDbPath(options.env ? { env: options.env } : {}),
    );
    const source = `sqlite:${file}`;
    const dir = dirname(file);
    try {
      // An existing file needs no directory or file created, so the common
      // case (every run but the first) never loads node:fs.
      if (!isExistingFile(file)) {
        await ensureDir(dir);
        await createOwnerOnly(file);
      }
    } catch (error) {
      throw typedFailure(error, file, undefined, () =>
        new ConfigSourceError(
          `Cannot create ${file} (${
            errorCode(error) ?? "unknown error"
          }): check that ${dir} is writable by this user, or set HARMONY_DATA_DIR`,
          { source, cause: error },
        ));
    }
    let db: DatabaseSync;
    try {
      db = new DatabaseSync(file);
    } catch (error) {
      throw typedFailure(error, file, undefined, () =>
        new ConfigSourceError(
          `Cannot open ${file}: check that it is readable and writable by this user`,
          { source, cause: error },
        ));
    }
    const busyTimeoutMs = options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS;
    try {
      await retryWhileBusy(busyTimeoutMs, () => {
        db.exec(`PRAGMA busy_timeout = ${busyTimeoutMs}`);
        // Read before any write, so a file that is not a database fails here
        // and is never touched.
        db.prepare("SELECT count(*) FROM sqlite_master").get();
        db.exec("PRAGMA journal_mode = WAL");
        db.exec("PRAGMA synchronous = FULL");
        db.exec(CREATE_TABLE);
      });
      return new SqliteSource(db, file, busyTimeoutMs);
    } catch (error) {
      db.close();
      if (isNotADatabase(error)) {
        throw new ConfigSourceError(
          `${file} is not a SQLite database; it was left untouched: move it away, or pass another path to SqliteSource.open`,
          { source },
        );
      }
      throw typedFailure(error, file, undefined, () =>
        new ConfigSourceError(
          `Cannot initialise ${file}: ${sqliteReason(error)}`,
          { source, cause: error },
        ));
    }
  }

  /** Returns `<path>#<key>`, the row that holds `key`. */
  locate(key: string): string {
    return `${this.path}#${validateKey(key, this.name)}`;
  }

  /** Returns the stored value, or `undefined`. */
  get(key: string): Promise<unknown> {
    return settle(() => this.getSync(key));
  }

  /** `get` without a promise: `node:sqlite` reads synchronously anyway. */
  getSync(key: string): unknown {
    validateKey(key, this.name);
    const row = this.#run(key, () => this.#select.get(key)) as
      | { value: string }
      | undefined;
    return row === undefined ? undefined : this.#parse(row.value, key);
  }

  /** Like `get`, with the row locator and its `updated_at`. */
  entry(key: string): Promise<SourceEntry | undefined> {
    return settle(() => {
      const locator = this.locate(key);
      const row = this.#run(key, () => this.#selectEntry.get(key)) as
        | { value: string; updated_at: string }
        | undefined;
      if (row === undefined) return undefined;
      return {
        value: this.#parse(row.value, key),
        locator,
        updatedAt: row.updated_at,
      };
    });
  }

  /** Upserts the value as JSON text and refreshes `updated_at`. */
  async set(key: string, value: unknown): Promise<void> {
    validateKey(key, this.name);
    const text = toJsonText(value, key, this.name);
    await retryWhileBusy(
      this.#busyTimeoutMs,
      () => this.#run(key, () => this.#upsert.run(key, text)),
    );
  }

  /** Deletes the row; resolves to `true` when it existed. */
  async delete(key: string): Promise<boolean> {
    validateKey(key, this.name);
    const result = await retryWhileBusy(
      this.#busyTimeoutMs,
      () => this.#run(key, () => this.#remove.run(key)),
    );
    return Number(result.changes) > 0;
  }

  /**
   * Deletes the row stored under exactly `key`, even one that is not an
   * identifier: another tool sharing the file (such as the Rust crate) may
   * have written any text as a key, and `list()` shows it. `delete` refuses
   * such a key; this is how to remove the row.
   *
   * @param key A key as `list()` shows it.
   * @returns `true` when the row existed.
   *
   * @example Remove a row another tool wrote under a key that is not an identifier
   * ```ts
   * import { SqliteSource } from "@harmony/config";
   * import { DatabaseSync } from "node:sqlite";
   * import { mkdtemp, rm } from "node:fs/promises";
   * import { tmpdir } from "node:os";
   * import { join } from "node:path";
   * import assert from "node:assert/strict";
   *
   * const dir = await mkdtemp(join(tmpdir(), "harmony-"));
   * {
   *   using source = await SqliteSource.open(join(dir, "config.db"));
   *   const other = new DatabaseSync(source.path);
   *   other.prepare("INSERT INTO config (key, value) VALUES (?, ?)").run("bad key!", "1");
   *   other.close();
   *   assert.deepEqual((await source.list()).map((row) => row.key), ["bad key!"]);
   *   assert.equal(await source.deleteRow("bad key!"), true);
   *   assert.deepEqual(await source.list(), []);
   * }
   * await rm(dir, { recursive: true });
   * ```
   */
  async deleteRow(key: string): Promise<boolean> {
    const result = await retryWhileBusy(
      this.#busyTimeoutMs,
      () => this.#run(undefined, () => this.#remove.run(String(key))),
    );
    return Number(result.changes) > 0;
  }

  /** Lists the stored keys, sorted. */
  async keys(): Promise<string[]> {
    return (await this.list()).map((info) => info.key);
  }

  /** Lists the stored keys with their `updated_at`, sorted by key. */
  list(): Promise<SqliteKeyInfo[]> {
    return settle(() => {
      const rows = this.#run(undefined, () => this.#list.all()) as {
        key: string;
        updated_at: string;
      }[];
      return rows.map((row) => ({ key: row.key, updatedAt: row.updated_at }));
    });
  }

  /** Read and write access to the database's directory (the file, its WAL and its lock file). */
  permissions(): PermissionDescriptor[] {
    const dir = dirname(this.path);
    return [
      { name: "read", path: dir },
      { name: "write", path: dir },
    ];
  }

  /** Closes the database. Safe to call more than once. */
  close(): void {
    // The JS flag, not `DatabaseSync.isOpen`: that exists only from Node
    // 22.15, and without it the handle would never close on 22.13.
    if (!this.#open) return;
    this.#open = false;
    this.#db.close();
  }

  /** Closes the database at the end of a `using` block. */
  [Symbol.dispose](): void {
    this.close();
  }

  #parse(text: string, key: string): unknown {
    try {
      return JSON.parse(text);
    } catch {
      // Build the locator and the typed error only on failure: this is the
      // hot path of every read.
      return parseJsonText(
        text,
        key,
        this.locate(key),
        `overwrite it with harmony-config set ${key}, or delete the row`,
      );
    }
  }

  #run<T>(key: string | undefined, statement: () => T): T {
    if (!this.#open) {
      throw new ConfigSourceError(
        `${this.name} is closed: open a new SqliteSource`,
        { source: this.name, ...(key === undefined ? {} : { key }) },
      );
    }
    try {
      return statement();
    } catch (error) {
      if (isBusy(error)) {
        // Typed, with SQLite's error as the cause, which retryWhileBusy reads.
        throw new ConfigSourceError(
          `${this.name} stayed locked by another process past the busy timeout${
            key ? ` for key "${key}"` : ""
          }: retry, or raise busyTimeoutMs in SqliteSource.open`,
          {
            source: this.name,
            ...(key === undefined ? {} : { key }),
            cause: error,
          },
        );
      }
      throw typedFailure(
        error,
        this.path,
        key,
        () =>
          new ConfigSourceError(
            `${this.name} failed${key ? ` for key "${key}"` : ""}: ${
              sqliteReason(error)
            }`,
            {
              source: this.name,
              ...(key === undefined ? {} : { key }),
              cause: error,
            },
          ),
      );
    }
  }
}

/**
 * True when `file` exists and can be opened, found by opening it read-only
 * (which never creates it). Any failure, a denied permission included,
 * answers false, and the caller takes the creating path, which reports it.
 */
function isExistingFile(file: string): boolean {
  try {
    new DatabaseSync(file, { readOnly: true }).close();
    return true;
  } catch {
    return false;
  }
}

/** Creates an empty file with mode 0600 unless one exists; SQLite adopts an empty file. */
async function createOwnerOnly(file: string): Promise<void> {
  try {
    const handle = await (await nodeFs()).open(file, "wx", FILE_MODE);
    await handle.close();
  } catch (error) {
    if (errorCode(error) !== "EEXIST") throw error;
  }
}

/**
 * Retries a statement that failed with SQLITE_BUSY despite SQLite's own busy
 * handler (a WAL recovery, or a journal-mode change racing another process),
 * for at most `budgetMs` more, so a held lock costs about twice the busy
 * timeout, never fifty times it.
 */
async function retryWhileBusy<T>(
  budgetMs: number,
  statement: () => T,
): Promise<T> {
  const deadline = Date.now() + budgetMs;
  for (let attempt = 0;; attempt++) {
    try {
      return statement();
    } catch (error) {
      const busy = isBusy(error) ||
        (error instanceof ConfigSourceError && isBusy(error.cause));
      const wait = Math.min(5 + attempt * 5, deadline - Date.now());
      if (!busy || wait <= 0) throw error;
      await new Promise((done) => setTimeout(done, wait));
    }
  }
}

/**
 * Turns a failure into a typed error: a {@linkcode ConfigPermissionError}
 * naming both flags SQLite needs when Deno denied access, otherwise what
 * `otherwise` builds.
 */
function typedFailure(
  error: unknown,
  path: string,
  key: string | undefined,
  otherwise: () => ConfigSourceError,
): ConfigError {
  if (error instanceof ConfigError) return error;
  if (!isPermissionDenied(error)) return otherwise();
  const dir = dirname(path);
  return new ConfigPermissionError(
    `sqlite:${path}`,
    `read and write access to ${path}`,
    `--allow-read=${dir} --allow-write=${dir}`,
    key === undefined ? {} : { key },
  );
}

function sqliteCode(error: unknown): number | undefined {
  const code = (error as { errcode?: unknown } | null)?.errcode;
  return typeof code === "number" ? code & 0xff : undefined;
}

function isBusy(error: unknown): boolean {
  const code = sqliteCode(error);
  if (code === SQLITE_BUSY || code === SQLITE_LOCKED) return true;
  return /database is (locked|busy)|database table is locked/.test(
    String((error as Error | null)?.message),
  );
}

function isNotADatabase(error: unknown): boolean {
  return sqliteCode(error) === SQLITE_NOTADB ||
    /file is not a database|file is encrypted/.test(
      String((error as Error | null)?.message),
    );
}

/** SQLite's own reason, which names files and statements but never bound values. */
function sqliteReason(error: unknown): string {
  return (error as Error | null)?.message ?? String(error);
}
