/**
 * What `ConfigManager.explain` reports: one step per source.
 *
 * @module
 */
import type { ValidationIssue } from "./errors.ts";
import type { SourceCacheInfo } from "./source.ts";

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
  /**
   * Set when the value came from the source's in-memory cache
   * (`StoreSource` with `cache`): `fresh` within its TTL, or `stale` (the
   * store is unavailable, and `reason` says why), with its age.
   */
  readonly cache?: SourceCacheInfo;
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
 * Where one field of a definition with `layering: "fields"` came from, in
 * {@linkcode Explanation.leaves}.
 *
 * @example See which source set each field
 * ```ts
 * import { ConfigManager, defineConfig, EnvSource, type ExplainLeaf, MemorySource, secret } from "@harmony/config";
 * import { z } from "zod";
 * import assert from "node:assert/strict";
 *
 * const Db = defineConfig({
 *   key: "Db",
 *   schema: z.object({ host: z.string(), port: z.number().default(5432), password: secret(z.string()) }),
 *   layering: "fields",
 * });
 * const manager = new ConfigManager([
 *   new EnvSource({ env: { HARMONY_CONFIG_Db__host: "replica" } }),
 *   new MemorySource({ Db: { host: "primary", password: "s3cret" } }),
 * ]);
 * const leaves: readonly ExplainLeaf[] = (await manager.explain(Db)).leaves ?? [];
 * assert.deepEqual(leaves, [
 *   { path: "host", source: "env", locator: "HARMONY_CONFIG_Db__host", value: "replica" },
 *   { path: "port", source: "defaults", value: 5432 },
 *   { path: "password", source: "memory", locator: "memory:Db", value: "<redacted>" },
 * ]);
 * ```
 */
export interface ExplainLeaf {
  /** The field's path, as issues print it: `db.host`. */
  readonly path: string;
  /** The name of the source that set it, or `defaults` when the schema's default did. */
  readonly source: string;
  /** Where it was read: an env var, a file, a DB row, a store path. */
  readonly locator?: string;
  /** Its value, with secrets redacted. */
  readonly value?: unknown;
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
  /**
   * For a definition with `layering: "fields"`: each field the schema
   * declares that has a value, in schema order, with the source that set
   * it. In fields mode `answeredBy` is the first source that set a field,
   * and every step that set one is a `winner`.
   */
  readonly leaves?: readonly ExplainLeaf[];
}
