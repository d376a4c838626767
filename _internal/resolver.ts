/**
 * Private: resolution over a chain of sources, as plain functions that
 * `ConfigManager`, `getOrPrompt` and the CLI share. It knows sources only
 * through the `ConfigSource` interface: what a source is called, how a key
 * is written in its terms and how a person sets it all come from the source.
 *
 * A resolution can record what its answer depended on
 * ({@linkcode Dependencies}), so that `get`'s cache can later prove it still
 * holds. The first-source-wins rule depends on every source up to the one
 * that answered; a mode in which several sources contribute to one value
 * records each of them, and the cache needs no change.
 *
 * @module
 */
import type { ConfigDefinition } from "../config.ts";
import {
  ConfigNotFoundError,
  ConfigSourceError,
  ConfigValidationError,
  SourceUnavailableError,
  type ValidationIssue,
} from "../errors.ts";
import type { Resolution, ResolveOptions } from "../resolution.ts";
import type { ConfigSource, SourceEntry } from "../source.ts";
import { lazyEntry, readEntry } from "./entry.ts";
import { findPrompter } from "./prompter.ts";
import { sourceFailure } from "./safe_error.ts";
import { unwrapSchema } from "./schema_walk.ts";
import { failedStep, hitStep, invalidStep, missStep } from "./steps.ts";
import { validateSyncFirst } from "./validate.ts";

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

/** {@linkcode resolve}'s options, with what only the library's own callers pass. */
export interface InternalResolveOptions extends ResolveOptions {
  /** Receives every source the answer depends on, for `get`'s cache. */
  readonly dependsOn?: Dependencies;
}

/**
 * Asks the sources in order; the first that has the key answers with its
 * whole value, which the schema validates. A source that is unavailable is
 * skipped and remembered; any other failure is thrown. A definition with
 * `layering: "fields"` is resolved field by field (`layering.ts`).
 */
export async function resolve<T, I>(
  sources: readonly ConfigSource[],
  def: ConfigDefinition<T, I>,
  options: InternalResolveOptions = {},
): Promise<Resolution<T>> {
  if (def.layering === "fields") return resolveFields(sources, def, options);
  const { steps, writeBack = true, dependsOn } = options;
  const key = def.key;
  const unavailable: SourceUnavailableError[] = [];
  for (const source of sources) {
    if (dependsOn !== undefined) dependOn(dependsOn, source, key);
    let entry: SourceEntry | undefined;
    try {
      // `get` needs no locator or timestamps, so it skips readEntry and
      // its extra await: this loop is the cost of every read.
      entry = steps === undefined
        ? lazyEntry(source, key, await source.get(key))
        : await readEntry(source, key, true);
    } catch (error) {
      if (!(error instanceof SourceUnavailableError)) {
        throw sourceFailure(error, source.name, key);
      }
      if (dependsOn !== undefined) dependsOn.unavailable = true;
      unavailable.push(error);
      steps?.push(failedStep(source, error));
      continue;
    }
    if (entry === undefined) {
      steps?.push(missStep(source, key));
      continue;
    }
    let checked = validateSyncFirst(def.schema, entry.value);
    if (checked instanceof Promise) checked = await checked;
    if (checked.ok) {
      steps?.push(hitStep(source, entry, def.schema, checked.value, "hit"));
      return { kind: "found", value: checked.value, source, migrated: false };
    }
    // Loaded only for a definition with a migrate(): the write-back it
    // may do is the only write on the read path.
    const migration = def.migrate === undefined
      ? { note: undefined }
      : await (await import("./migration.ts")).migrate(
        def,
        source,
        entry,
        writeBack,
      );
    if ("value" in migration) {
      steps?.push({
        ...hitStep(source, entry, def.schema, migration.value, "migrated"),
        reason: migration.note,
      });
      return { kind: "found", value: migration.value, source, migrated: true };
    }
    steps?.push({
      ...invalidStep(source, entry, checked.issues),
      ...(migration.note === undefined ? {} : { reason: migration.note }),
    });
    return {
      kind: "invalid",
      source,
      locator: entry.locator,
      raw: entry.value,
      issues: checked.issues,
      error: invalidValueError(
        def,
        source,
        entry.locator,
        checked.issues,
        migration.note,
      ),
    };
  }
  return await nothingFound(sources, def, unavailable);
}

/** {@linkcode resolve} of a fields-mode definition, by the layering engine. */
async function resolveFields<T, I>(
  sources: readonly ConfigSource[],
  def: ConfigDefinition<T, I>,
  options: InternalResolveOptions,
): Promise<Resolution<T>> {
  const { dependsOn } = options;
  // Every source may give a field, so the answer depends on all of them;
  // their stamps are taken before any is read, as the whole-value loop does.
  if (dependsOn !== undefined) {
    for (const source of sources) dependOn(dependsOn, source, def.key);
  }
  // Loaded by the first fields-mode read only.
  const { resolveLayers } = await import("./layering.ts");
  const outcome = await resolveLayers(sources, def, options.steps);
  if (dependsOn !== undefined && outcome.chain.unavailable.length > 0) {
    dependsOn.unavailable = true;
  }
  return outcome.resolution ?? {
    ...await nothingFound(sources, def, outcome.chain.unavailable),
    readFrom: sources,
  };
}

/** What resolves when no source has the key: the schema's defaults, or "missing". */
export async function nothingFound<T, I>(
  sources: readonly ConfigSource[],
  def: ConfigDefinition<T, I>,
  unavailable: readonly SourceUnavailableError[],
): Promise<Resolution<T>> {
  const defaults = await defaultValue(def);
  if (defaults !== undefined) {
    return { kind: "defaults", value: defaults.value };
  }
  return {
    kind: "missing",
    unavailable,
    error: notFoundError(sources, def.key, unavailable),
  };
}

/**
 * The value the schema gives when no source has the key: what it parses
 * `undefined` to, or, for an object whose fields all have defaults, `{}`.
 */
async function defaultValue<T, I>(
  def: ConfigDefinition<T, I>,
): Promise<{ value: T } | undefined> {
  const fromNothing = await validateSyncFirst(def.schema, undefined);
  if (fromNothing.ok && fromNothing.value !== undefined) {
    return { value: fromNothing.value };
  }
  if (unwrapSchema(def.schema)._zod.def.type !== "object") return undefined;
  const fromEmpty = await validateSyncFirst(def.schema, {});
  return fromEmpty.ok ? { value: fromEmpty.value } : undefined;
}

/**
 * The first source that persists, where `set` and `getOrPrompt` write.
 *
 * @throws {ConfigSourceError} When no source persists.
 */
export function writeTarget(
  sources: readonly ConfigSource[],
  key: string,
): ConfigSource {
  const target = sources.find((source) => source.persists);
  if (target === undefined) {
    throw new ConfigSourceError(
      `Cannot store key "${key}": no source in the chain [${
        sources.map((s) => s.name).join(", ")
      }] persists: add SqliteSource or LocalFileSource to the ConfigManager`,
      { key },
    );
  }
  return target;
}

/**
 * Who reads a "no value" error, for its advice: a program using the library
 * (the default), or a tool such as the CLI that says it in its own commands.
 */
export interface Situation {
  /**
   * How a value is stored here, offered once for the sources that persist
   * and say nothing of their own. Default: `store one with set()`.
   */
  readonly store?: string;
  /**
   * How a person is asked for a value here, such as the CLI's `run
   * harmony-config get KEY --prompt … in a terminal`: it replaces the
   * prompting source's own hint, and is offered even when the chain has no
   * such source.
   */
  readonly ask?: string;
}

const STORE_WITH_SET = "store one with set()";

/**
 * The ways a person can give `key` a value in this chain, in chain order:
 * each source's own hint (`set HARMONY_CONFIG_Db`, a file to write), the
 * situation's way to store for sources that persist without one, and how
 * to be asked. `example` is a JSON skeleton for the hints that show one.
 */
function waysToSet(
  sources: readonly ConfigSource[],
  key: string,
  situation: Situation,
  example: string | undefined,
): string[] {
  const ways = new Set<string>();
  let asks = false;
  for (const source of sources) {
    let way: string | undefined;
    if (findPrompter([source]) !== undefined) {
      asks = true;
      way = situation.ask ?? source.hint?.(key, example);
    } else if (source.hint !== undefined) {
      way = source.hint(key, example);
    } else if (source.persists) {
      way = situation.store ?? STORE_WITH_SET;
    }
    if (way !== undefined) ways.add(way);
  }
  if (!asks && situation.ask !== undefined) ways.add(situation.ask);
  return [...ways];
}

/** `a`, `a or b`, `a, b or c`. */
function eitherOf(ways: readonly string[]): string {
  return ways.length <= 2
    ? ways.join(" or ")
    : `${ways.slice(0, -1).join(", ")} or ${ways[ways.length - 1]}`;
}

/**
 * How a person gives `key` a value in this chain, as one phrase: the ways
 * of {@linkcode waysToSet}. `example` is a JSON skeleton for the sources
 * that can show one.
 */
export function howToSet(
  sources: readonly ConfigSource[],
  key: string,
  example?: string,
  situation: Situation = {},
): string | undefined {
  const ways = waysToSet(sources, key, situation, example);
  return ways.length > 0 ? eitherOf(ways) : undefined;
}

/**
 * The error for a key that no source of the chain has, with advice built
 * from the chain and from who will read it (`situation`).
 */
export function notFoundError(
  sources: readonly ConfigSource[],
  key: string,
  unavailable: readonly SourceUnavailableError[],
  situation: Situation = {},
): ConfigNotFoundError {
  const fix = howToSet(sources, key, undefined, situation) ??
    "add a source that has it to the ConfigManager";
  return new ConfigNotFoundError(key, sources.map((source) => source.name), {
    fix,
    ...(unavailable.length > 0
      ? { note: unavailable.map((e) => e.message).join("; ") }
      : {}),
  });
}

/**
 * The error for a value that fails its schema, with a fix that fits where
 * it is: an env var is changed; a stored value is corrected, deleted or
 * migrated. `migrationNote` says why the definition's `migrate()` did not
 * help (it threw, or its result fails too), so the fix never suggests
 * adding one that exists.
 */
export function invalidValueError<T, I>(
  def: ConfigDefinition<T, I>,
  source: ConfigSource,
  locator: string,
  issues: readonly ValidationIssue[],
  migrationNote?: string,
): ConfigValidationError {
  const migration = def.migrate === undefined
    ? `add a migrate() to the definition of "${def.key}"`
    : `fix the migrate() of the definition of "${def.key}" (${
      migrationNote ?? "it did not help"
    })`;
  const fix = source.persists
    ? `correct or delete the value at ${locator}, or ${migration}`
    : `change ${locator} to match the schema`;
  return new ConfigValidationError(def.key, locator, issues, fix);
}
