/**
 * The definition a command works with: one loaded with `--schema
 * ./module.ts#Export`, or a permissive raw-JSON one for the key typed.
 *
 * @module
 */
import { existsSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import process from "node:process";
import { pathToFileURL } from "node:url";
import { z } from "zod";
import { type ConfigDefinition, defineConfig } from "../config.ts";
import { ConfigError, ConfigPermissionError } from "../errors.ts";
import { UsageError } from "./errors.ts";
import { isGranted } from "../_internal/runtime.ts";

/** The definition a command uses, and whether it came from a schema. */
export interface LoadedDefinition {
  /** The definition. */
  readonly def: ConfigDefinition<unknown>;
  /** `true` when it came from `--schema`; `false` for raw JSON. */
  readonly fromSchema: boolean;
}

/** A `--schema` argument split into its file and its export. */
export interface SchemaReference {
  /** The absolute path of the module. */
  readonly path: string;
  /** The export that holds the definition; `default` when none was named. */
  readonly exportName: string;
}

/**
 * Splits `./module.ts#Export`, resolving the file against `cwd`.
 *
 * @param reference The `--schema` argument.
 * @param cwd The directory relative paths start from.
 * @returns The absolute path and the export name.
 */
export function parseSchemaReference(
  reference: string,
  cwd: string = process.cwd(),
): SchemaReference {
  const hash = reference.lastIndexOf("#");
  const file = hash === -1 ? reference : reference.slice(0, hash);
  const exportName = hash === -1 ? "default" : reference.slice(hash + 1);
  if (file === "" || exportName === "") {
    throw new UsageError(
      "--schema needs MODULE#EXPORT, such as ./config.ts#Postgres",
    );
  }
  return { path: resolve(cwd, file), exportName };
}

/**
 * The directory to grant read access to for loading a schema module. Deno
 * checks every local file the module imports, not only the module, so this
 * is the project it belongs to (the nearest directory with a `deno.json`,
 * `deno.jsonc` or `package.json`) when that can be seen; else the common
 * ancestor of the module and the file that was denied.
 *
 * @param path The absolute path of the module.
 * @param denied The file Deno refused to read, if any.
 * @returns The directory for `--allow-read`.
 */
export function schemaReadScope(path: string, denied?: string): string {
  const start = dirname(path);
  for (let dir = start;; dir = dirname(dir)) {
    if (PROJECT_MARKERS.some((name) => visibleFile(join(dir, name)))) {
      return dir;
    }
    if (dirname(dir) === dir) break;
  }
  return denied === undefined ? start : commonAncestor(start, dirname(denied));
}

const PROJECT_MARKERS = ["deno.json", "deno.jsonc", "package.json"];

/** Whether a file exists, asked only where reading is granted (no prompt). */
function visibleFile(file: string): boolean {
  if (!isGranted({ name: "read", path: file })) return false;
  try {
    return existsSync(file);
  } catch {
    return false;
  }
}

function commonAncestor(a: string, b: string): string {
  let dir = a;
  while (relative(dir, b).startsWith("..") && dirname(dir) !== dir) {
    dir = dirname(dir);
  }
  return dir;
}

/**
 * Loads a `ConfigDefinition` from a module by dynamic import.
 *
 * @param reference The `--schema` argument.
 * @param cwd The directory relative paths start from.
 * @returns The definition.
 * @throws {ConfigPermissionError} When Deno denies reading the module.
 * @throws {ConfigError} When the module cannot be loaded or the export is not a definition.
 */
export async function loadSchema(
  reference: string,
  cwd: string = process.cwd(),
): Promise<ConfigDefinition<unknown>> {
  const { path, exportName } = parseSchemaReference(reference, cwd);
  let module: Record<string, unknown>;
  try {
    // The user's module, by file URL: unanalyzable on purpose (JSR's publish
    // warning about it is expected), and Deno checks read access for it.
    module = await import(pathToFileURL(path).href);
  } catch (error) {
    // Deno reports a denied dynamic import as a TypeError, not NotCapable,
    // naming the file it could not read (the module or one it imports).
    const denied = /Requires read access to "([^"]+)"/.exec(
      String((error as Error)?.message),
    );
    if (denied) {
      throw new ConfigPermissionError(
        `schema:${path}`,
        `read access to ${denied[1]} to load the schema module`,
        `--allow-read=${schemaReadScope(path, denied[1])}`,
      );
    }
    // A ConfigError (defineConfig refusing the module's zod) never holds a
    // value, and says what to do.
    if (error instanceof ConfigError) throw error;
    // The loader's message may quote the module's source text, which can
    // hold defaults; only its class is kept.
    throw new ConfigError(
      `Cannot load the schema module ${path} (${
        (error as Error)?.name ?? "error"
      }): check the path and that the module runs; rerun with --debug for details`,
      { source: `schema:${path}`, cause: error },
    );
  }
  const candidate = module[exportName];
  if (!isDefinition(candidate)) {
    const found = Object.keys(module).filter((name) =>
      isDefinition(module[name])
    );
    throw new ConfigError(
      `${path} has no ConfigDefinition export named ${exportName}: ${
        found.length > 0
          ? `use one of ${found.map((n) => `#${n}`).join(", ")}`
          : "export one made with defineConfig()"
      }`,
      { source: `schema:${path}` },
    );
  }
  return candidate;
}

/**
 * Returns the definition for a command: the `--schema` one, checked against
 * the KEY argument when both are given, else raw JSON for KEY.
 *
 * @param key The KEY argument, if any.
 * @param schema The `--schema` argument, if any.
 * @param cwd The directory relative paths start from.
 * @returns The definition and where it came from.
 * @throws {UsageError} When neither is given, or they name different keys.
 */
export async function definitionFor(
  key: string | undefined,
  schema: string | undefined,
  cwd?: string,
): Promise<LoadedDefinition> {
  if (schema === undefined) {
    if (key === undefined) {
      throw new UsageError(
        "Missing KEY: pass a key, or --schema MODULE#EXPORT",
      );
    }
    return { def: rawDefinition(key), fromSchema: false };
  }
  const def = await loadSchema(schema, cwd);
  if (key !== undefined && key !== def.key) {
    throw new UsageError(
      `KEY ${key} does not match the schema's key ${def.key}: leave KEY out or pass ${def.key}`,
      { key },
    );
  }
  return { def, fromSchema: true };
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

function isDefinition(value: unknown): value is ConfigDefinition<unknown> {
  if (typeof value !== "object" || value === null) return false;
  const { key, schema } = value as { key?: unknown; schema?: unknown };
  return typeof key === "string" && typeof schema === "object" &&
    schema !== null && "_zod" in schema;
}
