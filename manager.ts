/**
 * `ConfigManager`: resolves typed values through an ordered chain of sources.
 *
 * @module
 */
import type { ConfigDefinition } from "./config.ts";
import {
  ConfigError,
  ConfigSourceError,
  ConfigValidationError,
  SourceUnavailableError,
} from "./errors.ts";
import type { Explanation } from "./explain.ts";
import type { Resolution, ResolveOptions } from "./resolution.ts";
import type { ConfigSource } from "./source.ts";
import type { ValidationResult } from "./validation.ts";
import { explain } from "./_internal/explain.ts";
import { fieldsSyncHit } from "./_internal/fields_sync.ts";
import { resolve, writeTarget } from "./_internal/resolver.ts";
import { store } from "./_internal/storage.ts";
import { validateSync, validateSyncFirst } from "./_internal/validate.ts";

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
    if (def.layering === "fields") return fieldsSyncHit(this.sources, def);
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
        checked = validateSync(def.schema, value);
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
    if (resolution.kind === "invalid" || resolution.kind === "missing") {
      throw resolution.error;
    }
    return resolution.value;
  }

  /**
   * Validates `value`, then writes it to the first source that persists, or
   * to `options.target`, so that `get` returns exactly what
   * `def.schema.parse(value)` returns: the parsed value (defaults filled)
   * when it parses back to itself, else its `z.encode()` (a codec), else
   * the input (a transform).
   *
   * @param def The definition.
   * @param value The value; fields with defaults may be left out.
   * @param options `target`: the source to write to instead, such as the one
   * a CLI's `--source` names.
   * @returns The parsed value.
   * @throws {ConfigValidationError} When the value fails the schema, or
   * would not read back as it was set (a Map, a Date under `z.date()`, NaN):
   * the error names the path and what to use instead; nothing is written.
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
    this.#assertOpen();
    const target = options.target ?? writeTarget(this.sources, def.key);
    const result = await validateSyncFirst(def.schema, value);
    if (!result.ok) {
      throw new ConfigValidationError(
        def.key,
        "the value passed to set()",
        result.issues,
        "pass a value that matches the schema; nothing was stored",
      );
    }
    if (def.layering === "fields") {
      // Only the fields this source holds or that changed: never a copy
      // of what another source holds (a secret in OpenBao or an env var).
      // Loaded here, as only fields-mode definitions need it.
      const { storeFields } = await import("./_internal/layered_write.ts");
      await storeFields(this.sources, target, def, value, result.value);
    } else {
      await store(
        target,
        def,
        value,
        result.value,
        "the value passed to set()",
      );
    }
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
  async getOrPrompt<T, I>(def: ConfigDefinition<T, I>): Promise<T> {
    this.#assertOpen();
    // Loaded here, so that a program that only reads configuration never
    // loads any prompt code.
    const { getOrPrompt } = await import("./_internal/prompt/get_or_prompt.ts");
    return await getOrPrompt(this.sources, def);
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
   * chain said, with secrets redacted. It resolves as `get` does but writes
   * nothing: a value that `migrate()` upgrades is reported as `migrated`
   * (reason `migrated; get() writes it back`) and stays as stored until a
   * `get`. It never throws for what a source says: failures are reported
   * in the steps and in `error`.
   *
   * @param def The definition.
   * @returns The explanation.
   *
   * @example A migration is reported, not written
   * ```ts
   * import { ConfigManager, defineConfig, MemorySource } from "@harmony/config";
   * import { z } from "zod";
   * import assert from "node:assert/strict";
   *
   * const Server = defineConfig({
   *   key: "Server",
   *   schema: z.object({ url: z.string() }),
   *   migrate: (old) => ({ url: `http://${(old as { host: string }).host}` }),
   * });
   * const store = new MemorySource({ Server: { host: "a" } });
   * const manager = new ConfigManager([store]);
   * const how = await manager.explain(Server);
   * assert.equal(how.steps[0]?.status, "migrated");
   * assert.equal(how.steps[0]?.reason, "migrated; get() writes it back");
   * assert.deepEqual(await store.get("Server"), { host: "a" }); // unchanged
   * await manager.get(Server); // this writes the migrated value back
   * assert.deepEqual(await store.get("Server"), { url: "http://a" });
   * ```
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
  explain<T, I>(def: ConfigDefinition<T, I>): Promise<Explanation> {
    this.#assertOpen();
    return explain(this.sources, def);
  }

  /**
   * Resolves `def` without throwing for a missing or invalid value, for code
   * that builds on the manager. A migrated value is written back to the
   * source that held it when that source persists and has
   * `compareAndSet`, and only if it still holds the value that was read,
   * unless `writeBack` is `false`; a write-back that fails or finds a newer
   * value leaves the stored one for the next read, and never fails the
   * read. The step's `reason` says which happened.
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
  resolve<T, I>(
    def: ConfigDefinition<T, I>,
    options: ResolveOptions = {},
  ): Promise<Resolution<T>> {
    this.#assertOpen();
    return resolve(this.sources, def, options);
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
