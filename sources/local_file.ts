/**
 * A source that keeps one JSON file per key in a directory.
 *
 * @module
 */
import { join, resolve } from "node:path";
import {
  ConfigError,
  ConfigSourceError,
  ConfigValidationError,
} from "../errors.ts";
import { validateKey } from "../key.ts";
import type {
  ConfigSource,
  PermissionDescriptor,
  SourceEntry,
} from "../source.ts";
import {
  DEFAULT_MAX_VALUE_BYTES,
  formatSize,
} from "../_internal/bounded_read.ts";
import { deepEqual } from "../_internal/equal.ts";
import {
  diskProblem,
  ensureDir,
  errorCode,
  type FileKind,
  fileStampSync,
  kindOf,
  nodeFs,
  readTextCapped,
  removeTempFiles,
  writeFileAtomic,
} from "../_internal/fs.ts";
import {
  LockTimeout,
  removeStaleLock,
  withFileLock,
} from "../_internal/file_lock.ts";
import { parseJson, parseJsonText, toJsonText } from "../_internal/json.ts";
import { isValidKey } from "../_internal/key.ts";
import { permissionErrorOr } from "../_internal/permission_error.ts";
import type { DirectoryWatch } from "./_dir_watch.ts";

/** Quiet time after a file event before the file is read. */
const WATCH_DEBOUNCE_MS = 50;
/** How often a watched directory that does not exist yet is looked for. */
const MISSING_DIR_POLL_MS = 1000;

/**
 * Options for {@linkcode LocalFileSource}.
 *
 * @example Allow values larger than 16 MiB
 * ```ts
 * import { LocalFileSource, type LocalFileSourceOptions } from "@harmony/config";
 * import assert from "node:assert/strict";
 *
 * const options: LocalFileSourceOptions = { maxValueBytes: 64 * 1024 * 1024 };
 * const source = new LocalFileSource("/etc/myapp", options);
 * assert.equal(source.maxValueBytes, 64 * 1024 * 1024);
 * ```
 */
export interface LocalFileSourceOptions {
  /**
   * The largest file a key may have, in bytes; default 16 MiB. A larger
   * file is refused before it is read, and a larger value before it is
   * written.
   */
  readonly maxValueBytes?: number;
}

/**
 * Keeps each key in `<dir>/<KEY>.json`, pretty-printed. Writes are atomic
 * (temp file, then rename) and leave no temp file behind, even after a
 * writer was killed; files are 0600 and the directory is created 0700.
 * Every write of a key holds its lock, `.<KEY>.json.lock`, across the
 * rename, so a migration's write-back never overwrites a `set()` that
 * returned, in this process or another.
 * Keys are validated again here, so no key can escape the directory.
 *
 * Anything at a key's path that is not a regular file (a FIFO, a device, a
 * directory, a symlink to one) is a `ConfigSourceError` at once, and never
 * read; so is a file larger than `maxValueBytes`.
 *
 * Watching: the directory is watched (not the file, which an editor's save
 * replaces), events are debounced (a burst is reported once it is quiet),
 * and `watch` compares the contents it then reads with what it delivered:
 * an editor's atomic save and a plain in-place write are one change each,
 * and a save that changed nothing is none. A directory that does not exist yet is looked
 * for every second. `get`'s cache proves a file unchanged by its inode,
 * size and times; a file written in the last 2 s is read at every `get`.
 *
 * @example
 * ```ts
 * import { ConfigManager, defineConfig, LocalFileSource } from "@harmony/config";
 * import { z } from "zod";
 * import { mkdtemp, rm } from "node:fs/promises";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import assert from "node:assert/strict";
 *
 * const dir = await mkdtemp(join(tmpdir(), "harmony-"));
 * const Name = defineConfig({ key: "Name", schema: z.string() });
 * const manager = new ConfigManager([new LocalFileSource(dir)]);
 * await manager.set(Name, "harmony");
 * assert.equal(await manager.get(Name), "harmony");
 * await rm(dir, { recursive: true });
 * ```
 */
export class LocalFileSource implements ConfigSource {
  /** `file:<absolute dir>`. */
  readonly name: string;
  /** Files persist. */
  readonly persists: boolean = true;
  /** The absolute directory that holds the files. */
  readonly dir: string;
  /** The largest file a key may have, in bytes. */
  readonly maxValueBytes: number;
  /** Loaded and started on the first `onChange`: a program that only reads never loads it. */
  #watch: Promise<DirectoryWatch> | undefined;

  /**
   * @param dir The directory; created on first write.
   * @param options The size cap.
   */
  constructor(dir: string, options: LocalFileSourceOptions = {}) {
    this.dir = resolve(dir);
    this.name = `file:${this.dir}`;
    this.maxValueBytes = options.maxValueBytes ?? DEFAULT_MAX_VALUE_BYTES;
  }

  /** Returns the file path for `key`: `<dir>/<KEY>.json`. */
  locate(key: string): string {
    return join(this.dir, `${validateKey(key, this.name)}.json`);
  }

  /** `write the value as JSON to <dir>/<KEY>.json`, or `write '<example>' to …`. */
  hint(key: string, example?: string): string {
    return `write ${
      example === undefined ? "the value as JSON" : `'${example}'`
    } to ${this.locate(key)}`;
  }

  /** Reads and parses the key's file, or returns `undefined` when there is none. */
  async get(key: string): Promise<unknown> {
    return (await this.entry(key))?.value;
  }

  /** Like `get`, with the file path as the locator. */
  async entry(key: string): Promise<SourceEntry | undefined> {
    const path = this.locate(key);
    const text = await this.#read(path, key);
    if (text === undefined) return undefined;
    const value = parseJsonText(text, key, path, `fix or delete ${path}`);
    return { value, locator: path };
  }

  /** Writes the key's file atomically, mode 0600. */
  async set(key: string, value: unknown): Promise<void> {
    const path = this.locate(key);
    const text = this.#encode(value, key, path);
    try {
      await this.#refuseSpecialFile(path, key);
      await ensureDir(this.dir);
      await writeFileAtomic(path, text, { lock: withFileLock });
    } catch (error) {
      throw this.#failure(error, "write", path, key);
    }
    this.#wrote(key);
  }

  /**
   * Writes the key's file only if it still holds `expected`: its content is
   * compared once before the new file is written and again just before the
   * rename, holding the key's lock (`.<KEY>.json.lock`) across the compare
   * and the rename, as every `set` and `delete` holds it across theirs: a
   * value another process or call stored meanwhile is kept.
   */
  async compareAndSet(
    key: string,
    expected: unknown,
    value: unknown,
  ): Promise<boolean> {
    const path = this.locate(key);
    const text = this.#encode(value, key, path);
    const holdsExpected = async (): Promise<boolean> => {
      let current;
      try {
        current = await this.#read(path, key);
      } catch (error) {
        // Another writer left something unreadable: not what was read.
        if (error instanceof ConfigValidationError) return false;
        throw error;
      }
      if (current === undefined) return false;
      const parsed = parseJson(current);
      return parsed.ok && deepEqual(parsed.value, expected);
    };
    if (!(await holdsExpected())) return false;
    let written: boolean;
    try {
      written = await writeFileAtomic(path, text, {
        onlyIf: holdsExpected,
        lock: withFileLock,
      });
    } catch (error) {
      throw this.#failure(error, "write", path, key);
    }
    if (written) this.#wrote(key);
    return written;
  }

  /**
   * Deletes the key's file, holding its lock, and any temp file (or stale
   * lock) a killed write of it left.
   */
  async delete(key: string): Promise<boolean> {
    const path = this.locate(key);
    try {
      // No file, no lock: a missing key in a read-only directory is no error.
      const removed = await this.#refuseSpecialFile(path, key) &&
        await withFileLock(path, async () => {
          try {
            await (await nodeFs()).rm(path);
            return true;
          } catch (error) {
            if (errorCode(error) !== "ENOENT") throw error;
            return false;
          }
        });
      await removeTempFiles(path);
      if (removed) this.#wrote(key);
      else await removeStaleLock(path);
      return removed;
    } catch (error) {
      throw this.#failure(error, "write", path, key);
    }
  }

  /** Lists the keys that have a file. */
  async keys(): Promise<string[]> {
    let names: string[];
    try {
      names = await (await nodeFs()).readdir(this.dir);
    } catch (error) {
      if (errorCode(error) === "ENOENT") return [];
      throw this.#failure(error, "read", this.dir);
    }
    return names
      .filter((name) => name.endsWith(".json"))
      .map((name) => name.slice(0, -".json".length))
      .filter(isValidKey)
      .sort();
  }

  /**
   * The file's device, inode, size and times, or `"absent"`: the same stamp
   * proves the same content. `undefined` (read it) for a file written in
   * the last 2 s, since file times can be that coarse.
   */
  stamp(key: string): string | undefined {
    return fileStampSync(this.locate(key));
  }

  /**
   * Calls `listener` when the content of `<dir>/<KEY>.json` changes, by
   * any process: the directory is watched, events are debounced (50 ms),
   * and `watch` compares what it then reads. This source's own writes are
   * reported at once. A directory that cannot be watched (a denied
   * permission) is reported once, so the watcher's read says why.
   */
  onChange(key: string, listener: () => void): () => Promise<void> {
    validateKey(key, this.name);
    this.#watch ??= import("./_dir_watch.ts").then(({ DirectoryWatch }) =>
      new DirectoryWatch({
        dir: this.dir,
        read: async (watched) =>
          (await this.#read(this.locate(watched), watched)) ?? null,
        debounceMs: WATCH_DEBOUNCE_MS,
        pollMs: MISSING_DIR_POLL_MS,
      })
    );
    const added = this.#watch.then((watch) => watch.add(key, listener)).catch(
      () => {
        listener();
        return undefined;
      },
    );
    return async () => {
      await (await added)?.();
    };
  }

  /** Stops watching. */
  async close(): Promise<void> {
    const watch = this.#watch;
    this.#watch = undefined;
    await (await watch)?.close();
  }

  #wrote(key: string): void {
    void this.#watch?.then((watch) => watch.wrote(key));
  }

  /** Read and write access to the directory. */
  permissions(): PermissionDescriptor[] {
    return [
      { name: "read", path: this.dir },
      { name: "write", path: this.dir },
    ];
  }

  /** The key's file as text, or `undefined` when there is none. */
  async #read(path: string, key: string): Promise<string | undefined> {
    let read;
    try {
      read = await readTextCapped(path, this.maxValueBytes);
    } catch (error) {
      throw this.#failure(error, "read", path, key);
    }
    switch (read.kind) {
      case "missing":
        return undefined;
      case "not a file":
        throw this.#notAFile(path, key, read.what);
      case "too large":
        throw this.#tooLarge(path, key);
      case "not UTF-8":
        // As an env var that is not UTF-8: an error, never a miss.
        throw new ConfigValidationError(
          key,
          path,
          [{ path: "", message: "Not valid UTF-8 text" }],
          `save ${path} as UTF-8, or delete it`,
        );
      case "text":
        return read.text;
    }
  }

  #encode(value: unknown, key: string, path: string): string {
    const text = toJsonText(value, key, path, 2) + "\n";
    // UTF-8 takes at most 3 bytes per UTF-16 unit, so only a long text
    // needs the exact count.
    if (
      text.length * 3 > this.maxValueBytes &&
      new TextEncoder().encode(text).byteLength > this.maxValueBytes
    ) {
      throw this.#tooLarge(path, key);
    }
    return text;
  }

  /**
   * Refuses to replace or remove anything at `path` but a regular file.
   *
   * @returns Whether a file is there.
   */
  async #refuseSpecialFile(path: string, key: string): Promise<boolean> {
    let stats;
    try {
      stats = await (await nodeFs()).stat(path);
    } catch (error) {
      if (errorCode(error) === "ENOENT") return false;
      throw error;
    }
    if (!stats.isFile()) throw this.#notAFile(path, key, kindOf(stats));
    return true;
  }

  #notAFile(path: string, key: string, what: FileKind): ConfigSourceError {
    return new ConfigSourceError(
      `${path} is a ${what}, not a regular file, so key "${key}" was not read or written there and it was left alone: remove it, or point ${this.name} at another directory`,
      { key, source: this.name },
    );
  }

  #tooLarge(path: string, key: string): ConfigSourceError {
    return new ConfigSourceError(
      `${path} for key "${key}" is larger than the ${
        formatSize(this.maxValueBytes)
      } cap, so it was not read or written: store a smaller value, or raise maxValueBytes in new LocalFileSource(dir, { maxValueBytes })`,
      { key, source: this.name },
    );
  }

  #failure(
    error: unknown,
    access: "read" | "write",
    path: string,
    key?: string,
  ): unknown {
    if (error instanceof ConfigError) return error;
    if (error instanceof LockTimeout) {
      return new ConfigSourceError(
        `Cannot write ${path}${
          key ? ` for key "${key}"` : ""
        }: its lock ${error.path} stayed taken${
          error.holder === undefined ? "" : ` by process ${error.holder}`
        } while other writes kept taking it: retry; if no other process writes there, remove the lock file`,
        { ...(key === undefined ? {} : { key }), source: this.name },
      );
    }
    const mapped = permissionErrorOr(
      error,
      this.name,
      `${access} access to ${path}`,
      { name: access, path: this.dir },
      key,
    );
    if (mapped !== error) return mapped;
    const code = errorCode(error) ?? "unknown error";
    const about = key ? ` for key "${key}"` : "";
    const disk = diskProblem(errorCode(error), this.dir);
    return new ConfigSourceError(
      disk === undefined
        ? `Cannot ${access} ${path} (${code})${about}: check that the directory exists and is ${
          access === "read" ? "readable" : "writable"
        } by this user`
        : `Cannot ${access} ${path}${about}: ${disk}`,
      {
        ...(key === undefined ? {} : { key }),
        source: this.name,
        cause: error,
      },
    );
  }
}
