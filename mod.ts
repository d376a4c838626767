/**
 * Typed configuration from an ordered chain of sources: env vars, local
 * files, SQLite (shared with Harmony's Rust `harmony_config` crate), memory,
 * prompts and secret stores such as OpenBao.
 *
 * ```ts
 * import { ConfigManager, defineConfig, EnvSource, MemorySource, secret } from "@harmony/config";
 * import { z } from "zod";
 * import assert from "node:assert/strict";
 *
 * const Postgres = defineConfig({
 *   key: "PostgresConfig", // env HARMONY_CONFIG_PostgresConfig, file PostgresConfig.json, DB key
 *   schema: z.object({
 *     host: z.string(),
 *     port: z.number().int().default(5432),
 *     password: secret(z.string()),
 *   }),
 * });
 *
 * // Real programs use `await SqliteSource.open()` where MemorySource is.
 * await using manager = new ConfigManager([new EnvSource({ env: {} }), new MemorySource()]);
 * await manager.set(Postgres, { host: "db", password: "s3cret" });
 * assert.equal((await manager.get(Postgres)).port, 5432);
 * ```
 *
 * The public surface is chosen, not accumulated: `docs/public-api.md` lists
 * every symbol of every entry point with one line on why it is public, and
 * `deno task check` fails when an entry point exports anything else. Tests
 * that need answers to prompts without a terminal use
 * `@harmony/config/testing`.
 *
 * @module
 */
export {
  type ConfigDefinition,
  type ConfigDefinitionOptions,
  defineConfig,
} from "./config.ts";
export { ConfigManager, type SetOptions } from "./manager.ts";
export type { ConfigWatch, WatchEvent, WatchOptions } from "./watch.ts";
export type { Resolution, ResolveOptions } from "./resolution.ts";
export {
  currentManager,
  defaultManager,
  get,
  getOrPrompt,
  init,
  reset,
  set,
} from "./global.ts";
export { redact, REDACTED, secret } from "./secret.ts";
export { validate, type ValidationResult } from "./validation.ts";
export { toJsonSchema } from "./json_schema.ts";
export type {
  ExplainLeaf,
  ExplainStatus,
  ExplainStep,
  Explanation,
} from "./explain.ts";
export { dataDir, type DataDirOptions, defaultDbPath } from "./paths.ts";
export { permissionFlags, withPermission } from "./permissions.ts";
export { validateKey } from "./key.ts";
export type {
  ConfigSource,
  FieldEntry,
  FieldSpec,
  PermissionDescriptor,
  SourceCacheInfo,
  SourceEntry,
} from "./source.ts";
export { EnvSource, type EnvSourceOptions } from "./sources/env.ts";
export {
  LocalFileSource,
  type LocalFileSourceOptions,
} from "./sources/local_file.ts";
export { MemorySource } from "./sources/memory.ts";
export {
  type SqliteKeyInfo,
  SqliteSource,
  type SqliteSourceOptions,
} from "./sources/sqlite.ts";
export {
  type StoreCacheOptions,
  StoreSource,
  type StoreSourceOptions,
} from "./sources/store.ts";
export {
  type PromptRequest,
  PromptSource,
  type PromptSourceOptions,
} from "./sources/prompt.ts";
export type { SecretEntry, SecretStore } from "./stores/secret_store.ts";
export {
  ConfigError,
  type ConfigErrorOptions,
  ConfigNotFoundError,
  ConfigPermissionError,
  ConfigSourceError,
  ConfigValidationError,
  InvalidKeyError,
  LoginError,
  PromptCancelledError,
  PromptUnavailableError,
  SourceUnavailableError,
  type ValidationIssue,
} from "./errors.ts";
