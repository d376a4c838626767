/**
 * Where Harmony keeps its data, the same places as the Rust crate's
 * `ProjectDirs`.
 *
 * @module
 */
import { join, resolve } from "node:path";
import process from "node:process";
import { ConfigError } from "./errors.ts";
import { permissionErrorOr } from "./permissions.ts";

/** Environment variables consulted when locating the data dir. */
export const DATA_DIR_ENV_VARS: readonly string[] = [
  "HARMONY_DATA_DIR",
  "XDG_DATA_HOME",
  "HOME",
  "APPDATA",
];

/** Options for {@linkcode dataDir}. */
export interface DataDirOptions {
  /** The environment to read; defaults to the process environment. */
  env?: Record<string, string | undefined>;
  /** The platform; defaults to `process.platform`. */
  platform?: string;
}

function readVar(
  env: Record<string, string | undefined>,
  name: string,
): string | undefined {
  try {
    const value = env[name];
    return value === "" ? undefined : value;
  } catch (error) {
    throw permissionErrorOr(
      error,
      "the data dir lookup",
      `read access to ${name}`,
      { name: "env", variable: name },
    );
  }
}

/**
 * Returns Harmony's data dir:
 * 1. `$HARMONY_DATA_DIR`; else
 * 2. `$XDG_DATA_HOME/harmony`; else
 * 3. `~/.local/share/harmony` on Linux, `~/Library/Application Support/harmony`
 *    on macOS, `%APPDATA%\harmony\data` on Windows.
 *
 * @param options The environment and platform to use.
 * @returns An absolute path.
 * @throws {ConfigPermissionError} When Deno denies reading one of the variables.
 *
 * @example
 * ```ts
 * import { dataDir } from "@harmony/config";
 * import assert from "node:assert/strict";
 *
 * assert.equal(dataDir({ env: { HARMONY_DATA_DIR: "/srv/h" } }), "/srv/h");
 * assert.equal(
 *   dataDir({ env: { HOME: "/home/a" }, platform: "linux" }),
 *   "/home/a/.local/share/harmony",
 * );
 * ```
 */
export function dataDir(options: DataDirOptions = {}): string {
  const env = options.env ?? process.env;
  const platform = options.platform ?? process.platform;
  const explicit = readVar(env, "HARMONY_DATA_DIR");
  if (explicit) return resolve(explicit);
  if (platform === "win32") {
    const appData = readVar(env, "APPDATA");
    if (appData) return join(appData, "harmony", "data");
    throw new ConfigError(
      "Cannot locate the data dir: set HARMONY_DATA_DIR or APPDATA",
    );
  }
  const xdg = readVar(env, "XDG_DATA_HOME");
  if (xdg && platform !== "darwin") return join(xdg, "harmony");
  const home = readVar(env, "HOME");
  if (!home) {
    throw new ConfigError(
      "Cannot locate the data dir: set HARMONY_DATA_DIR or HOME",
    );
  }
  if (platform === "darwin") {
    return join(home, "Library", "Application Support", "harmony");
  }
  return join(home, ".local", "share", "harmony");
}

/**
 * Returns the default SQLite path, `<data dir>/config/config.db`, shared
 * with the Rust crate.
 *
 * @param options The environment and platform to use.
 * @returns An absolute path.
 *
 * @example
 * ```ts
 * import { defaultDbPath } from "@harmony/config";
 * import assert from "node:assert/strict";
 *
 * assert.equal(defaultDbPath({ env: { HARMONY_DATA_DIR: "/srv/h" } }), "/srv/h/config/config.db");
 * ```
 */
export function defaultDbPath(options: DataDirOptions = {}): string {
  return join(dataDir(options), "config", "config.db");
}
