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
import type { SecretStore } from "../stores/secret_store.ts";
import { parseJsonText, toJsonText } from "../_internal/json.ts";
import { typedSourceError } from "../_internal/safe_error.ts";

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
  readonly #onUnavailable: "fallthrough" | "error";

  /**
   * @param store The store to read and write.
   * @param options The name, whether it persists, and what an unreachable store does.
   */
  constructor(store: SecretStore, options: StoreSourceOptions = {}) {
    this.store = store;
    this.name = options.name ?? store.name;
    this.persists = options.persists ?? true;
    this.#onUnavailable = options.onUnavailable ?? "fallthrough";
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

  /** Like `get`, with the store's locator, version and write time. */
  async entry(key: string): Promise<SourceEntry | undefined> {
    validateKey(key, this.name);
    const found = await this.#read(key, async () => {
      if (this.store.entry) return await this.store.entry(key);
      const value = await this.store.get(key);
      return value === undefined
        ? undefined
        : { value, locator: this.locate(key) };
    });
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
    };
  }

  /** Stores the value as JSON text. An unreachable store fails the write. */
  async set(key: string, value: unknown): Promise<void> {
    validateKey(key, this.name);
    const text = toJsonText(value, key, this.locate(key));
    await this.#write(key, () => this.store.set(key, text));
  }

  /** Removes the key from the store. */
  async delete(key: string): Promise<boolean> {
    validateKey(key, this.name);
    return await this.#write(key, () => this.store.delete(key));
  }

  /** Lists the store's keys. */
  async keys(): Promise<string[]> {
    return await this.#write(undefined, () => this.store.keys());
  }

  /** What the store needs, such as network access to its host. */
  permissions(): PermissionDescriptor[] {
    return this.store.permissions?.() ?? [];
  }

  /** Closes the store. */
  async close(): Promise<void> {
    await this.store.close?.();
  }

  async #read<T>(key: string, action: () => Promise<T>): Promise<T> {
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
