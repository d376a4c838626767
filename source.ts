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
  /**
   * Set when the value came from a source's in-memory cache rather than a
   * read (`StoreSource` with `cache`): how old it is, and, for a stale value
   * answered because the store is unavailable, why.
   */
  readonly cached?: SourceCacheInfo;
}

/**
 * How a value answered from a source's in-memory cache, as
 * {@linkcode SourceEntry.cached} and `explain()` show it.
 *
 * @example Tell a fresh cached answer from a stale one
 * ```ts
 * import type { SourceCacheInfo } from "@harmony/config";
 * import assert from "node:assert/strict";
 *
 * function describe(cache: SourceCacheInfo): string {
 *   const age = `${(cache.ageMs / 1000).toFixed(1)} s old`;
 *   return cache.state === "stale" ? `stale, ${age} (${cache.reason})` : `cached, ${age}`;
 * }
 * assert.equal(describe({ state: "fresh", ageMs: 1200 }), "cached, 1.2 s old");
 * assert.equal(
 *   describe({ state: "stale", ageMs: 45_000, reason: "connection refused" }),
 *   "stale, 45.0 s old (connection refused)",
 * );
 * ```
 */
export interface SourceCacheInfo {
  /**
   * `fresh`: read from the store within the cache's `ttlMs`; `stale`: older,
   * answered because the store is unavailable (within `maxStaleMs`).
   */
  readonly state: "fresh" | "stale";
  /** Milliseconds since the value was read from the store. */
  readonly ageMs: number;
  /** For a stale value: why the store could not be asked. */
  readonly reason?: string;
}

/**
 * A field of a definition with `layering: "fields"`, as a source is asked
 * for it by {@linkcode ConfigSource.readFields}.
 *
 * @example The fields of a nested schema
 * ```ts
 * import { EnvSource, type FieldSpec } from "@harmony/config";
 * import assert from "node:assert/strict";
 *
 * const fields: FieldSpec[] = [
 *   { path: ["db"], text: false }, // an object: JSON
 *   { path: ["db", "host"], text: true }, // a string: the text as it is
 *   { path: ["db", "port"], text: false }, // a number: JSON
 * ];
 * const env = new EnvSource({ env: { HARMONY_CONFIG_App__db__host: "replica" } });
 * assert.deepEqual(env.readFields("App", fields), [
 *   { path: ["db", "host"], value: "replica", locator: "HARMONY_CONFIG_App__db__host" },
 * ]);
 * ```
 */
export interface FieldSpec {
  /** The field's path from the root value, such as `["db", "host"]`; names are kept exactly. */
  readonly path: readonly string[];
  /**
   * Whether the field holds a string (its schema is a string, a string
   * enum or a string literal, on the input side of any transform), so a
   * source of text may take text as it is rather than as JSON.
   */
  readonly text: boolean;
}

/**
 * A value a source holds for one field, from {@linkcode ConfigSource.readFields}.
 *
 * @example Read what one source says about single fields
 * ```ts
 * import { EnvSource, type FieldEntry } from "@harmony/config";
 * import assert from "node:assert/strict";
 *
 * const env = new EnvSource({ env: { HARMONY_CONFIG_Db__port: "6543" } });
 * const entries: readonly FieldEntry[] = env.readFields("Db", [{ path: ["port"], text: false }]);
 * assert.equal(entries[0]?.value, 6543);
 * ```
 */
export interface FieldEntry {
  /** The field's path, one of the paths the source was asked for. */
  readonly path: readonly string[];
  /** The raw JSON value of the field. */
  readonly value: unknown;
  /** Where the value lives, such as `HARMONY_CONFIG_Db__port`. */
  readonly locator: string;
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
 *
 * @example A source that can be watched, and whose reads the manager may cache
 * ```ts
 * import { ConfigManager, type ConfigSource, defineConfig } from "@harmony/config";
 * import { z } from "zod";
 * import assert from "node:assert/strict";
 *
 * class CounterSource implements ConfigSource {
 *   readonly name = "counter";
 *   readonly persists = true;
 *   readonly #values = new Map<string, string>();
 *   readonly #listeners = new Set<{ key: string; listener: () => void }>();
 *   #version = 0; // bumped on every write: equal stamps prove nothing changed
 *   reads = 0;
 *   get(key: string): Promise<unknown> {
 *     this.reads++;
 *     const text = this.#values.get(key);
 *     return Promise.resolve(text === undefined ? undefined : JSON.parse(text));
 *   }
 *   set(key: string, value: unknown): Promise<void> {
 *     this.#values.set(key, JSON.stringify(value));
 *     this.#changed(key);
 *     return Promise.resolve();
 *   }
 *   delete(key: string): Promise<boolean> {
 *     const had = this.#values.delete(key);
 *     this.#changed(key);
 *     return Promise.resolve(had);
 *   }
 *   keys(): Promise<string[]> {
 *     return Promise.resolve([...this.#values.keys()]);
 *   }
 *   stamp(): number {
 *     return this.#version;
 *   }
 *   onChange(key: string, listener: () => void): () => void {
 *     const entry = { key, listener };
 *     this.#listeners.add(entry);
 *     return () => this.#listeners.delete(entry);
 *   }
 *   #changed(key: string): void {
 *     this.#version++;
 *     for (const entry of this.#listeners) if (entry.key === key) entry.listener();
 *   }
 * }
 *
 * const Port = defineConfig({ key: "Port", schema: z.number() });
 * const source = new CounterSource();
 * await using manager = new ConfigManager([source]);
 * await manager.set(Port, 8080);
 * assert.equal(await manager.get(Port), 8080);
 * assert.equal(await manager.get(Port), 8080);
 * assert.equal(source.reads, 1); // the second get proved nothing changed
 *
 * const seen: unknown[] = [];
 * for await (const event of manager.watch(Port)) {
 *   seen.push(event.kind === "value" ? event.value : event.kind);
 *   if (seen.length === 1) await source.set("Port", 9090);
 *   else break; // ending the loop stops the watch
 * }
 * assert.deepEqual(seen, [8080, 9090]);
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
  /**
   * For a definition with `layering: "fields"`: the values this source
   * holds for single fields of `key`, beyond its whole value from `get`,
   * such as `EnvSource`'s `HARMONY_CONFIG_<KEY>__<field>` variables. Most
   * sources store one value per key and need no such method.
   *
   * `fields` lists every field the schema declares, each object before the
   * fields inside it; return an entry only for those the source holds, in
   * any order. Within the source, an entry replaces the same path of the
   * whole value and of any entry for an object around it (the more
   * specific one wins). Return an array when the answer needs no waiting
   * (`get` then needs no promise), else a promise; throw as `get` does
   * (`SourceUnavailableError` to fall through, a typed `ConfigError` for a
   * value that cannot be read, never quoting it).
   */
  readFields?(
    key: string,
    fields: readonly FieldSpec[],
  ): readonly FieldEntry[] | Promise<readonly FieldEntry[]>;
  /**
   * Where the field at `path` of `key` would live in this source, such as
   * `HARMONY_CONFIG_Db__host`: shown by `explain()`, in the advice of an
   * error about a missing field, and by `harmony-config docs`. Sources
   * with {@linkcode ConfigSource.readFields} offer it.
   */
  locateField?(key: string, path: readonly string[]): string;
  /**
   * A cheap, synchronous token of what the source holds for `key` right
   * now, for `ConfigManager.get`'s cache: two stamps from one source that
   * are the same (`Object.is`) must prove that a read of `key` would return
   * the same value, including for a change another process committed.
   * Return `undefined` when nothing can be proved; the manager then reads.
   * A thrown error also means "read". A source with `readFields` covers
   * the fields it holds for `key` too (as `EnvSource` covers its per-field
   * variables), since a fields-mode answer is cached on the same stamp.
   * Examples: the env var's text, a
   * file's identity, size and change time, a counter a source bumps on
   * every write.
   *
   * `get` takes the stamps of the sources it asks before reading them, and
   * answers from its last validated snapshot only while every one of them
   * is unchanged; without `stamp` a source is read at every `get`.
   */
  stamp?(key: string): unknown;
  /**
   * Calls `listener` after the value of `key` may have changed, by this
   * process or another, for `ConfigManager.watch`. A call may be spurious
   * (the manager reads again and compares), but no change may go
   * unreported; a change this source makes itself should be reported at
   * once. How the source notices is its own business: polling, a file
   * watcher, a server push. A source that can be unavailable reports its
   * return too, even from an outage that only a read saw: the chain fell
   * through meanwhile, and answers from it again only once told.
   *
   * Returns a function that stops: it releases every timer, watcher and
   * request the subscription started, and may return a promise that
   * settles once they have ended. A source without `onChange` is read
   * again only when another source of the chain reports a change.
   */
  onChange?(key: string, listener: () => void): () => void | Promise<void>;
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
