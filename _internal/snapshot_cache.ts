/**
 * Private: `ConfigManager.get`'s cache. It answers from the last validated
 * snapshot of a definition only while every source that answer depended on
 * proves, by its {@linkcode ConfigSource.stamp}, that nothing changed since
 * it was read: SQLite's WAL index, the env var's text, a file's identity
 * and change time, a memory source's version. A source without a stamp, an
 * unavailable one, an invalid value or a value that is not plain data (see
 * below) is never cached: such a `get` reads as it always did.
 *
 * An answer records the sources it depended on (in first-source-wins
 * order, every source up to the one that answered); a resolution mode in
 * which several sources contribute records them all, through the same
 * {@linkcode Dependencies}.
 *
 * The snapshots it hands out (and `watch` too) are immutable: a value of
 * plain data (what JSON holds: objects of `Object.prototype` or none,
 * arrays, primitives) is frozen all the way down, so one object can be
 * returned to every caller without any of them corrupting it for the
 * others. A value with anything else inside (a Date from `z.coerce.date()`,
 * a Map, a class instance from a transform) cannot be frozen that way (a
 * frozen Date still has `setTime`), so it is left as it is and never
 * shared: each read parses a new one.
 *
 * @module
 */
import type { ConfigDefinition } from "../config.ts";
import { SourceUnavailableError } from "../errors.ts";
import type { ConfigSource } from "../source.ts";
import type { ValidationResult } from "../validation.ts";
import {
  type Dependencies,
  dependencies,
  dependOn,
  resolve,
  stampOf,
} from "./resolver.ts";
import { fieldsSyncHit } from "./fields_sync.ts";
import { sourceFailure } from "./safe_error.ts";
import { mayShareObjects } from "./schema_walk.ts";
import { validateSync } from "./validate.ts";

interface Snapshot {
  readonly def: ConfigDefinition<unknown, unknown>;
  readonly value: unknown;
  readonly sources: readonly ConfigSource[];
  readonly stamps: readonly unknown[];
}

/** Validated snapshots by key, each with what proves it still holds. */
export class SnapshotCache {
  readonly #snapshots = new Map<string, Snapshot>();
  /**
   * Definitions whose last answer depended on a source without `stamp`:
   * their next synchronous read takes no stamps (they could not prove
   * anything), so a chain that can never be cached pays nothing for it.
   */
  readonly #unprovable = new WeakSet<object>();

  /**
   * `get`: the snapshot while it holds, else a read (synchronous where
   * every source asked offers `getSync` and the schema is synchronous)
   * whose answer is remembered with what it depended on.
   */
  get<T, I>(
    sources: readonly ConfigSource[],
    def: ConfigDefinition<T, I>,
  ): Promise<T> {
    const snapshot = this.#snapshots.get(def.key);
    if (snapshot !== undefined && snapshot.def === def) {
      if (holds(snapshot, def.key)) return Promise.resolve(snapshot.value as T);
      this.#snapshots.delete(def.key);
    }
    try {
      if (this.#unprovable.has(def)) {
        const hit = readSync(sources, def, undefined);
        if (hit !== undefined) {
          // Answered by a source that can stamp, after others that can:
          // the next read takes stamps again.
          if (canStampUpTo(sources, hit.index)) this.#unprovable.delete(def);
          return Promise.resolve(snapshotOf(hit.value, def.schema).value);
        }
      } else {
        const read = dependencies();
        const hit = readSync(sources, def, read);
        if (hit !== undefined) {
          return Promise.resolve(this.#remember(def, hit.value, read));
        }
      }
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#resolve(sources, def);
  }

  /** Drops what is remembered for `key`, after this manager wrote it. */
  forget(key: string): void {
    this.#snapshots.delete(key);
  }

  /** Drops everything. */
  clear(): void {
    this.#snapshots.clear();
  }

  async #resolve<T, I>(
    sources: readonly ConfigSource[],
    def: ConfigDefinition<T, I>,
  ): Promise<T> {
    const read = dependencies();
    const resolution = await resolve(sources, def, { dependsOn: read });
    if (resolution.kind === "invalid" || resolution.kind === "missing") {
      throw resolution.error;
    }
    return this.#remember(def, resolution.value, read);
  }

  /**
   * Freezes the value when it is plain data, and keeps it when every source
   * it depended on gave a stamp and none was unavailable.
   */
  #remember<T, I>(
    def: ConfigDefinition<T, I>,
    value: T,
    read: Dependencies,
  ): T {
    const snapshot = snapshotOf(value, def.schema);
    if (!read.sources.every(canStamp)) this.#unprovable.add(def);
    if (
      snapshot.shareable && !read.unavailable &&
      !read.stamps.some((stamp) => stamp === undefined)
    ) {
      this.#snapshots.set(def.key, {
        def: def as ConfigDefinition<unknown, unknown>,
        value: snapshot.value,
        sources: read.sources,
        stamps: read.stamps,
      });
    }
    return snapshot.value;
  }
}

function canStamp(source: ConfigSource): boolean {
  return source.stamp !== undefined;
}

function canStampUpTo(sources: readonly ConfigSource[], last: number): boolean {
  for (let i = 0; i <= last; i++) {
    if (sources[i]!.stamp === undefined) return false;
  }
  return true;
}

/** Whether every source the snapshot depended on still gives the same stamp. */
function holds(snapshot: Snapshot, key: string): boolean {
  const { sources, stamps } = snapshot;
  for (let i = 0; i < sources.length; i++) {
    if (!Object.is(stampOf(sources[i]!, key), stamps[i])) return false;
  }
  return true;
}

/**
 * The common case of a read without a promise hop per source: every source
 * up to the one that answers offers `getSync`, and the value passes a
 * synchronous schema. Anything else (a miss everywhere, an invalid value,
 * a migration, an async schema or source, an unavailable source) returns
 * `undefined` and the full resolution runs, so both agree on every outcome.
 */
function readSync<T, I>(
  sources: readonly ConfigSource[],
  def: ConfigDefinition<T, I>,
  read: Dependencies | undefined,
): { value: T; index: number } | undefined {
  if (def.layering === "fields") {
    // Every source may give a field: the answer depends on all of them,
    // stamped before any is read.
    if (read !== undefined) {
      for (const source of sources) dependOn(read, source, def.key);
    }
    const hit = fieldsSyncHit(sources, def);
    return hit === undefined
      ? undefined
      : { value: hit.value, index: sources.length - 1 };
  }
  for (let index = 0; index < sources.length; index++) {
    const source = sources[index]!;
    if (source.getSync === undefined) return undefined;
    if (read !== undefined) dependOn(read, source, def.key);
    let value: unknown;
    try {
      value = source.getSync(def.key);
    } catch (error) {
      if (error instanceof SourceUnavailableError) return undefined;
      throw sourceFailure(error, source.name, def.key);
    }
    if (value === undefined) continue;
    let checked: ValidationResult<T>;
    try {
      checked = validateSync(def.schema, value);
    } catch {
      // An async refinement or transform: the full path awaits it.
      return undefined;
    }
    return checked.ok ? { value: checked.value, index } : undefined;
  }
  return undefined;
}

/** Values nested deeper than this are not walked, and so not shared. */
const MAX_DEPTH = 1000;

/**
 * The immutable snapshot of a value `schema` parsed: the value itself,
 * frozen deeply, when it is plain data the parse made; a frozen copy when
 * it is plain data that may hold objects of the caller's (a `.default()`
 * value, what a transform returns: see {@linkcode mayShareObjects}), so
 * freezing never reaches them; and the value untouched, not shareable,
 * when it is not plain data.
 */
export function snapshotOf<T>(
  value: T,
  schema: ConfigDefinition<T, unknown>["schema"],
): { readonly value: T; readonly shareable: boolean } {
  if (
    typeof value === "object" && value !== null && mayShareObjects(schema)
  ) {
    const objects: object[] = [];
    if (!collectPlain(value, objects, 0)) return { value, shareable: false };
    return { value: frozenCopy(value) as T, shareable: true };
  }
  return { value, shareable: freezeSnapshot(value) };
}

/** A deep copy of plain data, frozen as it is built. */
function frozenCopy(value: unknown): unknown {
  if (typeof value !== "object" || value === null) return value;
  if (Array.isArray(value)) return Object.freeze(value.map(frozenCopy));
  const copy = Object.getPrototypeOf(value) === null ? Object.create(null) : {};
  for (const key of Object.keys(value)) {
    // defineProperty, as JSON.parse does: an own "__proto__" stays a key.
    Object.defineProperty(copy, key, {
      value: frozenCopy((value as Record<string, unknown>)[key]),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return Object.freeze(copy);
}

/**
 * Freezes `value` deeply when it is plain data: one walk collects its
 * objects and arrays, and only if every one of them is plain are they
 * frozen, so a value with a Date inside is left untouched.
 *
 * @returns Whether it was plain data, and so is now frozen and may be shared.
 */
function freezeSnapshot(value: unknown): boolean {
  if (typeof value !== "object" || value === null) {
    return typeof value !== "function" && typeof value !== "symbol";
  }
  if (isFlatRecord(value)) {
    // The common case (a record of strings, numbers and booleans): no walk.
    Object.freeze(value);
    return true;
  }
  const objects: object[] = [];
  if (!collectPlain(value, objects, 0)) return false;
  for (const object of objects) Object.freeze(object);
  return true;
}

/** Whether `value` is a plain object whose values are all primitives. */
function isFlatRecord(value: object): boolean {
  const prototype = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) return false;
  for (const key in value) {
    const item = (value as Record<string, unknown>)[key];
    if (
      typeof item === "object" ? item !== null : typeof item === "function" ||
        typeof item === "symbol"
    ) return false;
  }
  return true;
}

/** Pushes every object and array of `value` onto `objects`; `false` at the first that is not plain data. */
function collectPlain(
  value: unknown,
  objects: object[],
  depth: number,
): boolean {
  if (typeof value !== "object" || value === null) {
    return typeof value !== "function" && typeof value !== "symbol";
  }
  if (depth > MAX_DEPTH) return false;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      if (!collectPlain(value[i], objects, depth + 1)) return false;
    }
  } else {
    const prototype = Object.getPrototypeOf(value);
    if (prototype !== Object.prototype && prototype !== null) return false;
    for (const key in value) {
      const item = (value as Record<string, unknown>)[key];
      if (!collectPlain(item, objects, depth + 1)) return false;
    }
  }
  objects.push(value);
  return true;
}
