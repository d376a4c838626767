/**
 * `ConfigManager`: resolves typed values through an ordered chain of sources.
 *
 * @module
 */
import type { ConfigDefinition } from "./config.ts";
import { lazyEntry, readEntry } from "./entry.ts";
import {
  ConfigError,
  ConfigNotFoundError,
  ConfigSourceError,
  ConfigValidationError,
  SourceUnavailableError,
  type ValidationIssue,
} from "./errors.ts";
import {
  describeError,
  type ExplainStep,
  type Explanation,
  hitStep,
  inspectSource,
  invalidStep,
  missStep,
} from "./explain.ts";
import { migrate } from "./migration.ts";
import { getOrPrompt as promptForMissing } from "./prompting/get_or_prompt.ts";
import { persistedValue } from "./persisted_value.ts";
import { redact, unwrapSchema } from "./secret.ts";
import type { ConfigSource, SourceEntry } from "./source.ts";
import { DEFAULT_ENV_PREFIX, EnvSource } from "./sources/env.ts";
import {
  validate,
  validateAsync,
  validateSyncFirst,
  type ValidationResult,
} from "./validation.ts";

/**
 * How a key resolved, for code that builds on `ConfigManager` (prompting,
 * the CLI). `get` turns every kind but `found` and `defaults` into an error.
 *
 * @example Handle every outcome without exceptions
 * ```ts
 * import { type ConfigDefinition, ConfigManager, defineConfig, MemorySource, type Resolution } from "@harmony/config";
 * import { z } from "zod";
 * import assert from "node:assert/strict";
 *
 * async function status<T, I>(manager: ConfigManager, def: ConfigDefinition<T, I>): Promise<string> {
 *   const resolution: Resolution<T> = await manager.resolve(def);
 *   switch (resolution.kind) {
 *     case "found":
 *       return `from ${resolution.source.name}`;
 *     case "defaults":
 *       return "from the schema's defaults";
 *     case "invalid":
 *       return `invalid at ${resolution.locator}: ${resolution.issues.map((i) => i.path).join(", ")}`;
 *     case "missing":
 *       return `missing (${resolution.unavailable.length} sources unavailable)`;
 *   }
 * }
 *
 * const manager = new ConfigManager([new MemorySource({ Db: { port: "80" } })]);
 * const Db = defineConfig({ key: "Db", schema: z.object({ port: z.number() }) });
 * const Retries = defineConfig({ key: "Retries", schema: z.number().default(3) });
 * const Host = defineConfig({ key: "Host", schema: z.string() });
 * assert.equal(await status(manager, Db), "invalid at memory:Db: port");
 * assert.equal(await status(manager, Retries), "from the schema's defaults");
 * assert.equal(await status(manager, Host), "missing (0 sources unavailable)");
 * ```
 */
export type Resolution<T> =
  | {
    readonly kind: "found";
    readonly value: T;
    readonly source: ConfigSource;
    readonly migrated: boolean;
  }
  | { readonly kind: "defaults"; readonly value: T }
  | {
    readonly kind: "invalid";
    readonly source: ConfigSource;
    readonly locator: string;
    readonly raw: unknown;
    readonly issues: readonly ValidationIssue[];
  }
  | {
    readonly kind: "missing";
    readonly unavailable: readonly SourceUnavailableError[];
  };

/**
 * Options for {@linkcode ConfigManager.set}.
 *
 * @example Write to a chosen source rather than the first that persists
 * ```ts
 * import { ConfigManager, defineConfig, MemorySource } from "@harmony/config";
 * import { z } from "zod";
 * import assert from "node:assert/strict";
 *
 * const Name = defineConfig({ key: "Name", schema: z.string() });
 * const first = new MemorySource();
 * const second = new MemorySource();
 * const manager = new ConfigManager([first, second]);
 * await manager.set(Name, "harmony", { target: second });
 * assert.equal(await second.get("Name"), "harmony");
 * assert.equal(await first.get("Name"), undefined);
 * ```
 */
export interface SetOptions {
  /** The source to write to; default the first source that persists. */
  readonly target?: ConfigSource;
}

/**
 * Options for {@linkcode ConfigManager.resolve}.
 *
 * @example Resolve as explain() does: collect the steps, write nothing back
 * ```ts
 * import { ConfigManager, defineConfig, type ExplainStep, MemorySource } from "@harmony/config";
 * import { z } from "zod";
 * import assert from "node:assert/strict";
 *
 * const Port = defineConfig({ key: "Port", schema: z.number(), migrate: (old) => Number(old) });
 * const store = new MemorySource({ Port: "80" });
 * const manager = new ConfigManager([store]);
 * const steps: ExplainStep[] = [];
 * const resolution = await manager.resolve(Port, { steps, writeBack: false });
 * assert.equal(resolution.kind, "found");
 * assert.equal(steps[0]?.status, "migrated");
 * assert.equal(await store.get("Port"), "80");
 * ```
 */
export interface ResolveOptions {
  /** Receives what each source asked said, as `explain` reports it. */
  readonly steps?: ExplainStep[];
  /** Whether a migrated value is written back. Default `true`; `explain` passes `false`. */
  readonly writeBack?: boolean;
}

/**
 * Resolves typed configuration through an ordered chain of sources.
 *
 * The first source that has the key answers with its whole value, which the
 * schema then validates (filling defaults). A value that fails the schema is
 * an error, never skipped. When no source has the key but the schema accepts
 * an empty value, the defaults answer.
 *
 * @example Env overrides SQLite
 * ```ts
 * import { ConfigManager, defineConfig, EnvSource, MemorySource } from "@harmony/config";
 * import { z } from "zod";
 * import assert from "node:assert/strict";
 *
 * const Port = defineConfig({ key: "Port", schema: z.number() });
 * const env: Record<string, string> = {};
 * const manager = new ConfigManager([new EnvSource({ env }), new MemorySource()]);
 *
 * await manager.set(Port, 8080); // written to the first source that persists
 * assert.equal(await manager.get(Port), 8080);
 * env.HARMONY_CONFIG_Port = "9090";
 * assert.equal(await manager.get(Port), 9090);
 * assert.equal((await manager.explain(Port)).answeredBy, "env");
 * ```
 */
export class ConfigManager {
  /** The sources, in the order they are asked. */
  readonly sources: readonly ConfigSource[];
  #closed = false;

  /** @param sources The chain, asked in order. */
  constructor(sources: readonly ConfigSource[]) {
    this.sources = Object.freeze([...sources]);
  }

  /**
   * Returns the value for `def`, validated and typed.
   *
   * @param def The definition.
   * @returns The parsed value.
   * @throws {ConfigNotFoundError} When no source has the key and the schema has no defaults.
   * @throws {ConfigValidationError} When the value that answered fails the schema.
   *
   * @example
   * ```ts
   * import { ConfigManager, defineConfig, MemorySource } from "@harmony/config";
   * import { z } from "zod";
   * import assert from "node:assert/strict";
   *
   * const Db = defineConfig({
   *   key: "Db",
   *   schema: z.object({ host: z.string(), port: z.number().default(5432) }),
   * });
   * const manager = new ConfigManager([new MemorySource({ Db: { host: "db" } })]);
   * assert.deepEqual(await manager.get(Db), { host: "db", port: 5432 });
   * ```
   */
  get<T, I>(def: ConfigDefinition<T, I>): Promise<T> {
    try {
      const hit = this.#syncHit(def);
      if (hit !== undefined) return Promise.resolve(hit.value);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#resolveForGet(def);
  }

  /**
   * The common case of `get` without a promise hop per source: every source
   * up to the one that answers offers `getSync`, and the value passes a
   * synchronous schema. Anything else (a miss everywhere, an invalid value,
   * a migration, an async schema or source) returns `undefined` and `get`
   * takes the full path, so both agree on every outcome.
   */
  #syncHit<T, I>(def: ConfigDefinition<T, I>): { value: T } | undefined {
    this.#assertOpen();
    for (const source of this.sources) {
      if (source.getSync === undefined) return undefined;
      let value: unknown;
      try {
        value = source.getSync(def.key);
      } catch (error) {
        if (error instanceof SourceUnavailableError) return undefined;
        throw error;
      }
      if (value === undefined) continue;
      let checked: ValidationResult<T>;
      try {
        checked = validate(def.schema, value);
      } catch {
        // An async refinement or transform: the full path awaits it.
        return undefined;
      }
      return checked.ok ? { value: checked.value } : undefined;
    }
    return undefined;
  }

  async #resolveForGet<T, I>(def: ConfigDefinition<T, I>): Promise<T> {
    const resolution = await this.resolve(def);
    switch (resolution.kind) {
      case "found":
      case "defaults":
        return resolution.value;
      case "invalid":
        throw this.invalidValue(def.key, resolution);
      case "missing":
        throw this.notFound(def.key, resolution.unavailable);
    }
  }

  /**
   * Validates `value`, then writes the parsed value to the first source that
   * persists, or to `options.target`.
   *
   * @param def The definition.
   * @param value The value; fields with defaults may be left out.
   * @param options `target`: the source to write to instead, such as the one
   * a CLI's `--source` names.
   * @returns The parsed value that was stored.
   * @throws {ConfigValidationError} When the value fails the schema; nothing is written.
   * @throws {ConfigSourceError} When no source in the chain persists.
   *
   * @example
   * ```ts
   * import { ConfigManager, defineConfig, MemorySource } from "@harmony/config";
   * import { z } from "zod";
   * import assert from "node:assert/strict";
   *
   * const Name = defineConfig({ key: "Name", schema: z.string().min(1) });
   * const manager = new ConfigManager([new MemorySource()]);
   * await manager.set(Name, "harmony");
   * await assert.rejects(manager.set(Name, ""));
   * ```
   */
  async set<T, I>(
    def: ConfigDefinition<T, I>,
    value: I,
    options: SetOptions = {},
  ): Promise<T> {
    const target = options.target ?? this.persistentSource(def.key);
    const result = await validateAsync(def.schema, value);
    if (!result.ok) {
      throw new ConfigValidationError(
        def.key,
        "the value passed to set()",
        result.issues,
        "pass a value that matches the schema; nothing was stored",
      );
    }
    await target.set(
      def.key,
      await persistedValue(def.schema, value, result.value),
    );
    return result.value;
  }

  /**
   * Like `get`, but asks for a missing value through the chain's
   * `PromptSource` (one question per schema field), validates it and
   * persists it to the first source that persists. A stored value that
   * fails the schema is asked for again in a terminal, with its still-valid
   * fields pre-filled, and overwritten where it was stored.
   *
   * @param def The definition.
   * @returns The parsed value.
   * @throws {ConfigNotFoundError} When the value is missing and the chain has no `PromptSource`.
   * @throws {PromptUnavailableError} When the value is missing and stdin is not a terminal.
   * @throws {ConfigValidationError} When the stored value fails the schema and cannot be asked for.
   * @throws {PromptCancelledError} On Ctrl-C or closed input; nothing is persisted.
   *
   * @example A value that is already set is never asked for
   * ```ts
   * import { ConfigManager, defineConfig, EnvSource, MemorySource, PromptSource } from "@harmony/config";
   * import { z } from "zod";
   * import assert from "node:assert/strict";
   *
   * const Port = defineConfig({ key: "Port", schema: z.number() });
   * const manager = new ConfigManager([
   *   new EnvSource({ env: { HARMONY_CONFIG_Port: "8080" } }),
   *   new MemorySource(),
   *   new PromptSource(),
   * ]);
   * assert.equal(await manager.getOrPrompt(Port), 8080);
   * ```
   */
  getOrPrompt<T, I>(def: ConfigDefinition<T, I>): Promise<T> {
    return promptForMissing(this, def);
  }

  /**
   * Removes the key from every source that persists.
   *
   * @param def The definition.
   * @returns `true` when any source held the key.
   *
   * @example
   * ```ts
   * import { ConfigManager, defineConfig, MemorySource } from "@harmony/config";
   * import { z } from "zod";
   * import assert from "node:assert/strict";
   *
   * const Name = defineConfig({ key: "Name", schema: z.string() });
   * const manager = new ConfigManager([new MemorySource({ Name: "a" })]);
   * assert.equal(await manager.delete(Name), true);
   * assert.equal(await manager.delete(Name), false);
   * ```
   */
  async delete<T, I>(def: ConfigDefinition<T, I>): Promise<boolean> {
    let removed = false;
    for (const source of this.sources) {
      if (source.persists && await source.delete(def.key)) removed = true;
    }
    return removed;
  }

  /**
   * Reports which source answers for `def` and what every source in the
   * chain said, with secrets redacted. It resolves exactly as `get` does,
   * including writing back a migrated value, but never throws for what a
   * source says: failures are reported in the steps and in `error`.
   *
   * @param def The definition.
   * @returns The explanation.
   *
   * @example
   * ```ts
   * import { ConfigManager, defineConfig, EnvSource, MemorySource, secret } from "@harmony/config";
   * import { z } from "zod";
   * import assert from "node:assert/strict";
   *
   * const Db = defineConfig({
   *   key: "Db",
   *   schema: z.object({ user: z.string(), password: secret(z.string()) }),
   * });
   * const manager = new ConfigManager([
   *   new EnvSource({ env: {} }),
   *   new MemorySource({ Db: { user: "app", password: "hunter2" } }),
   * ]);
   * const how = await manager.explain(Db);
   * assert.equal(how.answeredBy, "memory");
   * assert.deepEqual(how.value, { user: "app", password: "<redacted>" });
   * assert.deepEqual(how.steps.map((s) => s.status), ["miss", "hit"]);
   * ```
   */
  async explain<T, I>(def: ConfigDefinition<T, I>): Promise<Explanation> {
    const steps: ExplainStep[] = [];
    let resolution: Resolution<T> | undefined;
    let error: unknown;
    try {
      resolution = await this.resolve(def, { steps, writeBack: false });
    } catch (caught) {
      error = caught;
    }
    // Keep asking the sources after the one that decided, so the report
    // shows what each of them holds too.
    for (const source of this.sources.slice(steps.length)) {
      steps.push(await inspectSource(def, source));
    }
    const key = def.key;
    if (resolution?.kind === "found") {
      return {
        key,
        answeredBy: resolution.source.name,
        value: redact(def.schema, resolution.value),
        steps,
      };
    }
    if (resolution?.kind === "defaults") {
      return {
        key,
        answeredBy: "defaults",
        value: redact(def.schema, resolution.value),
        steps,
      };
    }
    if (resolution?.kind === "invalid") {
      error = this.invalidValue(key, resolution);
    } else if (resolution?.kind === "missing") {
      error = this.notFound(key, resolution.unavailable);
    }
    return {
      key,
      answeredBy: undefined,
      steps,
      error: error instanceof ConfigError
        ? error.message
        : describeError(error),
    };
  }

  /**
   * Resolves `def` without throwing for a missing or invalid value, for code
   * that builds on the manager. A migrated value is written back to the
   * source that held it when that source persists, unless `writeBack` is
   * `false`; a write-back that fails leaves the old value for the next read
   * to migrate again, and never fails the read.
   *
   * @param def The definition.
   * @param options `steps` receives what each source asked said;
   * `writeBack: false` keeps a migration from writing (as `explain` does).
   * @returns How the key resolved.
   * @throws {ConfigError} When a source fails (other than being unavailable).
   *
   * @example
   * ```ts
   * import { ConfigManager, defineConfig, MemorySource } from "@harmony/config";
   * import { z } from "zod";
   * import assert from "node:assert/strict";
   *
   * const Name = defineConfig({ key: "Name", schema: z.string() });
   * const manager = new ConfigManager([new MemorySource()]);
   * assert.equal((await manager.resolve(Name)).kind, "missing");
   * ```
   */
  async resolve<T, I>(
    def: ConfigDefinition<T, I>,
    options: ResolveOptions = {},
  ): Promise<Resolution<T>> {
    const { steps, writeBack = true } = options;
    this.#assertOpen();
    const key = def.key;
    const unavailable: SourceUnavailableError[] = [];
    for (const source of this.sources) {
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
        steps?.push({
          source: source.name,
          status: "unavailable",
          reason: error.reason,
          winner: false,
        });
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
        return {
          kind: "found",
          value: migration.value,
          source,
          migrated: true,
        };
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
      };
    }
    const defaults = await defaultValue(def);
    if (defaults !== undefined) {
      return { kind: "defaults", value: defaults.value };
    }
    return { kind: "missing", unavailable };
  }

  /**
   * Returns the first source that persists, where `set` and `getOrPrompt` write.
   *
   * @param key The key about to be written, for the error.
   * @returns The source.
   * @throws {ConfigSourceError} When no source persists.
   *
   * @example
   * ```ts
   * import { ConfigManager, EnvSource, MemorySource } from "@harmony/config";
   * import assert from "node:assert/strict";
   *
   * const manager = new ConfigManager([new EnvSource({ env: {} }), new MemorySource()]);
   * assert.equal(manager.persistentSource("Db").name, "memory");
   * ```
   */
  persistentSource(key: string): ConfigSource {
    const target = this.sources.find((source) => source.persists);
    if (target === undefined) {
      throw new ConfigSourceError(
        `Cannot store key "${key}": no source in the chain [${
          this.sources.map((s) => s.name).join(", ")
        }] persists: add SqliteSource or LocalFileSource to the ConfigManager`,
        { key },
      );
    }
    return target;
  }

  /**
   * Builds the {@linkcode ConfigNotFoundError} for a key no source has,
   * naming the sources that were unavailable.
   *
   * @param key The key.
   * @param unavailable The sources that could not be reached.
   * @returns The error.
   *
   * @example
   * ```ts
   * import { ConfigManager, EnvSource } from "@harmony/config";
   * import assert from "node:assert/strict";
   *
   * const manager = new ConfigManager([new EnvSource({ env: {} })]);
   * assert.match(manager.notFound("Db", []).message, /HARMONY_CONFIG_Db/);
   * ```
   */
  notFound(
    key: string,
    unavailable: readonly SourceUnavailableError[],
  ): ConfigNotFoundError {
    const hint = unavailable.length > 0
      ? unavailable.map((e) => e.message).join("; ")
      : undefined;
    return new ConfigNotFoundError(
      key,
      this.sources.map((source) => source.name),
      hint,
      this.envVar(key),
    );
  }

  /**
   * Builds the {@linkcode ConfigValidationError} for a value that fails its
   * schema, with a fix that fits where it is: an env var is changed, a
   * stored value is corrected, deleted or migrated.
   *
   * @param key The key.
   * @param invalid Where the value is and what fails.
   * @returns The error; it lists paths and messages, never the value.
   *
   * @example
   * ```ts
   * import { ConfigManager, EnvSource } from "@harmony/config";
   * import assert from "node:assert/strict";
   *
   * const env = new EnvSource({ env: {} });
   * const manager = new ConfigManager([env]);
   * const error = manager.invalidValue("Port", {
   *   source: env,
   *   locator: "HARMONY_CONFIG_Port",
   *   issues: [{ path: "", message: "Invalid input: expected number, received string" }],
   * });
   * assert.match(error.message, /change HARMONY_CONFIG_Port/);
   * ```
   */
  invalidValue(
    key: string,
    invalid: {
      readonly source: ConfigSource;
      readonly locator: string;
      readonly issues: readonly ValidationIssue[];
    },
  ): ConfigValidationError {
    const fix = invalid.source.persists
      ? `correct or delete the value at ${invalid.locator}, or add a migrate() to the definition of "${key}"`
      : `change ${invalid.locator} to match the schema`;
    return new ConfigValidationError(key, invalid.locator, invalid.issues, fix);
  }

  /**
   * Returns the env var that would provide `key`, following the prefix of
   * the chain's `EnvSource` (`HARMONY_CONFIG_<KEY>` by default).
   *
   * @param key The key.
   * @returns The variable name.
   *
   * @example
   * ```ts
   * import { ConfigManager, EnvSource } from "@harmony/config";
   * import assert from "node:assert/strict";
   *
   * const manager = new ConfigManager([new EnvSource({ prefix: "APP_", env: {} })]);
   * assert.equal(manager.envVar("Db"), "APP_Db");
   * ```
   */
  envVar(key: string): string {
    const env = this.sources.find((source) => source instanceof EnvSource);
    return env instanceof EnvSource
      ? env.locate(key)
      : `${DEFAULT_ENV_PREFIX}${key}`;
  }

  /**
   * Closes every source. Safe to call more than once.
   *
   * @example
   * ```ts
   * import { ConfigManager, MemorySource } from "@harmony/config";
   *
   * const manager = new ConfigManager([new MemorySource()]);
   * await manager.close();
   * ```
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const failures: unknown[] = [];
    for (const source of this.sources) {
      try {
        await source.close?.();
      } catch (error) {
        failures.push(error);
      }
    }
    if (failures.length > 0) {
      throw new ConfigSourceError(
        `${failures.length} of ${this.sources.length} sources failed to close: the process may still hold their files or connections`,
        { cause: new AggregateError(failures) },
      );
    }
  }

  /** Closes every source at the end of an `await using` block. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #assertOpen(): void {
    if (this.#closed) {
      throw new ConfigError("This ConfigManager is closed: create a new one");
    }
  }
}

/**
 * The value the schema gives when no source has the key: what it parses
 * `undefined` to, or, for an object whose fields all have defaults, `{}`.
 */
async function defaultValue<T, I>(
  def: ConfigDefinition<T, I>,
): Promise<{ value: T } | undefined> {
  const fromNothing = await validateAsync(def.schema, undefined);
  if (fromNothing.ok && fromNothing.value !== undefined) {
    return { value: fromNothing.value };
  }
  if (unwrapSchema(def.schema)._zod.def.type !== "object") return undefined;
  const fromEmpty = await validateAsync(def.schema, {});
  return fromEmpty.ok ? { value: fromEmpty.value } : undefined;
}
