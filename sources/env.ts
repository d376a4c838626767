/**
 * A source that reads `HARMONY_CONFIG_<KEY>` environment variables.
 *
 * @module
 */
import process from "node:process";
import {
  ConfigError,
  ConfigPermissionError,
  ConfigValidationError,
} from "../errors.ts";
import { validateKey } from "../key.ts";
import type {
  ConfigSource,
  FieldEntry,
  FieldSpec,
  PermissionDescriptor,
  SourceEntry,
} from "../source.ts";
import { parseJson, parseJsonText, toJsonText } from "../_internal/json.ts";
import { isValidKey } from "../_internal/key.ts";
import { ChangeListeners } from "../_internal/listeners.ts";
import { permissionErrorOr } from "../_internal/permission_error.ts";
import { settle } from "../_internal/promise.ts";
import { deno, isPermissionDenied } from "../_internal/runtime.ts";

/** Reads and writes variables; the process environment or a record. */
interface EnvAccess {
  get(name: string): string | undefined;
  set(name: string, value: string): void;
  delete(name: string): void;
  names(): string[];
}

/**
 * Thrown by an {@linkcode EnvAccess} for a variable whose bytes are not
 * UTF-8. It carries nothing of the variable: Deno's own error quotes it.
 */
class UndecodableVariable extends Error {}

/** What Node puts in place of each byte of the environment it cannot decode. */
const REPLACEMENT_CHARACTER = "\uFFFD";

/**
 * Reads variables through `read`. A variable that is not UTF-8 cannot be
 * read as it was set: Deno refuses it (`InvalidData`, with the value in the
 * message, also through `process.env` or a view of it), and Node decodes
 * `process.env` lossily, a U+FFFD for each bad byte. Both become
 * `UndecodableVariable`; a U+FFFD in a record that is not the process
 * environment is its own. Built once per source: each read is on the path
 * of every `get` and of every cached `get`'s `stamp`.
 */
function variableReader(
  read: (name: string) => string | undefined,
  lossy: boolean,
): (name: string) => string | undefined {
  return (name) => {
    let text: string | undefined;
    try {
      text = read(name);
    } catch (error) {
      if ((error as Error | null)?.name === "InvalidData") {
        throw new UndecodableVariable();
      }
      throw error;
    }
    if (lossy && text?.includes(REPLACEMENT_CHARACTER)) {
      throw new UndecodableVariable();
    }
    return text;
  };
}

function recordAccess(env: Record<string, string | undefined>): EnvAccess {
  const lossy = deno === undefined && env === process.env;
  return {
    // Own properties only: with a short prefix (or none) a key such as
    // `constructor` would otherwise read Object.prototype's, and a write to
    // `__proto__` would be lost.
    get: variableReader(
      (name) => Object.hasOwn(env, name) ? env[name] : undefined,
      lossy,
    ),
    set: (name, value) => {
      Object.defineProperty(env, name, {
        value,
        writable: true,
        enumerable: true,
        configurable: true,
      });
    },
    delete: (name) => {
      delete env[name];
    },
    names: () => Object.keys(env),
  };
}

/**
 * The process environment. Under Deno it goes to `Deno.env` directly:
 * `process.env` there is a proxy over it that costs a third more per read,
 * and a miss here is on the path of every read that falls through to SQLite.
 */
function processAccess(): EnvAccess {
  const denoEnv = deno?.env;
  if (denoEnv === undefined) return recordAccess(process.env);
  return {
    get: variableReader((name) => denoEnv.get(name), false),
    set: (name, value) => denoEnv.set(name, value),
    delete: (name) => denoEnv.delete(name),
    names: () => Object.keys(denoEnv.toObject()),
  };
}

/** Between the key and a field, and between levels, in a per-field variable. */
const FIELD_SEPARATOR = "__";

/** A field's variable; `shared` names the fields when two give the same name. */
interface FieldVariable {
  readonly spec: FieldSpec;
  readonly variable: string;
  readonly shared?: readonly string[];
}

/** What an unset variable stands as in a stamp that covers several. */
const UNSET = "\u0001";

/** The default prefix, shared with the Rust crate. */
const DEFAULT_PREFIX = "HARMONY_CONFIG_";

/**
 * Options for {@linkcode EnvSource}.
 *
 * @example Use your own prefix, and a fixed environment in tests
 * ```ts
 * import { ConfigManager, defineConfig, EnvSource, type EnvSourceOptions } from "@harmony/config";
 * import { z } from "zod";
 * import assert from "node:assert/strict";
 *
 * const options: EnvSourceOptions = { prefix: "MYAPP_", env: { MYAPP_Port: "8080" } };
 * const Port = defineConfig({ key: "Port", schema: z.number() });
 * const manager = new ConfigManager([new EnvSource(options)]);
 * assert.equal(await manager.get(Port), 8080);
 * assert.equal(new EnvSource(options).locate("Port"), "MYAPP_Port");
 * ```
 */
export interface EnvSourceOptions {
  /** The variable prefix; the key follows it with its case kept. Default `HARMONY_CONFIG_`. */
  prefix?: string;
  /** The environment to read; defaults to the process environment. */
  env?: Record<string, string | undefined>;
}

/**
 * Reads `HARMONY_CONFIG_<KEY>` as JSON, at every `get`, so a variable set
 * after construction is seen. It never persists: `set` changes the variable
 * in this process only.
 *
 * Watching: no other process can change this one's environment, so the
 * only changes are this process's own. `set` and `delete` are reported to
 * `watch` at once; a variable changed behind the source's back
 * (`Deno.env.set`, `process.env.X = …`, or the `env` record) is seen by
 * the next `get` (`stamp` is the variable's text) and by `watch` when
 * another source of the chain next reports a change.
 *
 * @example Override a value from the environment
 * ```ts
 * import { ConfigManager, defineConfig, EnvSource } from "@harmony/config";
 * import { z } from "zod";
 * import assert from "node:assert/strict";
 *
 * const Port = defineConfig({ key: "Port", schema: z.number() });
 * const env = { HARMONY_CONFIG_Port: "8080" };
 * const manager = new ConfigManager([new EnvSource({ env })]);
 * assert.equal(await manager.get(Port), 8080);
 * ```
 */
export class EnvSource implements ConfigSource {
  /**
   * The default prefix, `HARMONY_CONFIG_`, shared with the Rust crate.
   *
   * @example Name the variable that sets a key
   * ```ts
   * import { EnvSource } from "@harmony/config";
   * import assert from "node:assert/strict";
   *
   * const variable = `${EnvSource.DEFAULT_PREFIX}PostgresConfig`;
   * assert.equal(variable, "HARMONY_CONFIG_PostgresConfig");
   * assert.equal(new EnvSource({ env: {} }).locate("PostgresConfig"), variable);
   * ```
   */
  static readonly DEFAULT_PREFIX: string = DEFAULT_PREFIX;
  /** Always `env`. */
  readonly name: string = "env";
  /** Env vars never persist. */
  readonly persists: boolean = false;
  /** The variable prefix. */
  readonly prefix: string;
  readonly #env: EnvAccess;
  /** Variable names by key, each key validated once. */
  readonly #variables = new Map<string, string>();
  /** Per-field variable names, by the list of fields (one per schema) and key. */
  readonly #fieldCache = new WeakMap<
    readonly FieldSpec[],
    Map<string, readonly FieldVariable[]>
  >();
  /** The per-field variables read so far for each key, which `stamp` covers too. */
  readonly #stampedFields = new Map<string, string[]>();
  readonly #listeners = new ChangeListeners();

  /** @param options The prefix and the environment to read. */
  constructor(options: EnvSourceOptions = {}) {
    this.prefix = options.prefix ?? DEFAULT_PREFIX;
    this.#env = options.env ? recordAccess(options.env) : processAccess();
  }

  /** Returns the variable name for `key`, such as `HARMONY_CONFIG_Db`. */
  locate(key: string): string {
    let variable = this.#variables.get(key);
    if (variable === undefined) {
      variable = this.prefix + validateKey(key, this.name);
      this.#variables.set(key, variable);
    }
    return variable;
  }

  /** `set HARMONY_CONFIG_<KEY>`, with `example` as its value when given. */
  hint(key: string, example?: string): string {
    const variable = this.locate(key);
    return example === undefined
      ? `set ${variable}`
      : `set ${variable}='${example}'`;
  }

  /** Parses the variable as JSON, or returns `undefined` when it is unset. */
  get(key: string): Promise<unknown> {
    return settle(() => this.getSync(key));
  }

  /** `get` without a promise: a miss here is on the path of every read that falls through to SQLite. */
  getSync(key: string): unknown {
    return this.#value(this.locate(key), key);
  }

  /** Like `get`, with the variable name as the locator. */
  entry(key: string): Promise<SourceEntry | undefined> {
    return settle(() => {
      const variable = this.locate(key);
      const value = this.#value(variable, key);
      return value === undefined ? undefined : { value, locator: variable };
    });
  }

  /**
   * Where the field at `path` of `key` is set: `HARMONY_CONFIG_<KEY>__<field>__<sub>`,
   * names kept exactly, `__` between levels.
   *
   * @example
   * ```ts
   * import { EnvSource } from "@harmony/config";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new EnvSource({ env: {} }).locateField("App", ["db", "host"]), "HARMONY_CONFIG_App__db__host");
   * ```
   */
  locateField(key: string, path: readonly string[]): string {
    return [this.locate(key), ...path].join(FIELD_SEPARATOR);
  }

  /**
   * For a definition with `layering: "fields"`: the per-field variables
   * that are set, `HARMONY_CONFIG_<KEY>__<field>__<sub>` (see
   * {@linkcode EnvSource.locateField}). A field whose schema holds a
   * string takes the text as it is; any other field (a number, a boolean,
   * an array, an object, null) takes JSON. Only the fields the schema
   * declares are read, each by its name, so `--allow-env=HARMONY_CONFIG_*`
   * is enough; an entry of a record is set in the record's own variable.
   *
   * @throws {ConfigValidationError} For a variable that is not JSON where
   * JSON is needed, or not UTF-8; it names the variable, never its text.
   * @throws {ConfigError} For a variable that two fields share (a field
   * named `a__b` beside an object `a` with a field `b`), when it is set.
   *
   * @example A string field as it is, a number as JSON
   * ```ts
   * import { EnvSource } from "@harmony/config";
   * import assert from "node:assert/strict";
   *
   * const env = new EnvSource({
   *   env: { HARMONY_CONFIG_Db__host: "db.internal", HARMONY_CONFIG_Db__port: "6543" },
   * });
   * const fields = [{ path: ["host"], text: true }, { path: ["port"], text: false }];
   * assert.deepEqual(env.readFields("Db", fields).map((e) => e.value), ["db.internal", 6543]);
   * ```
   */
  readFields(key: string, fields: readonly FieldSpec[]): FieldEntry[] {
    const entries: FieldEntry[] = [];
    for (const field of this.#fieldVariables(key, fields)) {
      const text = this.#read(field.variable, key);
      if (text === undefined) continue;
      if (field.shared !== undefined) {
        throw new ConfigError(
          `${field.variable} names two fields of "${key}", ${
            field.shared.join(" and ")
          }: unset it and set them in ${
            this.locate(key)
          } as JSON, or rename one`,
          { key, source: field.variable },
        );
      }
      let value: unknown = text;
      if (!field.spec.text) {
        const parsed = parseJson(text);
        if (!parsed.ok) {
          throw new ConfigValidationError(
            key,
            field.variable,
            [{ path: field.spec.path.join("."), message: parsed.message }],
            `set ${field.variable} to JSON: only a field that holds a string takes text as it is`,
          );
        }
        value = parsed.value;
      }
      entries.push({ path: field.spec.path, value, locator: field.variable });
    }
    return entries;
  }

  /** The variable of each field, computed once per key and list of fields. */
  #fieldVariables(
    key: string,
    fields: readonly FieldSpec[],
  ): readonly FieldVariable[] {
    let byKey = this.#fieldCache.get(fields);
    if (byKey === undefined) {
      byKey = new Map();
      this.#fieldCache.set(fields, byKey);
    }
    let variables = byKey.get(key);
    if (variables === undefined) {
      // No environment holds a name with "=" or NUL (Deno throws for one),
      // as a field named "a=b" would give: such a field has no variable.
      const all = fields
        .map((spec) => ({ spec, variable: this.locateField(key, spec.path) }))
        .filter(({ variable }) => !/[=\0]/.test(variable));
      const stamped = this.#stampedFields.get(key) ?? [];
      for (const { variable } of all) {
        if (!stamped.includes(variable)) stamped.push(variable);
      }
      this.#stampedFields.set(key, stamped);
      const names = new Map<string, string[]>();
      for (const { spec, variable } of all) {
        const label = spec.path.join(".");
        names.set(variable, [...(names.get(variable) ?? []), label]);
      }
      variables = all.map(({ spec, variable }) => {
        const labels = names.get(variable)!;
        return labels.length > 1
          ? { spec, variable, shared: labels }
          : { spec, variable };
      });
      byKey.set(key, variables);
    }
    return variables;
  }

  /** Sets the variable in this process only. */
  set(key: string, value: unknown): Promise<void> {
    return settle(() => {
      const variable = this.locate(key);
      this.#env.set(variable, toJsonText(value, key, variable));
      this.#listeners.notify(key);
    });
  }

  /** Unsets the variable in this process, even one that is not UTF-8. */
  delete(key: string): Promise<boolean> {
    return settle(() => {
      const variable = this.locate(key);
      let existed: boolean;
      try {
        existed = this.#read(variable, key) !== undefined;
      } catch (error) {
        if (!(error instanceof ConfigValidationError)) throw error;
        existed = true;
      }
      this.#env.delete(variable);
      if (existed) this.#listeners.notify(key);
      return existed;
    });
  }

  /**
   * Lists the keys of the prefixed variables.
   *
   * @throws {ConfigPermissionError} Under Deno without full `--allow-env`,
   * which listing the environment needs.
   */
  keys(): Promise<string[]> {
    let names: string[];
    try {
      names = this.#env.names();
    } catch (error) {
      if (!isPermissionDenied(error)) return Promise.reject(error);
      return Promise.reject(
        new ConfigPermissionError(
          this.name,
          "to list the environment",
          "--allow-env (listing needs access to every variable; reading one key needs only --allow-env=" +
            this.prefix + "*)",
        ),
      );
    }
    return Promise.resolve(
      names
        .filter((name) => name.startsWith(this.prefix))
        .map((name) => name.slice(this.prefix.length))
        .filter(isValidKey),
    );
  }

  /**
   * The variable's text (`null` when unset): the same text proves the same
   * value. Once `readFields` has read a key's per-field variables, their
   * texts are part of the stamp too, so a changed field is never missed. It
   * throws what `get` would for a variable it cannot read.
   */
  stamp(key: string): string | null {
    const whole = this.#read(this.locate(key), key);
    const fields = this.#stampedFields.get(key);
    if (fields === undefined) return whole ?? null;
    // No variable can hold NUL, so NUL-separated texts (SOH for an unset
    // one) tell every combination apart; joined by hand, as this runs on
    // every cached get of a fields-mode definition.
    let stamp = whole ?? UNSET;
    for (const variable of fields) {
      stamp += "\0" + (this.#read(variable, key) ?? UNSET);
    }
    return stamp;
  }

  /**
   * Calls `listener` when this source's `set` or `delete` changes `key`;
   * nothing else can change this process's environment but its own code.
   */
  onChange(key: string, listener: () => void): () => void {
    return this.#listeners.add(validateKey(key, this.name), listener);
  }

  /** Read access to the prefixed variables, such as `HARMONY_CONFIG_*`. */
  permissions(): PermissionDescriptor[] {
    return [{ name: "env", variable: `${this.prefix}*` }];
  }

  #value(variable: string, key: string): unknown {
    const text = this.#read(variable, key);
    if (text === undefined) return undefined;
    return parseJsonText(
      text,
      key,
      variable,
      `set ${variable} to valid JSON (a string needs quotes: '"text"')`,
    );
  }

  /**
   * Reads the variable. One that is not UTF-8 is a value that cannot be
   * used, like one that is not JSON: an error for this key, never a miss,
   * since the next source would then answer with something other than what
   * was set here.
   */
  #read(variable: string, key: string): string | undefined {
    try {
      return this.#env.get(variable);
    } catch (error) {
      if (error instanceof UndecodableVariable) {
        throw new ConfigValidationError(
          key,
          variable,
          [{ path: "", message: "Not valid UTF-8 text" }],
          `unset ${variable}, or set it to JSON in UTF-8`,
        );
      }
      throw permissionErrorOr(
        error,
        this.name,
        `read access to ${variable}`,
        { name: "env", variable: `${this.prefix}*` },
        key,
      );
    }
  }
}
