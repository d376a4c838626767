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
 * @module
 */
export {
  type ConfigDefinition,
  type ConfigDefinitionOptions,
  defineConfig,
} from "./config.ts";
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
export {
  currentManager,
  defaultManager,
  get,
  getOrPrompt,
  init,
  reset,
  set,
} from "./global.ts";
export { isValidKey, MAX_KEY_LENGTH, validateKey } from "./key.ts";
export type { ExplainStatus, ExplainStep, Explanation } from "./explain.ts";
export {
  ConfigManager,
  type Resolution,
  type ResolveOptions,
  type SetOptions,
} from "./manager.ts";
export {
  DATA_DIR_ENV_VARS,
  dataDir,
  type DataDirOptions,
  defaultDbPath,
} from "./paths.ts";
export { persistedValue } from "./persisted_value.ts";
export {
  type PermissionDescriptor,
  permissionFlag,
  permissionFlags,
  withPermission,
} from "./permissions.ts";
export {
  containsSecret,
  isSecret,
  redact,
  REDACTED,
  secret,
  unwrapSchema,
} from "./secret.ts";
export type { ConfigSource, SourceEntry } from "./source.ts";
export {
  DEFAULT_ENV_PREFIX,
  EnvSource,
  type EnvSourceOptions,
} from "./sources/env.ts";
export { LocalFileSource } from "./sources/local_file.ts";
export { MemorySource } from "./sources/memory.ts";
export {
  type PromptRequest,
  PromptSource,
  type PromptSourceOptions,
} from "./sources/prompt.ts";
export type { PromptAnswer } from "./prompting/ask.ts";
export {
  type SqliteKeyInfo,
  SqliteSource,
  type SqliteSourceOptions,
} from "./sources/sqlite.ts";
export { StoreSource, type StoreSourceOptions } from "./sources/store.ts";
export type { SecretEntry, SecretStore } from "./stores/secret_store.ts";
export {
  formatPath,
  validate,
  validateAsync,
  type ValidationResult,
} from "./validation.ts";
