/**
 * A configuration source over any {@linkcode SecretStore}, such as OpenBao.
 *
 * @module
 */
import { ConfigSourceError, SourceUnavailableError } from "../errors.ts";
import { validateKey } from "../key.ts";
import type {
  ConfigSource,
  PermissionDescriptor,
  SourceEntry,
} from "../source.ts";
import type { SecretEntry, SecretStore } from "../stores/secret_store.ts";
import { parseJsonText, toJsonText } from "../_internal/json.ts";
import { ChangeListeners } from "../_internal/listeners.ts";
import { typedSourceError } from "../_internal/safe_error.ts";
import { ageLimit } from "../_internal/options.ts";
import type { CacheAnswer, StoreCache } from "./_store_cache.ts";

/**
 * Options for {@linkcode StoreSource}.
 *
 * @example A shared, read-only store in front of local storage
 * ```ts
 * import { ConfigManager, defineConfig, MemorySource, type SecretStore, StoreSource, type StoreSourceOptions } from "@harmony/config";
 * import { z } from "zod";
 * import assert from "node:assert/strict";
 *
 * const team = new Map([["Region", '"eu-west"']]);
 * const store: SecretStore = {
 *   name: "team-store",
 *   get: (key) => Promise.resolve(team.get(key)),
 *   set: () => Promise.reject(new Error("read-only")),
 *   delete: () => Promise.resolve(false),
 *   keys: () => Promise.resolve([...team.keys()]),
 * };
 * const options: StoreSourceOptions = { name: "team", persists: false, onUnavailable: "fallthrough" };
 * const manager = new ConfigManager([new StoreSource(store, options), new MemorySource()]);
 *
 * const Region = defineConfig({ key: "Region", schema: z.string() });
 * assert.equal((await manager.explain(Region)).answeredBy, "team");
 * await manager.set(Region, "us-east"); // written to memory: the team store does not persist here
 * assert.equal(team.get("Region"), '"eu-west"');
 * ```
 */
export interface StoreSourceOptions {
  /** The source's name in `explain()`; default the store's name. */
  name?: string;
  /** Whether `set` and `getOrPrompt` may write here. Default true. */
  persists?: boolean;
  /**
   * What an unreachable store (refused, timed out, sealed, 5xx) does on
   * reads: `"fallthrough"` (default) records it as unavailable in
   * `explain()` and lets the next source answer; `"error"` fails the read.
   * A policy denial or a failed login always fails.
   */
  onUnavailable?: "fallthrough" | "error";
  /**
   * An in-memory cache of what the store answered: see
   * {@linkcode StoreCacheOptions}. Default none: every read asks the store.
   */
  cache?: StoreCacheOptions;
  /** The clock for the cache, in ms. Default `Date.now`. */
  now?: () => number;
}

/**
 * The opt-in in-memory cache of {@linkcode StoreSource}: a team store that
 * costs nothing on a hot path and rides out an outage.
 *
 * - A value (or an absence) read within `ttlMs` answers without a request;
 *   after that, the next read asks the store again.
 * - When the store is unavailable, a value read within `maxStaleMs`
 *   answers instead of falling through to the next source, marked stale
 *   with its age in `explain()`. While the outage lasts such answers cost
 *   no request and no timeout; the store is asked again in the background,
 *   once a second, one request at a time.
 * - Nothing from the store is written to disk: the cache is this process's
 *   memory, dropped at `close()`.
 *
 * @example A team store that answers from memory for 30 s, and for 10 min through an outage
 * ```ts
 * import { ConfigManager, defineConfig, type SecretStore, type StoreCacheOptions, StoreSource } from "@harmony/config";
 * import { z } from "zod";
 * import assert from "node:assert/strict";
 *
 * let requests = 0;
 * const store: SecretStore = {
 *   name: "team",
 *   get: () => Promise.resolve(String(++requests)),
 *   set: () => Promise.resolve(),
 *   delete: () => Promise.resolve(false),
 *   keys: () => Promise.resolve([]),
 * };
 * const cache: StoreCacheOptions = { ttlMs: 30_000, maxStaleMs: 600_000 };
 * const Counter = defineConfig({ key: "Counter", schema: z.number() });
 * await using manager = new ConfigManager([new StoreSource(store, { cache })]);
 * assert.equal(await manager.get(Counter), 1);
 * assert.equal(await manager.get(Counter), 1); // within the TTL: no request
 * assert.equal(requests, 1);
 * ```
 */
export interface StoreCacheOptions {
  /**
   * How long a value read from the store answers without a request, in
   * ms: at least 0 (`Infinity`: until a write or a watcher sees a change);
   * NaN or a negative number is refused.
   */
  readonly ttlMs: number;
  /**
   * How old a value may be, in ms, to answer while the store is
   * unavailable, instead of falling through. Default 0: none. At least 0,
   * as `ttlMs`.
   */
  readonly maxStaleMs?: number;
}

/**
 * Adapts a {@linkcode SecretStore} into a `ConfigSource`: values go in as
 * JSON text and come out parsed.
 *
 * When the store cannot be reached, reads throw `SourceUnavailableError`,
 * which `ConfigManager` treats as a miss that it reports in `explain()`, so
 * "OpenBao is down" never looks like "key absent". Writes to an unreachable
 * store always fail.
 *
 * A `SecretStore` has no compare-and-set, so a value a definition's
 * `migrate()` upgrades is returned but not written back here (a write could
 * overwrite a newer value another process stored); the next read migrates
 * again, and `explain()` says so.
 *
 * With `cache`, reads within its TTL cost no request, and a store that is
 * down answers with what it said last (see {@linkcode StoreCacheOptions}).
 * Watching: this source's own writes are reported at once, and the store's
 * changes through the store's `onChange` (OpenBao polls each watched key's
 * version).
 *
 * @example Put a store in a chain
 * ```ts
 * import { ConfigManager, defineConfig, type SecretStore, StoreSource } from "@harmony/config";
 * import { z } from "zod";
 * import assert from "node:assert/strict";
 *
 * const values = new Map<string, string>([["Port", "8080"]]);
 * const store: SecretStore = {
 *   name: "map",
 *   get: (key) => Promise.resolve(values.get(key)),
 *   set: (key, value) => Promise.resolve(void values.set(key, value)),
 *   delete: (key) => Promise.resolve(values.delete(key)),
 *   keys: () => Promise.resolve([...values.keys()]),
 * };
 * const Port = defineConfig({ key: "Port", schema: z.number() });
 * const manager = new ConfigManager([new StoreSource(store)]);
 * assert.equal(await manager.get(Port), 8080);
 * ```
 */
export class StoreSource implements ConfigSource {
  /** The name shown in `explain()`. */
  readonly name: string;
  /** Whether writes go here. */
  readonly persists: boolean;
  /** The store. */
  readonly store: SecretStore;
  /** The cache's settings (`maxStaleMs` filled in), or `undefined` without a cache. */
  readonly cache: StoreCacheOptions | undefined;
  readonly #onUnavailable: "fallthrough" | "error";
  /** The cache, once its module is loaded (at the first read): a chain without one never loads it. */
  #cache: StoreCache | undefined;
  #loadingCache: Promise<StoreCache> | undefined;
  readonly #now: () => number;
  readonly #listeners = new ChangeListeners();

  /**
   * @param store The store to read and write.
   * @param options The name, whether it persists, what an unreachable store
   * does, and the in-memory cache.
   */
  constructor(store: SecretStore, options: StoreSourceOptions = {}) {
    this.store = store;
    this.name = options.name ?? store.name;
    this.persists = options.persists ?? true;
    this.#onUnavailable = options.onUnavailable ?? "fallthrough";
    if (options.cache !== undefined) {
      const ttlMs = ageLimit(options.cache.ttlMs, "cache.ttlMs", this.name);
      const maxStaleMs = ageLimit(
        options.cache.maxStaleMs ?? 0,
        "cache.maxStaleMs",
        this.name,
      );
      this.cache = { ttlMs, maxStaleMs };
    }
    this.#now = options.now ?? Date.now;
  }

  /** Where `key` lives in the store. */
  locate(key: string): string {
    validateKey(key, this.name);
    return this.store.locate?.(key) ?? `${this.name}/${key}`;
  }

  /** Returns the parsed value, or `undefined` when the store has none. */
  async get(key: string): Promise<unknown> {
    return (await this.entry(key))?.value;
  }

  /**
   * Like `get`, with the store's locator, version and write time, and, for
   * an answer from the cache, its age (`cached`).
   */
  async entry(key: string): Promise<SourceEntry | undefined> {
    validateKey(key, this.name);
    const cache = this.#cache ?? await this.#loadCache();
    const { entry: found, cached } = await this.#read(
      key,
      () =>
        cache === undefined
          ? this.#fetch(key).then((entry) => ({ entry }))
          : cache.read(key, () => this.#fetch(key)),
    );
    if (found === undefined) return undefined;
    if (typeof found.value !== "string") {
      // A store written in JavaScript may answer null for an absent key,
      // or an object it has already parsed: neither is JSON text.
      throw new ConfigSourceError(
        `${this.name} answered ${
          found.value === null
            ? "null"
            : typeof found.value === "object"
            ? "an object"
            : `a ${typeof found.value}`
        } for key "${key}" instead of JSON text: its get() and entry() must resolve to a string, or to undefined when the key is absent`,
        { key, source: this.name },
      );
    }
    return {
      value: parseJsonText(
        found.value,
        key,
        found.locator,
        `overwrite it with valid JSON at ${found.locator}`,
      ),
      locator: found.locator,
      ...(found.version === undefined ? {} : { version: found.version }),
      ...(found.updatedAt === undefined ? {} : { updatedAt: found.updatedAt }),
      ...(cached === undefined ? {} : { cached }),
    };
  }

  /**
   * With a cache, a token of the cached answer while it is within the TTL
   * (the same token proves the same answer), so `get`'s cache may skip this
   * source; `undefined` otherwise: a store cannot prove anything without
   * asking.
   */
  stamp(key: string): object | undefined {
    return this.#cache?.fresh(key);
  }

  /**
   * Calls `listener` when `key` may have changed: at once for this
   * source's own writes, and through the store's `onChange` for anyone
   * else's (OpenBao polls). A change the store reports drops the cached
   * answer first, so the read that follows asks the store.
   */
  onChange(key: string, listener: () => void): () => Promise<void> {
    validateKey(key, this.name);
    const removeOwn = this.#listeners.add(key, listener);
    const stopStore = this.store.onChange?.(key, () => {
      this.#cache?.forget(key);
      listener();
    });
    return async () => {
      removeOwn();
      await stopStore?.();
    };
  }

  /** Stores the value as JSON text. An unreachable store fails the write. */
  async set(key: string, value: unknown): Promise<void> {
    validateKey(key, this.name);
    const text = toJsonText(value, key, this.locate(key));
    try {
      await this.#write(key, () => this.store.set(key, text));
    } finally {
      this.#wrote(key);
    }
  }

  /** Removes the key from the store. */
  async delete(key: string): Promise<boolean> {
    validateKey(key, this.name);
    try {
      return await this.#write(key, () => this.store.delete(key));
    } finally {
      this.#wrote(key);
    }
  }

  /** Lists the store's keys. */
  async keys(): Promise<string[]> {
    return await this.#write(undefined, () => this.store.keys());
  }

  /** What the store needs, such as network access to its host. */
  permissions(): PermissionDescriptor[] {
    return this.store.permissions?.() ?? [];
  }

  /** Ends the cache's background requests and drops it, then closes the store. */
  async close(): Promise<void> {
    this.#listeners.clear();
    await this.#cache?.close();
    await this.store.close?.();
  }

  /** After a write (or a failed one, whose effect is unknown): nothing cached, watchers told. */
  #wrote(key: string): void {
    this.#cache?.forget(key);
    this.#listeners.notify(key);
  }

  /** The cache, loaded on first use; `undefined` without `cache`. */
  async #loadCache(): Promise<StoreCache | undefined> {
    const settings = this.cache;
    if (settings === undefined) return undefined;
    this.#loadingCache ??= import("./_store_cache.ts").then(
      ({ StoreCache }) =>
        this.#cache = new StoreCache({
          ttlMs: settings.ttlMs,
          maxStaleMs: settings.maxStaleMs ?? 0,
          now: this.#now,
        }),
    );
    return await this.#loadingCache;
  }

  /** The store's own read, with its locator. */
  async #fetch(key: string): Promise<SecretEntry | undefined> {
    if (this.store.entry) return await this.store.entry(key);
    const value = await this.store.get(key);
    return value === undefined
      ? undefined
      : { value, locator: this.locate(key) };
  }

  async #read(
    key: string,
    action: () => Promise<CacheAnswer>,
  ): Promise<CacheAnswer> {
    try {
      return await action();
    } catch (error) {
      if (error instanceof SourceUnavailableError) {
        if (this.#onUnavailable === "fallthrough") {
          throw new SourceUnavailableError(this.name, error.reason, {
            key,
            cause: error,
          });
        }
        throw new ConfigSourceError(
          `${this.name} is unavailable (${error.reason}) and is configured not to fall through: bring it back, or use onUnavailable: "fallthrough"`,
          { key, source: this.name, cause: error },
        );
      }
      throw typedSourceError(error, this.name, key, "check the store");
    }
  }

  async #write<T>(
    key: string | undefined,
    action: () => Promise<T>,
  ): Promise<T> {
    try {
      return await action();
    } catch (error) {
      throw typedSourceError(error, this.name, key, "check the store");
    }
  }
}
