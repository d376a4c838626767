/**
 * The definitions a command works with: those of the module `--schema`
 * names, else of the project's schema module (`HARMONY_SCHEMA`, or
 * `"harmony-config": { "schema": … }` in `deno.json` or `package.json`),
 * loaded by `schema_module.ts` only then; or a permissive raw-JSON one for
 * a key no definition knows.
 *
 * @module
 */
import { z } from "zod";
import { type ConfigDefinition, defineConfig } from "../config.ts";
import { UsageError } from "./errors.ts";
import { projectSchema } from "./project.ts";

/** The definition a command uses, and whether it came from a schema. */
export interface LoadedDefinition {
  /** The definition. */
  readonly def: ConfigDefinition<unknown>;
  /** `true` when it came from a schema module; `false` for raw JSON. */
  readonly fromSchema: boolean;
  /** The `--schema` argument it came from, for the commands advice names. */
  readonly reference?: string;
  /**
   * The schema module (and where it was named) that was loaded but has no
   * definition of the key, so the value is raw JSON.
   */
  readonly unknownIn?: string;
}

/** The definitions of a schema module, and where it was named. */
export interface LoadedDefinitions {
  /** The definitions, by export name. */
  readonly definitions: readonly ConfigDefinition<unknown>[];
  /** The module reference, as loaded. */
  readonly reference: string;
  /** `--schema`, `HARMONY_SCHEMA`, or the file that names the module. */
  readonly origin: string;
}

/**
 * Loads the definitions of `--schema`, or of the project's schema module.
 *
 * @param schema The `--schema` argument, if any.
 * @param cwd The directory relative paths start from.
 * @returns The definitions, or `undefined` when no module is named.
 */
export async function definitionsFor(
  schema: string | undefined,
  cwd?: string,
): Promise<LoadedDefinitions | undefined> {
  const named = schema !== undefined
    ? { reference: schema, origin: "--schema" }
    : projectSchema(cwd ?? ".");
  if (named === undefined) return undefined;
  const { loadDefinitions } = await import("./schema_module.ts");
  return {
    definitions: await loadDefinitions(named.reference, cwd),
    reference: named.reference,
    origin: named.origin,
  };
}

/**
 * The definitions a command cannot do without.
 *
 * @param loaded What `--schema` or the project named, if anything.
 * @param command The command, for the message.
 * @returns The definitions.
 * @throws {UsageError} When no schema module is named.
 */
export function needDefinitions(
  loaded: LoadedDefinitions | undefined,
  command: string,
): LoadedDefinitions {
  if (loaded !== undefined) return loaded;
  throw new UsageError(
    `${command} needs the definitions: pass --schema ./config.ts, or name the module once with HARMONY_SCHEMA or "harmony-config": { "schema": "./config.ts" } in deno.json or package.json`,
  );
}

/**
 * Returns the definition for a command: the one of the schema module with
 * the KEY's key (the only one, when KEY is left out), else raw JSON for KEY.
 *
 * @param key The KEY argument, if any.
 * @param schema The `--schema` argument, if any.
 * @param cwd The directory relative paths start from.
 * @returns The definition and where it came from.
 * @throws {UsageError} When KEY is left out and no single definition is
 * named, or a `#Export` has another key than KEY.
 */
export async function definitionFor(
  key: string | undefined,
  schema: string | undefined,
  cwd?: string,
): Promise<LoadedDefinition> {
  const loaded = await definitionsFor(schema, cwd);
  if (loaded === undefined) {
    if (key === undefined) {
      throw new UsageError(
        "Missing KEY: pass a key, or --schema MODULE#EXPORT",
      );
    }
    return { def: rawDefinition(key), fromSchema: false };
  }
  const { definitions } = loaded;
  // Advice repeats --schema only when it was typed; a project's module is found again.
  const reference = schema === undefined ? {} : { reference: schema };
  if (key === undefined) {
    const [only] = definitions;
    if (definitions.length === 1 && only !== undefined) {
      return { def: only, fromSchema: true, ...reference };
    }
    throw new UsageError(
      `Missing KEY: ${loaded.reference} defines ${
        definitions.map((d) => d.key).join(", ")
      }: pass one of them`,
    );
  }
  const def = definitions.find((d) => d.key === key);
  if (def !== undefined) return { def, fromSchema: true, ...reference };
  if (schema !== undefined && schema.includes("#")) {
    throw new UsageError(
      `KEY ${key} does not match the schema's key ${
        definitions[0]?.key
      }: leave KEY out or pass ${definitions[0]?.key}`,
      { key },
    );
  }
  return {
    def: rawDefinition(key),
    fromSchema: false,
    unknownIn: `${loaded.reference} (${
      loaded.origin === "--schema" ? "--schema" : `named by ${loaded.origin}`
    })`,
  };
}

/**
 * A definition that accepts any JSON value, for use without a schema.
 *
 * @param key The key.
 * @returns The definition.
 * @throws {InvalidKeyError} When the key is not an identifier.
 */
export function rawDefinition(key: string): ConfigDefinition<unknown> {
  // Values reach it already parsed from JSON text. z.unknown() rather than
  // z.json(): the latter drops an own "__proto__" key, so a value would not
  // round-trip.
  return defineConfig({ key, schema: z.unknown() }) as ConfigDefinition<
    unknown
  >;
}
