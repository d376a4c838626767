/**
 * Where Harmony keeps its data, the same places as the Rust crate's
 * `ProjectDirs`.
 *
 * @module
 */
import { join, posix, win32 } from "node:path";
import process from "node:process";
import { ConfigError } from "./errors.ts";
import { readEnvVar } from "./_internal/env.ts";

/** Names the data dir lookup in permission errors. */
const DATA_DIR_LOOKUP = "the data dir lookup";

/**
 * Options for {@linkcode dataDir}.
 *
 * @example Find where another platform keeps the data
 * ```ts
 * import { dataDir, type DataDirOptions, defaultDbPath } from "@harmony/config";
 * import assert from "node:assert/strict";
 *
 * const mac: DataDirOptions = { env: { HOME: "/Users/a" }, platform: "darwin" };
 * assert.equal(dataDir(mac), "/Users/a/Library/Application Support/harmony");
 * assert.equal(defaultDbPath(mac), "/Users/a/Library/Application Support/harmony/config/config.db");
 * ```
 */
export interface DataDirOptions {
  /** The environment to read; defaults to the process environment. */
  env?: Record<string, string | undefined>;
  /** The platform; defaults to `process.platform`. */
  platform?: string;
}

/**
 * Returns Harmony's data dir:
 * 1. `$HARMONY_DATA_DIR`, which must be an absolute path; else
 * 2. `$XDG_DATA_HOME/harmony`, when it is absolute (the XDG spec says a
 *    relative one is invalid and must be ignored); else
 * 3. `~/.local/share/harmony` on Linux, `~/Library/Application Support/harmony`
 *    on macOS, `%APPDATA%\harmony\data` on Windows.
 *
 * @param options The environment and platform to use.
 * @returns An absolute path.
 * @throws {ConfigPermissionError} When Deno denies reading one of the variables.
 * @throws {ConfigError} When `HARMONY_DATA_DIR` is relative or starts with
 * `~` (which only a shell expands), or no variable locates the data dir.
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
  const path = platform === "win32" ? win32 : posix;
  const explicit = readEnvVar(env, "HARMONY_DATA_DIR", DATA_DIR_LOOKUP);
  if (explicit) {
    // A relative path would move with the working directory, and "~/x"
    // would create a directory named "~" in it.
    if (!path.isAbsolute(explicit)) {
      throw new ConfigError(
        `HARMONY_DATA_DIR must be an absolute path, and it is ${
          explicit.startsWith("~")
            ? "a path starting with ~, which only a shell expands (and not inside quotes)"
            : "a relative path"
        }: set it to an absolute path such as ${
          platform === "win32" ? "C:\\harmony" : "/home/you/harmony"
        } (use $HOME instead of ~), or unset it`,
      );
    }
    return path.resolve(explicit);
  }
  // XDG_DATA_HOME comes second on every platform, as the spec orders it, so
  // a user who sets it gets one data dir whatever the OS. A relative one is
  // ignored, as the spec says.
  const xdg = readEnvVar(env, "XDG_DATA_HOME", DATA_DIR_LOOKUP);
  if (xdg && path.isAbsolute(xdg)) return join(xdg, "harmony");
  if (platform === "win32") {
    const appData = readEnvVar(env, "APPDATA", DATA_DIR_LOOKUP);
    if (appData) return join(appData, "harmony", "data");
    throw new ConfigError(
      "Cannot locate the data dir: set HARMONY_DATA_DIR or APPDATA",
    );
  }
  const home = readEnvVar(env, "HOME", DATA_DIR_LOOKUP);
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
