/**
 * The interface every configuration source implements, and the shapes it
 * speaks in.
 *
 * @module
 */

/**
 * A value read from a source, with what the source knows about it.
 *
 * @example Read a value with where it lives
 * ```ts
 * import { EnvSource, type SourceEntry } from "@harmony/config";
 * import assert from "node:assert/strict";
 *
 * const env = new EnvSource({ env: { HARMONY_CONFIG_Port: "8080" } });
 * const entry: SourceEntry | undefined = await env.entry("Port");
 * assert.deepEqual(entry, { value: 8080, locator: "HARMONY_CONFIG_Port" });
 * assert.equal(await env.entry("Host"), undefined);
 * ```
 */
export interface SourceEntry {
  /** The raw JSON value. */
  readonly value: unknown;
  /** Where the value lives: an env var name, a file path, a DB path, a store path. */
  readonly locator: string;
  /** When the value was last written, where the source records it. */
  readonly updatedAt?: string;
  /** The stored version, where the source keeps versions (OpenBao KV v2). */
  readonly version?: number;
}

/**
 * A place configuration values come from. `ConfigManager` asks its sources
 * in order; the first that has the key answers.
 *
 * Third parties implement the required members; the optional ones improve
 * `explain()`, the CLI's `doctor`, and cleanup.
 *
 * @example A read-only source over a fixed object
 * ```ts
 * import type { ConfigSource } from "@harmony/config";
 *
 * class FixedSource implements ConfigSource {
 *   readonly name = "fixed";
 *   readonly persists = false;
 *   constructor(private readonly values: Record<string, unknown>) {}
 *   get(key: string): Promise<unknown> {
 *     return Promise.resolve(this.values[key]);
 *   }
 *   set(): Promise<void> {
 *     return Promise.reject(new Error("fixed source is read-only"));
 *   }
 *   delete(): Promise<boolean> {
 *     return Promise.resolve(false);
 *   }
 *   keys(): Promise<string[]> {
 *     return Promise.resolve(Object.keys(this.values));
 *   }
 * }
 * ```
 *
 * @example A source whose migrated values are written back (compare-and-set)
 * ```ts
 * import { ConfigManager, type ConfigSource, defineConfig } from "@harmony/config";
 * import { isDeepStrictEqual } from "node:util";
 * import { z } from "zod";
 * import assert from "node:assert/strict";
 *
 * class MapSource implements ConfigSource {
 *   readonly name = "map";
 *   readonly persists = true;
 *   readonly values = new Map<string, string>(); // JSON text, as a real store keeps it
 *   get(key: string): Promise<unknown> {
 *     const text = this.values.get(key);
 *     return Promise.resolve(text === undefined ? undefined : JSON.parse(text));
 *   }
 *   set(key: string, value: unknown): Promise<void> {
 *     this.values.set(key, JSON.stringify(value));
 *     return Promise.resolve();
 *   }
 *   // Compare and write with nothing in between: here one synchronous step;
 *   // a database would use UPDATE … WHERE key = ? AND value = ?.
 *   compareAndSet(key: string, expected: unknown, value: unknown): Promise<boolean> {
 *     const text = this.values.get(key);
 *     if (text === undefined || !isDeepStrictEqual(JSON.parse(text), expected)) {
 *       return Promise.resolve(false);
 *     }
 *     this.values.set(key, JSON.stringify(value));
 *     return Promise.resolve(true);
 *   }
 *   delete(key: string): Promise<boolean> {
 *     return Promise.resolve(this.values.delete(key));
 *   }
 *   keys(): Promise<string[]> {
 *     return Promise.resolve([...this.values.keys()]);
 *   }
 * }
 *
 * const Port = defineConfig({ key: "Port", schema: z.number(), migrate: (old) => Number(old) });
 * const source = new MapSource();
 * await source.set("Port", "8080"); // an older version stored a string
 * const manager = new ConfigManager([source]);
 * assert.equal(await manager.get(Port), 8080);
 * assert.equal(source.values.get("Port"), "8080"); // was '"8080"', a string: written back as a number
 * ```
 */
export interface ConfigSource {
  /** A locator a person can read, such as `env`, `file:/abs/dir` or `sqlite:/abs/config.db`. */
  readonly name: string;
  /** Whether `set` stores values durably; `getOrPrompt` and `set` write to the first source that does. */
  readonly persists: boolean;
  /** Returns the raw JSON value for `key`, or `undefined` when the source has none. */
  get(key: string): Promise<unknown>;
  /** Stores a JSON value under `key`. */
  set(key: string, value: unknown): Promise<void>;
  /** Removes `key`; resolves to `true` when it was there. */
  delete(key: string): Promise<boolean>;
  /** Lists the keys the source holds. */
  keys(): Promise<string[]>;
  /**
   * Stores `value` under `key` only if the key still holds `expected`, the
   * value this source returned when it was read (compared as JSON data,
   * not as text), in one atomic step where the source can. Resolves `true`
   * when it wrote, and `false`, writing nothing, when the key holds
   * something else or nothing.
   *
   * A migration's write-back uses it, so a value that another process
   * stored while `migrate()` ran is never overwritten by an upgrade of the
   * older one. A source without it gets no write-back: the migrated value
   * is returned, `explain()` says it was not written back, and the next
   * read migrates again.
   */
  compareAndSet?(
    key: string,
    expected: unknown,
    value: unknown,
  ): Promise<boolean>;
  /**
   * `get` without a promise, for sources whose reads never wait on a
   * network (env, SQLite through `node:sqlite`, memory). `ConfigManager.get`
   * uses it to walk such sources without a promise hop for each; it must
   * return exactly what `get` resolves to, and throw what `get` rejects with.
   */
  getSync?(key: string): unknown;
  /** Like `get`, with where the value lives and when it was written. */
  entry?(key: string): Promise<SourceEntry | undefined>;
  /** Where `key` would live in this source, such as `HARMONY_CONFIG_Db` or `/dir/Db.json`. */
  locate?(key: string): string;
  /**
   * How a person gives `key` a value in this source, in its own terms, for
   * error messages: `set HARMONY_CONFIG_Db`, or with `example` (a JSON
   * skeleton such as `{"host":"<string>"}`) `set HARMONY_CONFIG_Db='…'`.
   * A "no value" error joins the hints of its chain. Never include a value
   * the source holds.
   */
  hint?(key: string, example?: string): string;
  /** The Deno permissions this source needs. */
  permissions?(): PermissionDescriptor[];
  /** Releases handles; called by `ConfigManager.close()`. */
  close?(): void | Promise<void>;
}

/**
 * A permission a source needs, shaped like Deno's permission descriptors.
 * An env `variable` ending in `*` is a prefix.
 *
 * @example Collect the flags a chain needs
 * ```ts
 * import { ConfigManager, EnvSource, LocalFileSource, type PermissionDescriptor, permissionFlags } from "@harmony/config";
 * import assert from "node:assert/strict";
 *
 * const manager = new ConfigManager([new EnvSource(), new LocalFileSource("/etc/myapp")]);
 * const needs: PermissionDescriptor[] = manager.sources.flatMap((source) => source.permissions?.() ?? []);
 * assert.deepEqual(permissionFlags(needs), [
 *   "--allow-env=HARMONY_CONFIG_*",
 *   "--allow-read=/etc/myapp",
 *   "--allow-write=/etc/myapp",
 * ]);
 * ```
 */
export type PermissionDescriptor =
  | { readonly name: "env"; readonly variable: string }
  | { readonly name: "read"; readonly path: string }
  | { readonly name: "write"; readonly path: string }
  | { readonly name: "net"; readonly host: string };
