/**
 * Private: what a resolved answer depended on, recorded while resolving so
 * that `get`'s cache can later prove it still holds. The first-source-wins
 * rule depends on every source up to the one that answered; a mode in which
 * several sources contribute to one value records each of them, and the
 * cache needs no change.
 *
 * @module
 */
import type { ConfigSource } from "../source.ts";

/** The sources an answer depended on, each with its stamp taken just before it was read. */
export interface Dependencies {
  /** The sources asked, in order. */
  readonly sources: ConfigSource[];
  /** `sources[i].stamp(key)` just before `sources[i]` was read; `undefined` proves nothing. */
  readonly stamps: unknown[];
  /** Whether a source was unavailable: an answer that fell through it must not outlive the outage. */
  unavailable: boolean;
}

/** An empty record, to pass to a resolution. */
export function dependencies(): Dependencies {
  return { sources: [], stamps: [], unavailable: false };
}

/**
 * Records `source` as asked, with its stamp now: before it is read, so that
 * a change between the stamp and the read makes the next stamp differ.
 */
export function dependOn(
  record: Dependencies,
  source: ConfigSource,
  key: string,
): void {
  record.sources.push(source);
  record.stamps.push(stampOf(source, key));
}

/** The source's stamp for `key`, or `undefined` when it has none or cannot tell. */
export function stampOf(source: ConfigSource, key: string): unknown {
  if (source.stamp === undefined) return undefined;
  try {
    return source.stamp(key);
  } catch {
    // The read that follows reports whatever is wrong.
    return undefined;
  }
}
