/**
 * The interface of secret stores such as OpenBao, mirroring the Rust
 * `harmony_secret` crate: string keys, JSON text values.
 *
 * @module
 */
import type { PermissionDescriptor } from "../source.ts";

/**
 * A value read from a {@linkcode SecretStore}, with what the store knows about it.
 *
 * @example Report the stored version in explain()
 * ```ts
 * import { ConfigManager, defineConfig, type SecretEntry, type SecretStore, StoreSource } from "@harmony/config";
 * import { z } from "zod";
 * import assert from "node:assert/strict";
 *
 * const entry: SecretEntry = {
 *   value: "8080",
 *   locator: "https://bao.example.com/v1/secret/data/app/Port",
 *   version: 3,
 *   updatedAt: "2025-01-02T03:04:05Z",
 * };
 * const store: SecretStore = {
 *   name: "bao",
 *   entry: (key) => Promise.resolve(key === "Port" ? entry : undefined),
 *   get: (key) => Promise.resolve(key === "Port" ? entry.value : undefined),
 *   set: () => Promise.resolve(),
 *   delete: () => Promise.resolve(false),
 *   keys: () => Promise.resolve(["Port"]),
 * };
 * const Port = defineConfig({ key: "Port", schema: z.number() });
 * const [step] = (await new ConfigManager([new StoreSource(store)]).explain(Port)).steps;
 * assert.equal(step?.version, 3);
 * assert.equal(step?.locator, entry.locator);
 * ```
 */
export interface SecretEntry {
  /** The value as JSON text. */
  readonly value: string;
  /** Where the value lives, such as an OpenBao URL. */
  readonly locator: string;
  /** The stored version, where the store keeps versions. */
  readonly version?: number;
  /** When this version was written, as the store reports it. */
  readonly updatedAt?: string;
}

/**
 * A store of JSON text values by key, such as OpenBao's KV engine.
 *
 * Implementations throw `SourceUnavailableError` when the store cannot be
 * reached (refused, timed out, sealed, 5xx), so that `StoreSource` can fall
 * through to the next source; any other `ConfigError` (a policy denial, a
 * failed login) is final. Errors never contain a value or a credential.
 *
 * @example An in-memory store
 * ```ts
 * import type { SecretStore } from "@harmony/config";
 *
 * class MapStore implements SecretStore {
 *   readonly name = "map";
 *   readonly #values = new Map<string, string>();
 *   get(key: string): Promise<string | undefined> {
 *     return Promise.resolve(this.#values.get(key));
 *   }
 *   set(key: string, value: string): Promise<void> {
 *     this.#values.set(key, value);
 *     return Promise.resolve();
 *   }
 *   delete(key: string): Promise<boolean> {
 *     return Promise.resolve(this.#values.delete(key));
 *   }
 *   keys(): Promise<string[]> {
 *     return Promise.resolve([...this.#values.keys()]);
 *   }
 * }
 * ```
 */
export interface SecretStore {
  /** A locator a person can read, such as `openbao:https://bao.example.com`. */
  readonly name: string;
  /** Returns the JSON text stored under `key`, or `undefined`. */
  get(key: string): Promise<string | undefined>;
  /** Stores JSON text under `key`. */
  set(key: string, value: string): Promise<void>;
  /** Removes `key` and its history; resolves to `true` when it was there. */
  delete(key: string): Promise<boolean>;
  /**
   * Lists the keys that `get` finds: a store that keeps deleted keys around
   * (OpenBao's KV v2 lists soft-deleted ones) leaves them out.
   */
  keys(): Promise<string[]>;
  /** Like `get`, with the locator, version and write time. */
  entry?(key: string): Promise<SecretEntry | undefined>;
  /** Where `key` lives in the store. */
  locate?(key: string): string;
  /**
   * Calls `listener` after the value of `key` may have changed in the
   * store, by anyone, for `ConfigManager.watch` (through `StoreSource`). A
   * call may be spurious; a change must not go unreported for long. A store
   * without a push (OpenBao) polls. Returns what stops it; that may return a
   * promise that settles once its timers and requests have ended.
   */
  onChange?(key: string, listener: () => void): () => void | Promise<void>;
  /** The Deno permissions the store needs, such as network access to its host. */
  permissions?(): PermissionDescriptor[];
  /** Releases what the store holds. */
  close?(): void | Promise<void>;
}
