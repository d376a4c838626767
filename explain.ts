/**
 * What `ConfigManager.explain` reports: one step per source, and the
 * builders that turn what a source said into a step.
 *
 * @module
 */
import type { ConfigDefinition } from "./config.ts";
import {
  ConfigError,
  ConfigValidationError,
  SourceUnavailableError,
  type ValidationIssue,
} from "./errors.ts";
import { readEntry } from "./entry.ts";
import { redact } from "./secret.ts";
import type { ConfigSource, SourceEntry } from "./source.ts";
import { validateAsync } from "./validation.ts";

/**
 * What one source said about a key in {@linkcode ConfigManager.explain}.
 *
 * @example Tell a store that is down from a key that is absent
 * ```ts
 * import { ConfigManager, defineConfig, type ExplainStatus, MemorySource, type SecretStore, SourceUnavailableError, StoreSource } from "@harmony/config";
 * import { z } from "zod";
 * import assert from "node:assert/strict";
 *
 * const down = (): Promise<never> => Promise.reject(new SourceUnavailableError("vault", "sealed"));
 * const sealed: SecretStore = { name: "vault", get: down, set: down, delete: down, keys: down };
 * const Port = defineConfig({ key: "Port", schema: z.number() });
 * const manager = new ConfigManager([new StoreSource(sealed), new MemorySource({ Port: 8080 })]);
 *
 * const statuses: ExplainStatus[] = (await manager.explain(Port)).steps.map((step) => step.status);
 * assert.deepEqual(statuses, ["unavailable", "hit"]);
 * ```
 */
export type ExplainStatus =
  | "hit"
  | "miss"
  | "invalid"
  | "migrated"
  | "unavailable"
  | "error";

/**
 * One source's answer in an {@linkcode Explanation}.
 *
 * @example Read which source answered
 * ```ts
 * import { ConfigManager, defineConfig, EnvSource, type ExplainStep, MemorySource } from "@harmony/config";
 * import { z } from "zod";
 * import assert from "node:assert/strict";
 *
 * const Port = defineConfig({ key: "Port", schema: z.number() });
 * const manager = new ConfigManager([
 *   new EnvSource({ env: { HARMONY_CONFIG_Port: "9090" } }),
 *   new MemorySource({ Port: 8080 }),
 * ]);
 * const lines = (await manager.explain(Port)).steps.map((step: ExplainStep) =>
 *   `${step.source} ${step.status} ${step.locator}${step.winner ? " <- used" : ""}`
 * );
 * assert.deepEqual(lines, [
 *   "env hit HARMONY_CONFIG_Port <- used",
 *   "memory hit memory:Port",
 * ]);
 * ```
 */
export interface ExplainStep {
  /** The source's name, such as `env` or `sqlite:/abs/config.db`. */
  readonly source: string;
  /** What the source said. */
  readonly status: ExplainStatus;
  /** Where the key lives in that source: env var, file path, DB row, store path. */
  readonly locator?: string;
  /** When the value was last written, where the source records it. */
  readonly updatedAt?: string;
  /** The stored version, where the source keeps versions. */
  readonly version?: number;
  /** The value, with secrets redacted; only on `hit` and `migrated`. */
  readonly value?: unknown;
  /** Why the source was unavailable or failed. */
  readonly reason?: string;
  /** The failing paths, on `invalid`. */
  readonly issues?: readonly ValidationIssue[];
  /** Whether this source's value is the one `get` returns. */
  readonly winner: boolean;
}

/**
 * The report of {@linkcode ConfigManager.explain}: who answered and what every source said.
 *
 * @example Report why a key has no value, without throwing
 * ```ts
 * import { ConfigManager, defineConfig, EnvSource, type Explanation, MemorySource } from "@harmony/config";
 * import { z } from "zod";
 * import assert from "node:assert/strict";
 *
 * const Db = defineConfig({ key: "Db", schema: z.object({ host: z.string() }) });
 * const manager = new ConfigManager([new EnvSource({ env: {} }), new MemorySource()]);
 * const report: Explanation = await manager.explain(Db);
 * assert.equal(report.answeredBy, undefined); // get() would throw
 * assert.match(report.error ?? "", /set HARMONY_CONFIG_Db/);
 * ```
 */
export interface Explanation {
  /** The key. */
  readonly key: string;
  /**
   * What answered: a source name, `defaults` when the schema's defaults
   * answered, or `undefined` when `get` would throw.
   */
  readonly answeredBy: string | undefined;
  /** The resolved value with secrets redacted, when there is one. */
  readonly value?: unknown;
  /** What every source said, in chain order. */
  readonly steps: readonly ExplainStep[];
  /** The message of the error `get` would throw, when it would. */
  readonly error?: string;
}

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
    return {
      source: source.name,
      status: error instanceof SourceUnavailableError
        ? "unavailable"
        : error instanceof ConfigValidationError
        ? "invalid"
        : "error",
      reason: error instanceof SourceUnavailableError
        ? error.reason
        : describeError(error),
      ...(error instanceof ConfigValidationError
        ? { issues: error.issues }
        : {}),
      winner: false,
    };
  }
  if (entry === undefined) return missStep(source, def.key);
  const checked = await validateAsync(def.schema, entry.value);
  if (checked.ok) {
    return {
      ...hitStep(source, entry, def.schema, checked.value, "hit"),
      winner: false,
    };
  }
  return invalidStep(source, entry, checked.issues);
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
    value: redact(schema, value),
    winner: true,
  };
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

/** The entry's `updatedAt` and `version`, where the source has them. */
export function timestamps(
  entry: SourceEntry,
): { updatedAt?: string; version?: number } {
  return {
    ...(entry.updatedAt === undefined ? {} : { updatedAt: entry.updatedAt }),
    ...(entry.version === undefined ? {} : { version: entry.version }),
  };
}

/**
 * Describes an error for a report. A `ConfigError`'s message is safe by
 * construction; any other error may come from third-party code that quotes
 * a value, so only its class and code are shown.
 */
export function describeError(error: unknown): string {
  if (error instanceof ConfigError) return error.message;
  if (!(error instanceof Error)) return "unknown error";
  const code = (error as { code?: unknown }).code;
  return typeof code === "string" ? `${error.name} (${code})` : error.name;
}
