/**
 * Private: JSON encoding shared by every source, with errors that never echo the text.
 *
 * @module
 */
import { ConfigSourceError, ConfigValidationError } from "../errors.ts";

/**
 * Parses JSON text read from a source. On failure it throws a
 * {@linkcode ConfigValidationError} that names the key and the source but
 * not the text: V8's own `SyntaxError` quotes the input, so it is dropped.
 *
 * @param text The JSON text.
 * @param key The key it was stored under.
 * @param source The locator of the source, such as the env var or file path.
 * @param fix What the user should do.
 * @returns The parsed value.
 */
export function parseJsonText(
  text: string,
  key: string,
  source: string,
  fix = "store valid JSON there",
): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new ConfigValidationError(
      key,
      source,
      [{ path: "", message: "Invalid JSON" }],
      fix,
    );
  }
}

/**
 * Encodes a value as JSON text for a source, rejecting what JSON cannot hold
 * (`undefined`, functions, bigints, cycles) with a
 * {@linkcode ConfigSourceError} instead of storing something that would not
 * read back the same.
 *
 * @param value The value to encode.
 * @param key The key it is stored under.
 * @param source The locator of the source.
 * @param space Indentation, for files people read.
 * @returns The JSON text.
 */
export function toJsonText(
  value: unknown,
  key: string,
  source: string,
  space?: number,
): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value, null, space);
  } catch {
    text = undefined;
  }
  if (text === undefined) {
    throw new ConfigSourceError(
      `Cannot store key "${key}" in ${source}: the value is not representable as JSON (undefined, a function, a bigint or a cycle): pass plain JSON data`,
      { key, source },
    );
  }
  return text;
}

/**
 * True for a JSON object: not null, not an array.
 *
 * @param value Any parsed JSON value.
 * @returns Whether `value` is an object with string keys.
 *
 * @example
 * ```ts
 * import { isPlainObject } from "./json.ts";
 * import assert from "node:assert/strict";
 *
 * assert.ok(isPlainObject({ host: "db" }));
 * assert.ok(!isPlainObject([1, 2]) && !isPlainObject(null));
 * ```
 */
export function isPlainObject(
  value: unknown,
): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
