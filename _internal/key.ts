/**
 * Private: what a key may look like. The public check is `validateKey`.
 *
 * @module
 */

/** Identifiers only: no path separators, dots, NUL or anything a file or env var name could not hold. */
export const KEY_PATTERN: RegExp = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The longest key accepted; it keeps `<KEY>.json` well inside file-name limits. */
export const MAX_KEY_LENGTH: number = 128;

/**
 * Tells whether `key` is a valid key, without throwing: for filtering the
 * names a directory or the environment holds.
 */
export function isValidKey(key: string): boolean {
  return key.length <= MAX_KEY_LENGTH && KEY_PATTERN.test(key);
}
