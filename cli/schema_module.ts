/**
 * Loading the `ConfigDefinition`s of the module `--schema ./module.ts`
 * (or `#Export`, one of them) names, and saying why it failed in the CLI's terms: the library error it
 * threw, where it does not parse, what it imports that cannot be found, or
 * the file Deno would not let it read. Nothing of the module's source text
 * or of an unknown error's message is shown: either may hold a value.
 *
 * @module
 */
import { existsSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import process from "node:process";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { ConfigDefinition } from "../config.ts";
import { ConfigError, ConfigPermissionError } from "../errors.ts";
import { isGranted } from "../_internal/runtime.ts";
import { describeError } from "../_internal/safe_error.ts";
import { UsageError } from "./errors.ts";

/** A `--schema` argument split into its file and its export. */
export interface SchemaReference {
  /** The absolute path of the module. */
  readonly path: string;
  /** The export that holds the definition; `undefined` for every definition the module exports. */
  readonly exportName: string | undefined;
}

/**
 * Splits `./module.ts#Export` (or `./module.ts`, every definition it
 * exports), resolving the file against `cwd`.
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
  const exportName = hash === -1 ? undefined : reference.slice(hash + 1);
  if (file === "" || exportName === "") {
    throw new UsageError(
      "--schema needs MODULE or MODULE#EXPORT, such as ./config.ts or ./config.ts#Postgres",
    );
  }
  return { path: resolve(cwd, file), exportName };
}

/**
 * The directory to grant read access to for loading a schema module. Deno
 * checks every local file the module imports, not only the module, so this
 * is the project it belongs to (the nearest directory with a `deno.json`,
 * `deno.jsonc` or `package.json`) when that can be seen, else the module's
 * own directory.
 *
 * @param path The absolute path of the module.
 * @returns The directory for `--allow-read`.
 */
export function schemaReadScope(path: string): string {
  const start = dirname(path);
  for (let dir = start;; dir = dirname(dir)) {
    if (PROJECT_MARKERS.some((name) => visibleFile(join(dir, name)))) {
      return dir;
    }
    if (dirname(dir) === dir) return start;
  }
}

/**
 * The directories to add read access to after Deno denied reading `denied`
 * while loading the module at `path`: the module's scope when it is not
 * granted yet, and the denied file's directory when it lies outside it
 * (a module may import from anywhere).
 */
function deniedReadScopes(path: string, denied: string): string[] {
  const scope = schemaReadScope(path);
  const inside = !relative(scope, denied).startsWith("..");
  const wanted = inside ? [scope] : [scope, dirname(denied)];
  const missing = wanted.filter((dir) =>
    !isGranted({ name: "read", path: dir })
  );
  return missing.length > 0 ? missing : [dirname(denied)];
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

/**
 * Loads the definitions a `--schema` argument names, by dynamic import:
 * the one export `#Export` names, or every `ConfigDefinition` the module
 * exports (each once, however many names it has).
 *
 * @param reference The `--schema` argument.
 * @param cwd The directory relative paths start from.
 * @returns The definitions, by export name (as a module namespace lists them); never empty.
 * @throws {ConfigPermissionError} When Deno denies reading the module or a
 * file it imports; the flag names that file's directory.
 * @throws {ConfigError} When the module cannot be loaded, with the reason;
 * the export is not a definition; it exports none; or two of its
 * definitions share a key.
 */
export async function loadDefinitions(
  reference: string,
  cwd: string = process.cwd(),
): Promise<ConfigDefinition<unknown>[]> {
  const { path, exportName } = parseSchemaReference(reference, cwd);
  if (visibleFile(dirname(path)) && !visibleFile(path)) {
    throw new ConfigError(
      `No schema module at ${path}: check the path (a relative one starts from ${cwd})`,
      { source: `schema:${path}` },
    );
  }
  let module: Record<string, unknown>;
  try {
    // The user's module, by file URL: unanalyzable on purpose (JSR's publish
    // warning about it is expected), and Deno checks read access for it.
    module = await import(pathToFileURL(path).href);
  } catch (error) {
    throw loadFailure(error, path);
  }
  const names = Object.keys(module).filter((name) =>
    isDefinition(module[name])
  );
  if (exportName !== undefined) {
    const candidate = module[exportName];
    if (!isDefinition(candidate)) {
      throw new ConfigError(
        `${path} has no ConfigDefinition export named ${exportName}: ${
          names.length > 0
            ? `use one of ${names.map((n) => `#${n}`).join(", ")}`
            : "export one made with defineConfig()"
        }`,
        { source: `schema:${path}` },
      );
    }
    return [candidate];
  }
  const definitions: ConfigDefinition<unknown>[] = [];
  const byKey = new Map<string, string>();
  for (const name of names) {
    const def = module[name] as ConfigDefinition<unknown>;
    if (definitions.includes(def)) continue;
    const other = byKey.get(def.key);
    if (other !== undefined) {
      throw new ConfigError(
        `${path} exports two definitions of key ${def.key}, ${other} and ${name}: name one with --schema ${path}#${other}`,
        { source: `schema:${path}`, key: def.key },
      );
    }
    byKey.set(def.key, name);
    definitions.push(def);
  }
  if (definitions.length === 0) {
    throw new ConfigError(
      `${path} exports no ConfigDefinition: export one made with defineConfig()`,
      { source: `schema:${path}` },
    );
  }
  return definitions;
}

/** Why importing the module at `path` failed, as an error the CLI can print. */
function loadFailure(error: unknown, path: string): ConfigError {
  const source = `schema:${path}`;
  const message = error instanceof Error ? error.message : "";
  // Deno reports a denied dynamic import as a TypeError, not NotCapable,
  // naming the file it could not read (the module or one it imports).
  const denied = /Requires read access to "([^"]+)"/.exec(message)?.[1];
  if (denied !== undefined) {
    return new ConfigPermissionError(
      source,
      `read access to ${denied}, ${
        denied === path
          ? "the schema module"
          : "which the schema module imports"
      }`,
      `--allow-read=${deniedReadScopes(path, denied).join(",")}`,
    );
  }
  // The library's own errors never hold a value: show them whole.
  if (error instanceof ConfigError) {
    return new ConfigError(
      `The schema module ${path} threw ${error.name} while loading: ${error.message}`,
      { source, cause: error },
    );
  }
  const syntax = syntaxFailure(error);
  if (syntax !== undefined) {
    return new ConfigError(
      `The schema module ${path} does not parse: ${syntax}`,
      { source, cause: error },
    );
  }
  const unresolved = unresolvedImport(error);
  if (unresolved !== undefined) {
    return new ConfigError(
      `The schema module ${path} cannot be loaded: ${unresolved}: check its imports, and run the CLI from the project they resolve in`,
      { source, cause: error },
    );
  }
  // Anything else came from the module's own code, whose message may
  // quote a value: only its class is shown.
  return new ConfigError(
    `The schema module ${path} threw ${
      describeError(error)
    } while loading: run it on its own to see why, or rerun with --debug for the details`,
    { source, cause: error },
  );
}

/**
 * The parser's complaint and where, without the source text it quotes:
 * Deno's message carries the offending line and token (`got 'string
 * literal ("s3cret", …)'`), Node's stack the line itself.
 */
function syntaxFailure(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined;
  const message = error.message;
  const deno = /^SyntaxError: /.test(message);
  if (error.name !== "SyntaxError" && !deno) return undefined;
  const first = (message.split("\n")[0] ?? "").replace(/^SyntaxError: /, "");
  const reason = first
    .replace(/,? got .*$/, "")
    // A quoted token longer than one character may be a literal's text.
    .replace(/\s*(['"`])[^'"`]{2,}\1/g, "")
    .replace(/[.\s]+$/, "");
  const at = /at (file:\/\/\S+?:\d+:\d+)/.exec(message)?.[1] ??
    /^(file:\/\/\S+?:\d+)(?::\d+)?$/m.exec(error.stack ?? "")?.[1];
  return `${reason || "a syntax error"}${
    at === undefined ? "" : ` at ${fileLocation(at)}`
  }`;
}

/** `file:///a/b.ts:3:7` as `/a/b.ts:3:7`. */
function fileLocation(location: string): string {
  const match = /^(file:\/\/.+?)((?::\d+)+)$/.exec(location);
  if (match === null) return location;
  try {
    return fileURLToPath(match[1]!) + match[2];
  } catch {
    return location;
  }
}

/**
 * The first line of a module-resolution failure: it names specifiers and
 * files, never values (Deno: `Module not found "file:///…"`, `Import "x"
 * not a dependency…`; Node: `ERR_MODULE_NOT_FOUND`).
 */
function unresolvedImport(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined;
  const code = (error as { code?: unknown }).code;
  const first = error.message.split("\n")[0]?.trim() ?? "";
  const resolution = code === "ERR_MODULE_NOT_FOUND" ||
    code === "ERR_UNSUPPORTED_DIR_IMPORT" ||
    /^(Module not found|Import "|Relative import path|Cannot find (module|package))/
      .test(first);
  return resolution ? first.replace(/\.$/, "") : undefined;
}

function isDefinition(value: unknown): value is ConfigDefinition<unknown> {
  if (typeof value !== "object" || value === null) return false;
  try {
    const { key, schema } = value as { key?: unknown; schema?: unknown };
    return typeof key === "string" && typeof schema === "object" &&
      schema !== null && "_zod" in schema;
  } catch {
    // An export that throws when read (a Proxy, a binding of an import
    // cycle not yet set) is not a definition; the others still load.
    return false;
  }
}
