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
} from "./errors.ts";
import type { Explanation } from "./explain.ts";
import type { Resolution, ResolveOptions } from "./resolution.ts";
import type { ConfigSource } from "./source.ts";
import type { ConfigWatch, WatchOptions } from "./watch.ts";
import { resolve, writeTarget } from "./_internal/resolver.ts";
import { sourceFailure } from "./_internal/safe_error.ts";
import { SnapshotCache } from "./_internal/snapshot_cache.ts";
import { validateSyncFirst } from "./_internal/validate.ts";
import { KeyWatch } from "./_internal/watch.ts";

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
  readonly #snapshots = new SnapshotCache();
  readonly #watches = new Set<KeyWatch<unknown, unknown>>();

  /** @param sources The chain, asked in order. */
  constructor(sources: readonly ConfigSource[]) {
    this.sources = Object.freeze([...sources]);
  }

  /**
   * Returns the value for `def`, validated and typed.
   *
   * A value of plain data (what JSON holds) is returned deep-frozen, and the
   * same object is returned again for as long as every source the answer
   * depended on proves nothing changed (see {@linkcode ConfigSource.stamp}):
   * such a `get` reads nothing. A change any process committed is seen by
   * the next `get`. A value with a Date, Map or class instance in it (from
   * a transform or coercion) is read and parsed anew at every `get`, and
   * is the caller's own.
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
   *
   * @example The value is frozen; change a copy
   * ```ts
   * import { ConfigManager, defineConfig, MemorySource } from "@harmony/config";
   * import { z } from "zod";
   * import assert from "node:assert/strict";
   *
   * const Db = defineConfig({ key: "Db", schema: z.object({ host: z.string() }) });
   * const manager = new ConfigManager([new MemorySource({ Db: { host: "db" } })]);
   * const db = await manager.get(Db);
   * assert.ok(Object.isFrozen(db));
   * assert.equal(await manager.get(Db), db); // nothing changed: the same snapshot
   * const local = { ...structuredClone(db), host: "localhost" };
   * assert.equal(local.host, "localhost");
   * ```
   */
  get<T, I>(def: ConfigDefinition<T, I>): Promise<T> {
    if (this.#closed) return Promise.reject(closedError());
    return this.#snapshots.get(this.sources, def);
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
    this.#snapshots.forget(def.key);
    if (def.layering === "fields") {
      // Only the fields this source holds or that changed: never a copy
      // of what another source holds (a secret in OpenBao or an env var).
      // Loaded here, as only fields-mode definitions need it.
      const { storeFields } = await import("./_internal/layered_write.ts");
      await storeFields(this.sources, target, def, value, result.value);
    } else {
      // Loaded here: a program (or a CLI command) that only reads never
      // loads the write path.
      const { store } = await import("./_internal/storage.ts");
      await store(
        target,
        def,
        value,
        result.value,
        "the value passed to set()",
      );
    }
    this.#snapshots.forget(def.key);
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
    const value = await getOrPrompt(this.sources, def);
    this.#snapshots.forget(def.key);
    return value;
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
    try {
      for (const source of this.sources) {
        if (!source.persists) continue;
        try {
          if (await source.delete(def.key)) removed = true;
        } catch (error) {
          throw sourceFailure(error, source.name, def.key);
        }
      }
    } finally {
      this.#snapshots.forget(def.key);
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
  async explain<T, I>(def: ConfigDefinition<T, I>): Promise<Explanation> {
    this.#assertOpen();
    // Loaded here, as only explain() (and the CLI's explain) needs it.
    const { explain } = await import("./_internal/explain.ts");
    return await explain(this.sources, def);
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
   * Watches `def`: an async iterable of `WatchEvent`s, as
   * `Deno.watchFs` and `fs.promises.watch` are. The first event is the
   * current state; then one event per real change, made by any process:
   * `harmony-config set`, another program or the Rust crate writing the
   * same SQLite file, an editor saving `<KEY>.json` (atomic rename
   * included), a new OpenBao version. When any source of the chain reports
   * a change, the whole chain is resolved again, so a file that appears
   * above SQLite takes over, and one that goes away hands back.
   *
   * A `value` event carries the validated value (deep-frozen when it is
   * plain data) and the source that answered. A value that fails the schema
   * is an `invalid` event with a typed error that never holds the value,
   * and the last good value stays the one to use; a key no source has any
   * more is `missing`. The same state is never reported twice in a row.
   *
   * Ending the loop (`break`, `return`, a throw) or aborting
   * `options.signal` stops the watch: nothing is delivered after that, the
   * loop ends, and every timer, file watcher and poll the sources started
   * for it is released. `close()` stops every watch of the manager.
   *
   * What each source sees: SQLite, a commit by any connection (polled
   * every `watchIntervalMs`, 250 ms by default; this process's own writes
   * at once); `LocalFileSource`, any write to its directory (an OS file
   * watcher); `MemorySource`, its writes at once; `EnvSource`, only its own
   * `set` and `delete` (no other process can change this one's
   * environment); `StoreSource` over OpenBao, a new version (its metadata
   * is polled; OpenBao has no push).
   *
   * @param def The definition.
   * @param options `signal`: aborting it stops the watch.
   * @returns The events.
   *
   * @example Print a value whenever it changes
   * ```ts
   * import { ConfigManager, defineConfig, MemorySource } from "@harmony/config";
   * import { z } from "zod";
   * import assert from "node:assert/strict";
   *
   * const Level = defineConfig({ key: "LogLevel", schema: z.enum(["info", "debug"]) });
   * const memory = new MemorySource({ LogLevel: "info" });
   * await using manager = new ConfigManager([memory]);
   * const seen: string[] = [];
   * for await (const event of manager.watch(Level)) {
   *   if (event.kind !== "value") continue;
   *   seen.push(event.value);
   *   if (event.value === "info") await memory.set("LogLevel", "debug");
   *   else break;
   * }
   * assert.deepEqual(seen, ["info", "debug"]);
   * ```
   */
  watch<T, I>(
    def: ConfigDefinition<T, I>,
    options: WatchOptions = {},
  ): ConfigWatch<T> {
    this.#assertOpen();
    const watch: KeyWatch<T, I> = new KeyWatch(
      this.sources,
      def,
      options,
      () => this.#watches.delete(watch as KeyWatch<unknown, unknown>),
    );
    this.#watches.add(watch as KeyWatch<unknown, unknown>);
    return watch;
  }

  /**
   * Stops every watch, then closes every source. Safe to call more than
   * once.
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
    await Promise.all([...this.#watches].map((watch) => watch.stop()));
    this.#snapshots.clear();
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
    if (this.#closed) throw closedError();
  }
}

function closedError(): ConfigError {
  return new ConfigError("This ConfigManager is closed: create a new one");
}
