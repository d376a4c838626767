/**
 * Private: resolution over a chain of sources, as plain functions that
 * `ConfigManager`, `getOrPrompt` and the CLI share. It knows sources only
 * through the `ConfigSource` interface: what a source is called, how a key
 * is written in its terms and how a person sets it all come from the source.
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
import { migrate } from "./migration.ts";
import { unwrapSchema } from "./schema_walk.ts";
import { failedStep, hitStep, invalidStep, missStep } from "./steps.ts";
import { validateSyncFirst } from "./validate.ts";

/**
 * Asks the sources in order; the first that has the key answers with its
 * whole value, which the schema validates. A source that is unavailable is
 * skipped and remembered; any other failure is thrown.
 */
export async function resolve<T, I>(
  sources: readonly ConfigSource[],
  def: ConfigDefinition<T, I>,
  options: ResolveOptions = {},
): Promise<Resolution<T>> {
  const { steps, writeBack = true } = options;
  const key = def.key;
  const unavailable: SourceUnavailableError[] = [];
  for (const source of sources) {
    let entry: SourceEntry | undefined;
    try {
      // `get` needs no locator or timestamps, so it skips readEntry and
      // its extra await: this loop is the cost of every read.
      entry = steps === undefined
        ? lazyEntry(source, key, await source.get(key))
        : await readEntry(source, key, true);
    } catch (error) {
      if (!(error instanceof SourceUnavailableError)) throw error;
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
    const migration = await migrate(def, source, entry, writeBack);
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
      error: invalidValueError(def, source, entry.locator, checked.issues),
    };
  }
  const defaults = await defaultValue(def);
  if (defaults !== undefined) {
    return { kind: "defaults", value: defaults.value };
  }
  return {
    kind: "missing",
    unavailable,
    error: notFoundError(sources, key, unavailable),
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
 * How a person gives `key` a value in this chain: the hints of its sources,
 * joined with "or". `example` is a JSON skeleton for the sources that can
 * show one.
 */
export function howToSet(
  sources: readonly ConfigSource[],
  key: string,
  example?: string,
): string | undefined {
  const hints = sources.flatMap((source) => {
    const hint = source.hint?.(key, example);
    return hint === undefined ? [] : [hint];
  });
  return hints.length > 0 ? hints.join(" or ") : undefined;
}

/** The error for a key that no source of the chain has. */
export function notFoundError(
  sources: readonly ConfigSource[],
  key: string,
  unavailable: readonly SourceUnavailableError[],
): ConfigNotFoundError {
  const fix = howToSet(sources, key) ??
    (sources.some((source) => source.persists)
      ? "store one with set()"
      : "add a source that has it to the ConfigManager");
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
 * migrated.
 */
export function invalidValueError<T, I>(
  def: ConfigDefinition<T, I>,
  source: ConfigSource,
  locator: string,
  issues: readonly ValidationIssue[],
): ConfigValidationError {
  const fix = source.persists
    ? `correct or delete the value at ${locator}, or add a migrate() to the definition of "${def.key}"`
    : `change ${locator} to match the schema`;
  return new ConfigValidationError(def.key, locator, issues, fix);
}
