/**
 * Private: the one rule for what may be shown of an error. A
 * `ConfigError`'s message is safe by construction (it never holds a value);
 * any other error may come from third-party code that quotes its input (a
 * `SyntaxError` from `JSON.parse`, a store client, a transform), so only its
 * class and code are shown.
 *
 * @module
 */
import { ConfigError, ConfigSourceError } from "../errors.ts";

/** A one-line description of `error` that never holds a value. */
export function describeError(error: unknown): string {
  if (error instanceof ConfigError) return error.message;
  if (error instanceof AggregateError) {
    return `${error.name}: ${error.errors.map(describeError).join("; ")}`;
  }
  if (!(error instanceof Error)) return "unknown error";
  const code = (error as { code?: unknown }).code;
  return typeof code === "string" ? `${error.name} (${code})` : error.name;
}

/**
 * Keeps a `ConfigError` as it is, and wraps anything else a third-party
 * source or store throws in a {@linkcode ConfigSourceError} that names only
 * its class: neither its message nor the error itself (as `cause`) is kept,
 * since either could quote a value.
 */
export function typedSourceError(
  error: unknown,
  source: string,
  key: string | undefined,
  fix: string,
): ConfigError {
  if (error instanceof ConfigError) return error;
  return new ConfigSourceError(
    `${source} failed${key === undefined ? "" : ` for key "${key}"`} (${
      describeError(error)
    }): ${fix}`,
    { source, key },
  );
}
