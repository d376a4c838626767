/**
 * A source that keeps values in memory.
 *
 * @module
 */
import { validateKey } from "../key.ts";
import type { ConfigSource, SourceEntry } from "../source.ts";
import { deepEqual } from "../_internal/equal.ts";
import { parseJsonText, toJsonText } from "../_internal/json.ts";
import { ChangeListeners } from "../_internal/listeners.ts";
import { settle } from "../_internal/promise.ts";

/**
 * Keeps values in a `Map`, for tests and for defaults set by code.
 * Values are stored as JSON text, so what comes back is a copy and anything
 * that JSON cannot hold fails at `set`, as it would in a real store.
 *
 * Its writes are seen at once: `watch` hears of them as they happen, and
 * `get`'s cache by a version bumped on every write.
 *
 * @example
 * ```ts
 * import { ConfigManager, defineConfig, MemorySource } from "@harmony/config";
 * import { z } from "zod";
 * import assert from "node:assert/strict";
 *
 * const Port = defineConfig({ key: "Port", schema: z.number() });
 * const manager = new ConfigManager([new MemorySource({ Port: 8080 })]);
 * assert.equal(await manager.get(Port), 8080);
 * ```
 */
export class MemorySource implements ConfigSource {
  /** Always `memory`. */
  readonly name: string = "memory";
  /** Memory counts as persisting, so `set` and `getOrPrompt` write here. */
  readonly persists: boolean = true;
  readonly #values = new Map<string, string>();
  readonly #listeners = new ChangeListeners();
  /** Bumped on every write, for {@linkcode MemorySource.stamp}. */
  #version = 0;

  /** @param initial Values to start with, by key. */
  constructor(initial: Record<string, unknown> = {}) {
    for (const [key, value] of Object.entries(initial)) {
      this.#values.set(
        validateKey(key, this.name),
        toJsonText(value, key, this.name),
      );
    }
  }

  /** Returns a copy of the value, or `undefined`. */
  get(key: string): Promise<unknown> {
    return settle(() => this.getSync(key));
  }

  /** `get` without a promise. */
  getSync(key: string): unknown {
    const text = this.#values.get(validateKey(key, this.name));
    return text === undefined ? undefined : parseJsonText(text, key, this.name);
  }

  /** Returns the value with its locator, or `undefined`. */
  async entry(key: string): Promise<SourceEntry | undefined> {
    const value = await this.get(key);
    return value === undefined
      ? undefined
      : { value, locator: this.locate(key) };
  }

  /** Stores a copy of the value. */
  set(key: string, value: unknown): Promise<void> {
    return settle(() => {
      this.#values.set(
        validateKey(key, this.name),
        toJsonText(value, key, this.name),
      );
      this.#changed(key);
    });
  }

  /** Stores the value only if the key still holds `expected`; one synchronous step. */
  compareAndSet(
    key: string,
    expected: unknown,
    value: unknown,
  ): Promise<boolean> {
    return settle(() => {
      const current = this.getSync(key);
      if (current === undefined || !deepEqual(current, expected)) return false;
      this.#values.set(key, toJsonText(value, key, this.name));
      this.#changed(key);
      return true;
    });
  }

  /** Removes the key. */
  delete(key: string): Promise<boolean> {
    return settle(() => {
      const removed = this.#values.delete(validateKey(key, this.name));
      if (removed) this.#changed(key);
      return removed;
    });
  }

  /** Lists the keys, in insertion order. */
  keys(): Promise<string[]> {
    return Promise.resolve([...this.#values.keys()]);
  }

  /** Returns `memory:<key>`. */
  locate(key: string): string {
    return `memory:${key}`;
  }

  /** A version bumped on every write: the same number proves nothing changed. */
  stamp(): number {
    return this.#version;
  }

  /** Calls `listener` at every write of `key`. */
  onChange(key: string, listener: () => void): () => void {
    return this.#listeners.add(validateKey(key, this.name), listener);
  }

  /** Memory needs no permissions. */
  permissions(): [] {
    return [];
  }

  #changed(key: string): void {
    this.#version++;
    this.#listeners.notify(key);
  }
}
