/**
 * Private helper: reading one environment variable with a typed error when
 * Deno denies it.
 *
 * @module
 */
import { permissionErrorOr } from "./permissions.ts";

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
