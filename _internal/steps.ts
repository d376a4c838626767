/**
 * Private: the builders that turn what a source said into an
 * {@linkcode ExplainStep}.
 *
 * @module
 */
import type { ConfigDefinition } from "../config.ts";
import {
  ConfigValidationError,
  SourceUnavailableError,
  type ValidationIssue,
} from "../errors.ts";
import type { ExplainStep } from "../explain.ts";
import { redact, REDACTED } from "../secret.ts";
import type { ConfigSource, SourceCacheInfo, SourceEntry } from "../source.ts";
import { readEntry } from "./entry.ts";
import { describeError } from "./safe_error.ts";
import { isStackOverflow, validateSyncFirst } from "./validate.ts";

/**
 * Reports what one source holds for `def`, for the sources `explain` asks
 * after the one that decided. It never throws: failures become steps.
 */
export async function inspectSource<T, I>(
  def: ConfigDefinition<T, I>,
  source: ConfigSource,
): Promise<ExplainStep> {
  let entry: SourceEntry | undefined;
  try {
    entry = await readEntry(source, def.key, true);
  } catch (error) {
    return failedStep(source, error);
  }
  if (entry === undefined) return missStep(source, def.key);
  const checked = await validateSyncFirst(def.schema, entry.value);
  if (checked.ok) {
    return {
      ...hitStep(source, entry, def.schema, checked.value, "hit"),
      winner: false,
    };
  }
  return invalidStep(source, entry, checked.issues);
}

/** The step for a source that threw while it was read. */
export function failedStep(source: ConfigSource, error: unknown): ExplainStep {
  if (error instanceof SourceUnavailableError) {
    return {
      source: source.name,
      status: "unavailable",
      reason: error.reason,
      winner: false,
    };
  }
  return {
    source: source.name,
    status: error instanceof ConfigValidationError ? "invalid" : "error",
    reason: describeError(error),
    ...(error instanceof ConfigValidationError ? { issues: error.issues } : {}),
    winner: false,
  };
}

/** The step for a source whose value passed (or, migrated, now passes) the schema. */
export function hitStep(
  source: ConfigSource,
  entry: SourceEntry,
  schema: ConfigDefinition<unknown>["schema"],
  value: unknown,
  status: "hit" | "migrated",
): ExplainStep {
  return {
    source: source.name,
    status,
    locator: entry.locator,
    ...timestamps(entry),
    value: redacted(schema, value),
    winner: true,
  };
}

/**
 * `redact(schema, value)`, except that a value nested too deeply to walk
 * shows as `"<redacted>"` whole, so explain never throws for what a value
 * is and never shows what it could not check for secrets.
 */
export function redacted(
  schema: ConfigDefinition<unknown>["schema"],
  value: unknown,
): unknown {
  try {
    return redact(schema, value);
  } catch (error) {
    if (isStackOverflow(error)) return REDACTED;
    throw error;
  }
}

/** The step for a source whose value fails the schema. */
export function invalidStep(
  source: ConfigSource,
  entry: SourceEntry,
  issues: readonly ValidationIssue[],
): ExplainStep {
  return {
    source: source.name,
    status: "invalid",
    locator: entry.locator,
    ...timestamps(entry),
    issues,
    winner: false,
  };
}

/** The step for a source that does not have the key. */
export function missStep(source: ConfigSource, key: string): ExplainStep {
  const locator = source.locate?.(key);
  return {
    source: source.name,
    status: "miss",
    ...(locator === undefined ? {} : { locator }),
    winner: false,
  };
}

/** The entry's `updatedAt`, `version` and cache state, where the source has them. */
function timestamps(
  entry: SourceEntry,
): { updatedAt?: string; version?: number; cache?: SourceCacheInfo } {
  return {
    ...(entry.updatedAt === undefined ? {} : { updatedAt: entry.updatedAt }),
    ...(entry.version === undefined ? {} : { version: entry.version }),
    ...(entry.cached === undefined ? {} : { cache: entry.cached }),
  };
}
