/**
 * A source that keeps one JSON file per key in a directory.
 *
 * @module
 */
import { join, resolve } from "node:path";
import { ConfigSourceError } from "../errors.ts";
import { validateKey } from "../key.ts";
import type {
  ConfigSource,
  PermissionDescriptor,
  SourceEntry,
} from "../source.ts";
import {
  ensureDir,
  errorCode,
  nodeFs,
  writeFileAtomic,
} from "../_internal/fs.ts";
import { parseJsonText, toJsonText } from "../_internal/json.ts";
import { isValidKey } from "../_internal/key.ts";
import { permissionErrorOr } from "../_internal/permission_error.ts";

/**
 * Keeps each key in `<dir>/<KEY>.json`, pretty-printed. Writes are atomic
 * (temp file, then rename); files are 0600 and the directory is created
 * 0700. Keys are validated again here, so no key can escape the directory.
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

  /** @param dir The directory; created on first write. */
  constructor(dir: string) {
    this.dir = resolve(dir);
    this.name = `file:${this.dir}`;
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
    let text: string;
    try {
      text = await (await nodeFs()).readFile(path, "utf8");
    } catch (error) {
      if (errorCode(error) === "ENOENT") return undefined;
      throw this.#failure(error, "read", path, key);
    }
    const value = parseJsonText(
      text,
      key,
      path,
      `fix or delete ${path}`,
    );
    return { value, locator: path };
  }

  /** Writes the key's file atomically, mode 0600. */
  async set(key: string, value: unknown): Promise<void> {
    const path = this.locate(key);
    const text = toJsonText(value, key, path, 2) + "\n";
    try {
      await ensureDir(this.dir);
      await writeFileAtomic(path, text);
    } catch (error) {
      throw this.#failure(error, "write", path, key);
    }
  }

  /** Deletes the key's file. */
  async delete(key: string): Promise<boolean> {
    const path = this.locate(key);
    try {
      await (await nodeFs()).rm(path);
      return true;
    } catch (error) {
      if (errorCode(error) === "ENOENT") return false;
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

  /** Read and write access to the directory. */
  permissions(): PermissionDescriptor[] {
    return [
      { name: "read", path: this.dir },
      { name: "write", path: this.dir },
    ];
  }

  #failure(
    error: unknown,
    access: "read" | "write",
    path: string,
    key?: string,
  ): unknown {
    const mapped = permissionErrorOr(
      error,
      this.name,
      `${access} access to ${path}`,
      { name: access, path: this.dir },
      key,
    );
    if (mapped !== error) return mapped;
    const code = errorCode(error) ?? "unknown error";
    return new ConfigSourceError(
      `Cannot ${access} ${path} (${code})${
        key ? ` for key "${key}"` : ""
      }: check that the directory exists and is ${
        access === "read" ? "readable" : "writable"
      } by this user`,
      {
        ...(key === undefined ? {} : { key }),
        source: this.name,
        cause: error,
      },
    );
  }
}
