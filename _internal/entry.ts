/**
 * Private: reading a {@linkcode SourceEntry} from any source: the detailed `entry`
 * where a source has one, or `get` with a locator built only when needed.
 *
 * @module
 */
import type { ConfigSource, SourceEntry } from "../source.ts";

/** Reads `key` from `source`; `detailed` asks for `entry()` (timestamps, versions) where the source has it. */
export async function readEntry(
  source: ConfigSource,
  key: string,
  detailed: boolean,
): Promise<SourceEntry | undefined> {
  if (detailed && source.entry) return await source.entry(key);
  return lazyEntry(source, key, await source.get(key));
}

/**
 * Wraps a value read with `get` as an entry whose locator is built only
 * when something reads it (an invalid value's error), not on every hit.
 */
export function lazyEntry(
  source: ConfigSource,
  key: string,
  value: unknown,
): SourceEntry | undefined {
  return value === undefined ? undefined : new LazyEntry(source, key, value);
}

// A class rather than an object literal with a getter: V8 builds such a
// literal through a slow runtime call, which cost more than the SQL read.
class LazyEntry implements SourceEntry {
  readonly value: unknown;
  readonly #source: ConfigSource;
  readonly #key: string;

  constructor(source: ConfigSource, key: string, value: unknown) {
    this.#source = source;
    this.#key = key;
    this.value = value;
  }

  get locator(): string {
    return this.#source.locate?.(this.#key) ?? this.#source.name;
  }
}
