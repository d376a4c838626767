/**
 * Private: reading one environment variable with a typed error when Deno
 * denies it, and the variables the data dir lookup reads.
 *
 * @module
 */
import { permissionErrorOr } from "./permission_error.ts";

/**
 * Reads `name` from `env`, treating an empty value as unset. A Deno denial
 * becomes a `ConfigPermissionError` that names `source` and
 * `--allow-env=<name>`.
 */
export function readEnvVar(
  env: Record<string, string | undefined>,
  name: string,
  source: string,
): string | undefined {
  try {
    const value = env[name];
    return value === "" ? undefined : value;
  } catch (error) {
    throw permissionErrorOr(error, source, `read access to ${name}`, {
      name: "env",
      variable: name,
    });
  }
}

/** The variables `dataDir()` may read, in the order it reads them. */
export const DATA_DIR_ENV_VARS: readonly string[] = [
  "HARMONY_DATA_DIR",
  "XDG_DATA_HOME",
  "HOME",
  "APPDATA",
];
