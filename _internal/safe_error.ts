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
  const name = className(error);
  return typeof code === "string" && ERROR_CODE.test(code)
    ? `${name} (${code})`
    : name;
}

/** The shape of an error code: `ENOENT`, `ERR_INVALID_ARG_TYPE`, `SQLITE_BUSY`. */
const ERROR_CODE = /^[A-Z][A-Z0-9_]{0,63}$/;

/** An identifier, as a class name is. */
const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]{0,63}$/;

/**
 * The class that made `error`: its `name` when that is the name of a class
 * on its prototype chain (`SyntaxError`, `Deno.errors.NotFound`, a class
 * that sets its own name), else the nearest class's name. A `name` set on
 * the error itself is data like its message (`error.name = token`), so it
 * is shown only when a class bears it.
 */
function className(error: Error): string {
  let nearest: string | undefined;
  for (
    let proto: object | null = Object.getPrototypeOf(error);
    proto !== null;
    proto = Object.getPrototypeOf(proto)
  ) {
    const ctor = Object.hasOwn(proto, "constructor")
      ? (proto as { constructor?: unknown }).constructor
      : undefined;
    if (typeof ctor !== "function" || !IDENTIFIER.test(ctor.name)) continue;
    if (ctor.name === error.name) return error.name;
    nearest ??= ctor.name;
  }
  return nearest ?? "Error";
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

/**
 * {@linkcode typedSourceError} for a call the library makes to a source
 * (`get`, `getSync`, `entry`, `set`, `compareAndSet`, `delete`): a
 * `ConfigError` passes through, anything else becomes a
 * `ConfigSourceError` naming the source, the key and the error's class.
 */
export function sourceFailure(
  error: unknown,
  source: string,
  key: string,
): ConfigError {
  return typedSourceError(
    error,
    source,
    key,
    "fix that source, or remove it from the ConfigManager's chain (its own message is left out, since it could quote a value)",
  );
}
