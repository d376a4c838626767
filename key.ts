/**
 * Key validation shared by definitions and sources.
 *
 * @module
 */
import { InvalidKeyError } from "./errors.ts";

const KEY_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * The longest key accepted; it keeps `<KEY>.json` well inside file-name limits.
 *
 * @example Check a generated key before defining it
 * ```ts
 * import { InvalidKeyError, MAX_KEY_LENGTH, validateKey } from "@harmony/config";
 * import assert from "node:assert/strict";
 *
 * const key = `Tenant_${"a".repeat(200)}`;
 * assert.ok(key.length > MAX_KEY_LENGTH);
 * assert.throws(() => validateKey(key), InvalidKeyError);
 * assert.equal(validateKey(key.slice(0, MAX_KEY_LENGTH)).length, MAX_KEY_LENGTH);
 * ```
 */
export const MAX_KEY_LENGTH = 128;

/**
 * Tells whether `key` is a valid key, without throwing: for filtering the
 * names a directory or the environment holds.
 *
 * @param key The candidate key.
 * @returns `true` for an identifier of at most {@linkcode MAX_KEY_LENGTH} characters.
 *
 * @example Keep the file names that are keys
 * ```ts
 * import { isValidKey } from "@harmony/config";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(["Db", "../x", "a-b", "Cache"].filter(isValidKey), ["Db", "Cache"]);
 * ```
 */
export function isValidKey(key: string): boolean {
  return key.length <= MAX_KEY_LENGTH && KEY_PATTERN.test(key);
}

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
