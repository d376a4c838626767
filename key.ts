/**
 * Key validation, for definitions and for people writing a source.
 *
 * @module
 */
import { InvalidKeyError } from "./errors.ts";
import { KEY_PATTERN, MAX_KEY_LENGTH } from "./_internal/key.ts";

/**
 * Throws {@linkcode InvalidKeyError} unless `key` is an identifier such as
 * `PostgresConfig`: no path separators, dots, NUL or other characters that
 * could escape a directory or an env var name.
 *
 * @param key The key to check.
 * @param source The locator of the source checking it, for the error.
 * @returns The key, unchanged.
 *
 * @example
 * ```ts
 * import { validateKey } from "@harmony/config";
 * import assert from "node:assert/strict";
 *
 * assert.equal(validateKey("PostgresConfig"), "PostgresConfig");
 * assert.throws(() => validateKey("../x"));
 * ```
 */
export function validateKey(key: string, source?: string): string {
  if (typeof key !== "string") {
    throw new InvalidKeyError(`expected a string, got ${typeof key}`, source);
  }
  if (key.length > MAX_KEY_LENGTH) {
    throw new InvalidKeyError(
      `key is ${key.length} characters long`,
      source,
    );
  }
  if (!KEY_PATTERN.test(key)) {
    // Echo only printable ASCII keys: a key with control characters or
    // unicode could forge terminal output.
    const shown = /^[\x20-\x7e]*$/.test(key)
      ? JSON.stringify(key)
      : "a key with control or non-ASCII characters";
    throw new InvalidKeyError(
      key === "" ? "key is empty" : `${shown} is not an identifier`,
      source,
    );
  }
  return key;
}
