/**
 * Private: `StoreSource`'s opt-in in-memory cache, so that a team store
 * costs no request on a hot path and rides out an outage.
 *
 * - A value (or an absence) read within `ttlMs` answers without a request.
 * - After that, the next read asks the store again.
 * - When the store is unavailable (refused, timed out, sealed, 5xx), a
 *   value read within `maxStaleMs` answers, marked stale with its age and
 *   the reason, instead of falling through. While the outage lasts such
 *   values answer at once, with no request and no timeout: the store is
 *   asked again in the background, one request at a time, once a second.
 *
 * Nothing is ever written to disk: the values live in this process's
 * memory only, and are dropped at `close()`.
 *
 * @module
 */
import { SourceUnavailableError } from "../errors.ts";
import type { SourceCacheInfo } from "../source.ts";
import type { SecretEntry } from "../stores/secret_store.ts";

/** How long after a failed request the store is asked again in the background, in ms. */
const PROBE_INTERVAL_MS = 1000;

/** What the store said about a key, and when. */
interface Held {
  readonly entry: SecretEntry | undefined;
  readonly readAt: number;
}

/** An answer, with how the cache gave it when it did. */
export interface CacheAnswer {
  readonly entry: SecretEntry | undefined;
  readonly cached?: SourceCacheInfo;
}

/** The cache's settings. */
export interface StoreCacheSettings {
  readonly ttlMs: number;
  readonly maxStaleMs: number;
  readonly now: () => number;
}

/** The cache of one `StoreSource`. */
export class StoreCache {
  readonly #settings: StoreCacheSettings;
  readonly #held = new Map<string, Held>();
  #outage: { reason: string; retryAt: number } | undefined;
  readonly #probes = new Map<string, Promise<void>>();
  /**
   * How many times each key was forgotten (written, or reported changed):
   * an answer to a request sent before the last of them may predate the
   * change, so it is returned to its caller but not kept.
   */
  readonly #forgotten = new Map<string, number>();

  /** @param settings The TTL, the stale limit and the clock. */
  constructor(settings: StoreCacheSettings) {
    this.#settings = settings;
  }

  /**
   * A token of what is held for `key` while it is within the TTL (the
   * same token proves the same answer), else `undefined`.
   */
  fresh(key: string): object | undefined {
    const held = this.#held.get(key);
    if (held === undefined) return undefined;
    return this.#settings.now() - held.readAt < this.#settings.ttlMs
      ? held
      : undefined;
  }

  /**
   * Answers `key` from the cache when it may, else through `fetch` (the
   * store's read), keeping what it says.
   *
   * @throws What `fetch` throws, unless a stale value may answer instead.
   */
  async read(
    key: string,
    fetch: () => Promise<SecretEntry | undefined>,
  ): Promise<CacheAnswer> {
    const { ttlMs, maxStaleMs, now } = this.#settings;
    const at = now();
    const held = this.#held.get(key);
    if (held !== undefined && at - held.readAt < ttlMs) {
      return {
        entry: held.entry,
        cached: { state: "fresh", ageMs: at - held.readAt },
      };
    }
    const servable = held?.entry !== undefined && at - held.readAt < maxStaleMs
      ? held
      : undefined;
    if (servable !== undefined && this.#outage !== undefined) {
      if (at >= this.#outage.retryAt) this.#probe(key, fetch);
      return stale(servable, at, this.#outage.reason);
    }
    const generation = this.#forgotten.get(key);
    let entry: SecretEntry | undefined;
    try {
      entry = await fetch();
    } catch (error) {
      if (!(error instanceof SourceUnavailableError)) throw error;
      this.#outage = {
        reason: error.reason,
        retryAt: now() + PROBE_INTERVAL_MS,
      };
      if (servable === undefined) throw error;
      return stale(servable, now(), error.reason);
    }
    this.#keep(key, entry, generation);
    return { entry };
  }

  /** Drops what is held for `key`: it was written, or a watcher saw it change. */
  forget(key: string): void {
    this.#held.delete(key);
    this.#forgotten.set(key, (this.#forgotten.get(key) ?? 0) + 1);
  }

  /** How many keys are held. */
  get size(): number {
    return this.#held.size;
  }

  /** Drops everything, once the background requests have ended. */
  async close(): Promise<void> {
    await Promise.all([...this.#probes.values()]);
    this.#held.clear();
    this.#forgotten.clear();
    this.#outage = undefined;
  }

  /** Keeps what a request sent at `generation` said, unless the key was forgotten since. */
  #keep(
    key: string,
    entry: SecretEntry | undefined,
    generation: number | undefined,
  ): void {
    this.#outage = undefined;
    if (this.#forgotten.get(key) !== generation) return;
    this.#held.set(key, { entry, readAt: this.#settings.now() });
  }

  /** Asks the store again in the background, one request at a time per key. */
  #probe(key: string, fetch: () => Promise<SecretEntry | undefined>): void {
    if (this.#probes.has(key) || this.#outage === undefined) return;
    this.#outage.retryAt = Number.POSITIVE_INFINITY;
    const generation = this.#forgotten.get(key);
    const probe = fetch().then(
      (entry) => this.#keep(key, entry, generation),
      (error) => {
        this.#outage = error instanceof SourceUnavailableError
          ? {
            reason: error.reason,
            retryAt: this.#settings.now() + PROBE_INTERVAL_MS,
          }
          // The store answered, with a refusal: the next read asks it and
          // reports what it says.
          : undefined;
      },
    ).finally(() => this.#probes.delete(key));
    this.#probes.set(key, probe);
  }
}

function stale(held: Held, at: number, reason: string): CacheAnswer {
  return {
    entry: held.entry,
    cached: { state: "stale", ageMs: at - held.readAt, reason },
  };
}
