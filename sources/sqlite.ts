/**
 * The zero-setup default source: a SQLite file shared with the Rust crate.
 *
 * @module
 */
import { dirname, resolve } from "node:path";
import type { DatabaseSync, StatementSync } from "node:sqlite";
import {
  ConfigError,
  ConfigPermissionError,
  ConfigSourceError,
  ConfigValidationError,
} from "../errors.ts";
import { validateKey } from "../key.ts";
import { defaultDbPath } from "../paths.ts";
import type {
  ConfigSource,
  PermissionDescriptor,
  SourceEntry,
} from "../source.ts";
import { deepEqual } from "../_internal/equal.ts";
import {
  diskProblem,
  ensureDir,
  errorCode,
  FILE_MODE,
  fileIdentitySync,
  fileKindSync,
  nodeFs,
} from "../_internal/fs.ts";
import { parseJson, parseJsonText, toJsonText } from "../_internal/json.ts";
import { holdsUnsafeNumber } from "../_internal/json_numbers.ts";
import { strictUtf8Text } from "../_internal/bounded_read.ts";
import { ChangeListeners } from "../_internal/listeners.ts";
import { settle } from "../_internal/promise.ts";
import { deno, isPermissionDenied } from "../_internal/runtime.ts";
import { timerInterval } from "../_internal/options.ts";
import { WalIndex } from "./_wal_index.ts";

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
  /**
   * How often a watched database is checked for commits by other
   * connections, in ms; this source's own writes are reported at once.
   * Default 250: a change reaches `watch` within about 2 intervals, and
   * checking costs one read of 96 bytes per interval, however many keys
   * are watched. Must be above 0 (`open` refuses 0, NaN or Infinity,
   * which a timer would turn into 1 ms).
   */
  watchIntervalMs?: number;
}

/** The default of {@linkcode SqliteSourceOptions.watchIntervalMs}. */
const DEFAULT_WATCH_INTERVAL_MS = 250;

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
const SQLITE_READONLY = 8;
const SQLITE_CORRUPT = 11;
const SQLITE_FULL = 13;
const SQLITE_CANTOPEN = 14;
const SQLITE_NOTADB = 26;
const DEFAULT_BUSY_TIMEOUT_MS = 10_000;

type SqliteModule = typeof import("node:sqlite");
let sqliteModule: Promise<SqliteModule> | undefined;

/**
 * Loads `node:sqlite` when a `SqliteSource` first opens, not when the
 * library is imported, so the rest of it works on a runtime without it
 * (Node 20, or 22 before 22.13 without a flag).
 */
async function loadSqlite(): Promise<SqliteModule> {
  try {
    return await (sqliteModule ??= import("node:sqlite"));
  } catch (error) {
    sqliteModule = undefined;
    throw new ConfigSourceError(
      "SqliteSource needs Node ≥ 22.13 (node:sqlite), or Deno: upgrade the runtime, or use LocalFileSource or MemorySource where node:sqlite is missing",
      { source: "sqlite", cause: error },
    );
  }
}

/** What `node:sqlite` reads each byte of TEXT that is not UTF-8 as. */
const REPLACEMENT_CHARACTER = "\uFFFD";

/**
 * Stores values as JSON text in `config(key, value, updated_at)`, the Rust
 * crate's schema, at `<data dir>/config/config.db` by default.
 *
 * WAL mode, a busy timeout and `synchronous=FULL` let several processes
 * write at once without losing a write or surfacing `SQLITE_BUSY`, and make
 * every commit durable. The file is created 0600 in a 0700 directory.
 *
 * `open()` writes nothing to a file that is not a healthy database: it
 * switches to WAL and creates the table only in a file it created, or one
 * that passed SQLite's `quick_check`. A database this process may not
 * write (another user's, or on a read-only volume) opens read-only:
 * reads work, and `set` and `delete` throw an error saying so.
 *
 * `get`'s cache and `watch` learn of commits by any connection from the
 * WAL index (`<db>-shm`), read through one descriptor per database and
 * process, closed after the last `SqliteSource` of the file closes. POSIX
 * drops all of a process's locks on a file when any of its descriptors for
 * it closes: a program with its own `node:sqlite` connection to the same
 * database should close that connection first.
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
  /**
   * True when the database was opened read-only because this process may
   * not write it: reads work, `set` and `delete` throw.
   */
  readonly readOnly: boolean;
  readonly #db: DatabaseSync;
  readonly #select: StatementSync;
  readonly #selectEntry: StatementSync;
  readonly #upsert: StatementSync;
  readonly #replaceIf: StatementSync;
  readonly #remove: StatementSync;
  readonly #list: StatementSync;
  /** Prepared on first use: only a value holding U+FFFD needs it. */
  #selectBytes: StatementSync | undefined;
  // Kept in JS because `DatabaseSync.isOpen` is a native call that costs
  // as much as a third of a cached read.
  #open = true;
  readonly #busyTimeoutMs: number;
  readonly #watchIntervalMs: number;
  /** The WAL index, when the database has one; else `PRAGMA data_version`. */
  readonly #walIndex: WalIndex | undefined;
  readonly #dataVersion: StatementSync;
  #lastDataVersion: unknown;
  /** Bumped whenever any connection may have committed: the stamp. */
  #generation = 0;
  readonly #listeners = new ChangeListeners();
  #pollTimer: ReturnType<typeof setInterval> | undefined;
  #polledGeneration = -1;
  /** The device and inode of the file opened, to tell it from another at the path later. */
  readonly #identity: string | undefined;

  private constructor(
    db: DatabaseSync,
    path: string,
    busyTimeoutMs: number,
    readOnly: boolean,
    watchIntervalMs: number,
  ) {
    this.#db = db;
    this.#busyTimeoutMs = busyTimeoutMs;
    this.#watchIntervalMs = watchIntervalMs;
    this.path = path;
    this.name = `sqlite:${path}`;
    this.readOnly = readOnly;
    try {
      this.#identity = fileIdentitySync(path);
    } catch {
      this.#identity = undefined; // Cannot stat it: writes are not checked.
    }
    this.#select = db.prepare("SELECT value FROM config WHERE key = ?");
    this.#selectEntry = db.prepare(
      "SELECT value, updated_at FROM config WHERE key = ?",
    );
    this.#upsert = db.prepare(
      `INSERT INTO config (key, value, updated_at) VALUES (?, ?, datetime('now'))
       ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
    );
    // Compare-and-set in one statement: the row changes only if its text
    // is still the text that was read.
    this.#replaceIf = db.prepare(
      "UPDATE config SET value = ?, updated_at = datetime('now') WHERE key = ? AND value = ?",
    );
    this.#remove = db.prepare("DELETE FROM config WHERE key = ?");
    this.#list = db.prepare("SELECT key, updated_at FROM config ORDER BY key");
    this.#dataVersion = db.prepare("PRAGMA data_version");
    const { journal_mode: mode } = db.prepare("PRAGMA journal_mode").get() as {
      journal_mode: string;
    };
    this.#walIndex = mode.toLowerCase() === "wal"
      ? WalIndex.open(path)
      : undefined;
    if (this.#walIndex === undefined) {
      this.#lastDataVersion = this.#dataVersion.get()?.data_version;
    }
  }

  /**
   * Opens (creating when needed) the database at `path`, by default
   * `<data dir>/config/config.db`.
   *
   * @param path The database file.
   * @param options Busy timeout and the environment for the default path.
   * @returns The open source.
   * @throws {ConfigPermissionError} When Deno denies access to the file.
   * @throws {ConfigSourceError} When the path is not a regular file (a FIFO,
   * a device, a directory), the file is not a SQLite database or is
   * corrupt (it is left untouched), or the runtime has no `node:sqlite`.
   * @throws {ConfigError} When `watchIntervalMs` is not above 0 (nothing is opened).
   */
  static async open(
    path?: string,
    options: SqliteSourceOptions = {},
  ): Promise<SqliteSource> {
    const sqlite = await loadSqlite();
    const file = resolve(
      path ?? defaultDbPath(options.env ? { env: options.env } : {}),
    );
    const source = `sqlite:${file}`;
    const watchIntervalMs = timerInterval(
      options.watchIntervalMs ?? DEFAULT_WATCH_INTERVAL_MS,
      "SqliteSource's watchIntervalMs",
      source,
    );
    const dir = dirname(file);
    let created = false;
    try {
      // A stat, never an open, of what is there: opening a FIFO would block
      // the whole thread, and a device would stream forever.
      const found = fileKindSync(file);
      if (found !== undefined && found.kind !== "file") {
        throw new ConfigSourceError(
          `${file} is a ${found.kind}, not a database file, so it was not opened and was left alone: remove it, or pass another path to SqliteSource.open`,
          { source },
        );
      }
      // An existing file needs no directory or file created, so the common
      // case (every run but the first) never loads node:fs.
      if (found === undefined) {
        await ensureDir(dir);
        created = await createOwnerOnly(file);
      }
    } catch (error) {
      throw typedFailure(error, file, undefined, () =>
        new ConfigSourceError(
          `Cannot create ${file}: ${
            diskProblem(errorCode(error), dir) ??
              `${
                errorCode(error) ?? "unknown error"
              }: check that ${dir} is writable by this user, or set HARMONY_DATA_DIR`
          }`,
          { source, cause: error },
        ));
    }
    let db: DatabaseSync;
    try {
      db = new sqlite.DatabaseSync(file);
    } catch (error) {
      throw typedFailure(error, file, undefined, () =>
        new ConfigSourceError(
          `Cannot open ${file}: check that it is readable and writable by this user`,
          { source, cause: error },
        ));
    }
    const busyTimeoutMs = options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS;
    try {
      await retryWhileBusy(
        busyTimeoutMs,
        () => prepare(db, busyTimeoutMs, created),
      );
      return new SqliteSource(db, file, busyTimeoutMs, false, watchIntervalMs);
    } catch (error) {
      db.close();
      // A database this process may not write: SQLite says read-only, or
      // cannot open the -shm file that WAL needs.
      if (isReadOnly(error) || sqliteCode(error) === SQLITE_CANTOPEN) {
        return new SqliteSource(
          await openReadOnly(sqlite, file, busyTimeoutMs),
          file,
          busyTimeoutMs,
          true,
          watchIntervalMs,
        );
      }
      throw openFailure(error, file);
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
    this.#assertWritable(key, "stored");
    const text = toJsonText(value, key, this.name);
    await retryWhileBusy(
      this.#busyTimeoutMs,
      () => this.#run(key, () => this.#upsert.run(key, text)),
    );
    this.#wrote(key);
  }

  /**
   * Replaces the row only if it still holds `expected`: the row's text is
   * read and compared as JSON, then one `UPDATE … WHERE key = ? AND value =
   * ?` with that text writes only if no other process changed it since.
   */
  async compareAndSet(
    key: string,
    expected: unknown,
    value: unknown,
  ): Promise<boolean> {
    validateKey(key, this.name);
    this.#assertWritable(key, "written back");
    const text = toJsonText(value, key, this.name);
    const written = await retryWhileBusy(
      this.#busyTimeoutMs,
      () =>
        this.#run(key, () => {
          const row = this.#select.get(key) as { value: string } | undefined;
          if (row === undefined) return false;
          const current = parseJson(row.value);
          if (!current.ok || !deepEqual(current.value, expected)) return false;
          return Number(this.#replaceIf.run(text, key, row.value).changes) > 0;
        }),
    );
    if (written) this.#wrote(key);
    return written;
  }

  /** Deletes the row; resolves to `true` when it existed. */
  async delete(key: string): Promise<boolean> {
    validateKey(key, this.name);
    if (this.readOnly) {
      if (this.#run(key, () => this.#select.get(key)) === undefined) {
        return false;
      }
    }
    this.#assertWritable(key, "deleted");
    const result = await retryWhileBusy(
      this.#busyTimeoutMs,
      () => this.#run(key, () => this.#remove.run(key)),
    );
    const removed = Number(result.changes) > 0;
    if (removed) this.#wrote(key);
    return removed;
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
    this.#assertWritable(undefined, "deleted");
    const result = await retryWhileBusy(
      this.#busyTimeoutMs,
      () => this.#run(undefined, () => this.#remove.run(String(key))),
    );
    const removed = Number(result.changes) > 0;
    if (removed) this.#wrote(String(key));
    return removed;
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

  /**
   * A number that changes whenever any connection, of this process or
   * another, may have committed to the database: the same number proves
   * that no row changed. It reads the WAL index's header (96 bytes, no
   * lock; see `_wal_index.ts`), or, for a database not in WAL mode, `PRAGMA
   * data_version`. `undefined` once closed.
   */
  stamp(): number | undefined {
    if (!this.#open) return undefined;
    if (this.#walIndex !== undefined) {
      if (this.#walIndex.changed()) this.#generation++;
    } else {
      const version = this.#dataVersion.get()?.data_version;
      if (version !== this.#lastDataVersion) {
        this.#lastDataVersion = version;
        this.#generation++;
      }
    }
    return this.#generation;
  }

  /**
   * Calls `listener` when the row of `key` changes: at once for this
   * source's own writes, and within `watchIntervalMs` for a commit by any
   * other connection (another `SqliteSource`, `harmony-config set`, the
   * Rust crate, the `sqlite3` shell). One timer serves every watched key:
   * each interval it checks whether anything was committed (one read of 96
   * bytes), and only then reports every watched key; `watch` reads them
   * and delivers those whose value changed. (Comparing rows here instead
   * could hide a change: a reader may have seen a state in between.)
   */
  onChange(key: string, listener: () => void): () => void {
    validateKey(key, this.name);
    const remove = this.#listeners.add(key, listener);
    if (this.#pollTimer === undefined && this.#open) {
      this.#polledGeneration = this.stamp() ?? -1;
      this.#pollTimer = setInterval(this.#poll, this.#watchIntervalMs);
    }
    return () => {
      remove();
      if (this.#listeners.size === 0) this.#stopPolling();
    };
  }

  /**
   * Read and write access to the database's directory (the file, its WAL
   * and its lock file); only read access when it was opened read-only.
   */
  permissions(): PermissionDescriptor[] {
    const dir = dirname(this.path);
    return this.readOnly
      ? [{ name: "read", path: dir }]
      : [{ name: "read", path: dir }, { name: "write", path: dir }];
  }

  /** Closes the database. Safe to call more than once. */
  close(): void {
    // The JS flag, not `DatabaseSync.isOpen`: that exists only from Node
    // 22.15, and without it the handle would never close on 22.13.
    if (!this.#open) return;
    this.#open = false;
    this.#stopPolling();
    this.#listeners.clear();
    try {
      this.#db.close();
    } finally {
      // Only now: closing it while the connection is open could drop the
      // connection's locks (see _wal_index.ts).
      this.#walIndex?.release();
    }
  }

  /** Closes the database at the end of a `using` block. */
  [Symbol.dispose](): void {
    this.close();
  }

  /** After this source wrote `key`: a new stamp, and its watchers told at once. */
  #wrote(key: string): void {
    this.#generation++;
    this.#listeners.notify(key);
  }

  readonly #poll = (): void => {
    const generation = this.stamp();
    if (generation === undefined || generation === this.#polledGeneration) {
      return;
    }
    this.#polledGeneration = generation;
    for (const key of this.#listeners.keys()) this.#listeners.notify(key);
  };

  #stopPolling(): void {
    if (this.#pollTimer === undefined) return;
    clearInterval(this.#pollTimer);
    this.#pollTimer = undefined;
  }

  #parse(text: string, key: string): unknown {
    // This is the hot path of every read: plain JSON.parse, then two quick
    // checks (a number a double may not hold exactly, a U+FFFD that may
    // stand for bytes that are not UTF-8). Anything else, and the locator
    // and the typed error, only when needed.
    try {
      const value: unknown = JSON.parse(text);
      if (!holdsUnsafeNumber(value) && !text.includes(REPLACEMENT_CHARACTER)) {
        return value;
      }
    } catch {
      // Not JSON, or JSON after a byte order mark: parseJsonText says which.
    }
    const checked = text.includes(REPLACEMENT_CHARACTER)
      ? this.#utf8Text(key) ?? text
      : text;
    return parseJsonText(
      checked,
      key,
      this.locate(key),
      `overwrite it with harmony-config set ${key}, or delete the row`,
    );
  }

  /**
   * The row's value decoded strictly from its bytes, or `undefined` when
   * the row is gone. `node:sqlite` decodes TEXT leniently, so bytes that
   * are not UTF-8 (another tool's Latin-1) arrive as U+FFFD, which is also
   * a character UTF-8 text may hold: only the bytes tell.
   *
   * @throws {ConfigValidationError} When the bytes are not UTF-8.
   */
  #utf8Text(key: string): string | undefined {
    this.#selectBytes ??= this.#db.prepare(
      "SELECT CAST(value AS BLOB) AS bytes FROM config WHERE key = ?",
    );
    const select = this.#selectBytes;
    const row = this.#run(key, () => select.get(key)) as
      | { bytes: Uint8Array }
      | undefined;
    if (row === undefined) return undefined;
    const text = strictUtf8Text(row.bytes);
    if (text !== undefined) return text;
    throw new ConfigValidationError(
      key,
      this.locate(key),
      [{ path: "", message: "Not valid UTF-8 text" }],
      `overwrite it with harmony-config set ${key}, or delete the row`,
    );
  }

  /**
   * Refuses a write to a read-only store, or to a database file that is no
   * longer at its path: one removed or replaced since it was opened (a
   * cleanup of the data dir, another tool's new file) would take the write
   * and lose it, as no other process can read it there.
   */
  #assertWritable(key: string | undefined, what: string): void {
    if (this.readOnly) throw readOnlyError(this.path, key, what);
    if (this.#identity === undefined) return;
    let now: string | undefined;
    try {
      now = fileIdentitySync(this.path);
    } catch {
      return; // Not ours to tell (a permission): SQLite's own error says it.
    }
    if (now !== this.#identity) {
      throw new ConfigSourceError(
        `${this.path} was ${
          now === undefined ? "removed" : "replaced by another file"
        } after this SqliteSource opened it, so nothing was ${what}${
          key === undefined ? "" : ` for key "${key}"`
        } (no other process could read it): open a new SqliteSource`,
        { source: this.name, ...(key === undefined ? {} : { key }) },
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
      const about = {
        source: this.name,
        ...(key === undefined ? {} : { key }),
        cause: error,
      };
      const forKey = key ? ` for key "${key}"` : "";
      if (isBusy(error)) {
        // Typed, with SQLite's error as the cause, which retryWhileBusy reads.
        throw new ConfigSourceError(
          `${this.name} stayed locked by another process past the busy timeout${forKey}: retry, or raise busyTimeoutMs in SqliteSource.open`,
          about,
        );
      }
      if (isReadOnly(error)) {
        throw readOnlyError(this.path, key, "written", error);
      }
      if (sqliteCode(error) === SQLITE_FULL) {
        throw new ConfigSourceError(
          `${this.name} failed${forKey}: ${
            diskProblem("ENOSPC", dirname(this.path))
          }`,
          about,
        );
      }
      if (sqliteCode(error) === SQLITE_CORRUPT || isNotADatabase(error)) {
        // Damaged after it was opened (a disk fault, another tool's write).
        throw new ConfigSourceError(
          `${this.name} failed${forKey}: ${this.path} is corrupt (${
            sqliteReason(error)
          }): restore it from a backup, or move it away and a new one is created`,
          about,
        );
      }
      throw typedFailure(
        error,
        this.path,
        key,
        () =>
          new ConfigSourceError(
            `${this.name} failed${forKey}: ${sqliteReason(error)}`,
            about,
          ),
      );
    }
  }
}

/**
 * Readies a connection: the busy timeout, a read that fails on a file that
 * is not a database, and, only where something must change (not yet WAL,
 * or no table), a health check first, then WAL and the table. A database
 * already set up is never written to here.
 */
function prepare(
  db: DatabaseSync,
  busyTimeoutMs: number,
  created: boolean,
): void {
  db.exec(`PRAGMA busy_timeout = ${busyTimeoutMs}`);
  db.prepare("SELECT count(*) FROM sqlite_master").get();
  const { journal_mode: mode } = db.prepare("PRAGMA journal_mode").get() as {
    journal_mode: string;
  };
  const hasTable = db.prepare(
    "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'config'",
  ).get() !== undefined;
  if (mode.toLowerCase() !== "wal" || !hasTable) {
    if (!created) assertHealthy(db);
    db.exec("PRAGMA journal_mode = WAL");
    db.exec(CREATE_TABLE);
  }
  db.exec("PRAGMA synchronous = FULL");
}

/** Marks a database that failed `quick_check`. */
class CorruptDatabase extends Error {}

function assertHealthy(db: DatabaseSync): void {
  const rows = db.prepare("PRAGMA quick_check(1)").all() as {
    quick_check: string;
  }[];
  if (rows.length !== 1 || rows[0]?.quick_check !== "ok") {
    throw new CorruptDatabase();
  }
}

/**
 * Opens a database this process may not write. With its `-wal` and `-shm`
 * files there (another process has it open), a plain read-only connection
 * shares them and sees every new commit. Without them none can be created,
 * and SQLite reads a WAL database only as a snapshot as of this open: on
 * Node through the `immutable` URI parameter; on Deno, whose `node:sqlite`
 * takes no URI under the permission model, by reading the file into an
 * in-memory copy.
 */
async function openReadOnly(
  sqlite: SqliteModule,
  file: string,
  busyTimeoutMs: number,
): Promise<DatabaseSync> {
  const attempts = [
    () => Promise.resolve(new sqlite.DatabaseSync(file, { readOnly: true })),
    deno === undefined
      ? async () => {
        const { pathToFileURL } = await import("node:url");
        return new sqlite.DatabaseSync(
          `${pathToFileURL(file).href}?immutable=1`,
          { readOnly: true },
        );
      }
      : () => snapshotInMemory(sqlite, file),
  ];
  let failure: unknown;
  for (const attempt of attempts) {
    let db: DatabaseSync | undefined;
    try {
      db = await attempt();
      db.exec(`PRAGMA busy_timeout = ${busyTimeoutMs}`);
      const hasTable = db.prepare(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'config'",
      ).get() !== undefined;
      if (!hasTable) {
        throw new ConfigSourceError(
          `${file} is read-only for this process and has no config table yet: open it once as a user who may write it, or set HARMONY_DATA_DIR to a writable directory`,
          { source: `sqlite:${file}` },
        );
      }
      return db;
    } catch (error) {
      db?.close();
      if (error instanceof ConfigError) throw error;
      failure = error;
      if (!isReadOnly(error) && sqliteCode(error) !== SQLITE_CANTOPEN) break;
    }
  }
  throw openFailure(failure, file);
}

/**
 * A read-only, in-memory copy of a WAL database that has no `-wal` file
 * (every commit is in the main file), marked as a rollback-journal
 * database in the copy only, since an in-memory database has no WAL.
 */
async function snapshotInMemory(
  sqlite: SqliteModule,
  file: string,
): Promise<DatabaseSync> {
  const fs = await nodeFs();
  try {
    await fs.stat(`${file}-wal`);
    // Commits may sit in the -wal file, which a copy of the main file misses.
    throw new ConfigSourceError(
      `${file} has a -wal file but no -shm file in a directory this process cannot write, so its latest commits cannot be read: open it once as a user who may write ${
        dirname(file)
      }`,
      { source: `sqlite:${file}` },
    );
  } catch (error) {
    if (errorCode(error) !== "ENOENT") throw error;
  }
  const image = new Uint8Array(await fs.readFile(file));
  // Bytes 18 and 19 are the file format's write and read versions: 2 is WAL.
  if (image[18] === 2) image[18] = 1;
  if (image[19] === 2) image[19] = 1;
  const db = new sqlite.DatabaseSync(":memory:");
  (db as unknown as { deserialize(image: Uint8Array): void }).deserialize(
    image,
  );
  db.exec("PRAGMA query_only = 1");
  return db;
}

/** The typed error for a database that could not be readied. */
function openFailure(error: unknown, file: string): ConfigError {
  const source = `sqlite:${file}`;
  if (isNotADatabase(error)) {
    return new ConfigSourceError(
      `${file} is not a SQLite database; it was left untouched: move it away, or pass another path to SqliteSource.open`,
      { source },
    );
  }
  if (
    error instanceof CorruptDatabase || sqliteCode(error) === SQLITE_CORRUPT
  ) {
    return new ConfigSourceError(
      `${file} is a corrupt SQLite database (it fails SQLite's quick_check); it was left untouched: restore it from a backup, or move it away and a new one is created`,
      { source },
    );
  }
  return typedFailure(error, file, undefined, () =>
    new ConfigSourceError(
      `Cannot initialise ${file}: ${
        sqliteCode(error) === SQLITE_FULL
          ? diskProblem("ENOSPC", dirname(file))
          : sqliteReason(error)
      }`,
      { source, cause: error },
    ));
}

/** The error for a write to a database this process may not write. */
function readOnlyError(
  path: string,
  key: string | undefined,
  what: string,
  cause?: unknown,
): ConfigSourceError {
  const dir = dirname(path);
  return new ConfigSourceError(
    `${
      key ? `Key "${key}" was not ${what}: ` : ""
    }${path} is read-only for this process (${dir} or the file is not writable by this user, or the volume is mounted read-only); reads work, writes do not: store the value in a data dir you can write (HARMONY_DATA_DIR), or ask the owner of ${dir}`,
    {
      source: `sqlite:${path}`,
      ...(key === undefined ? {} : { key }),
      ...(cause === undefined ? {} : { cause }),
    },
  );
}

/** Creates an empty file with mode 0600 unless one exists; SQLite adopts an empty file. Resolves `true` when it created it. */
async function createOwnerOnly(file: string): Promise<boolean> {
  try {
    const handle = await (await nodeFs()).open(file, "wx", FILE_MODE);
    await handle.close();
    return true;
  } catch (error) {
    if (errorCode(error) !== "EEXIST") throw error;
    return false;
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

function isReadOnly(error: unknown): boolean {
  // Deno's node:sqlite gives `exec()` errors no `errcode`: SQLite's own
  // message for SQLITE_READONLY tells them.
  return sqliteCode(error) === SQLITE_READONLY ||
    /attempt to write a readonly database/.test(
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
