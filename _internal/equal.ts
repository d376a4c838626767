/**
 * Private: deep equality of values a schema parses to, for "does the stored
 * value read back as what was set" and for compare-and-set.
 *
 * @module
 */

/**
 * Tells whether two values are the same data: primitives by `Object.is`
 * except that `0` equals `-0` (JSON writes both as `0`); arrays, plain
 * objects (own enumerable keys, in any order), Maps and Sets by their
 * contents; Dates by their time; other class instances of one class by
 * their JSON form when they have `toJSON()` (URL), else by their own
 * fields. Values nested too deeply for the call stack throw `RangeError`.
 *
 * @param a One value.
 * @param b The other.
 * @returns Whether they are equal.
 *
 * @example
 * ```ts
 * import { deepEqual } from "./equal.ts";
 * import assert from "node:assert/strict";
 *
 * assert.ok(deepEqual({ a: [1, new Date(0)] }, { a: [1, new Date(0)] }));
 * assert.ok(!deepEqual({ a: 1 }, { a: 1, b: undefined }));
 * ```
 */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a === "number" && typeof b === "number") return a === b;
  if (
    typeof a !== "object" || typeof b !== "object" || a === null || b === null
  ) return false;
  const prototype = Object.getPrototypeOf(a);
  if (prototype !== Object.getPrototypeOf(b)) return false;
  if (Array.isArray(a)) {
    const other = b as unknown[];
    if (a.length !== other.length) return false;
    for (let i = 0; i < a.length; i++) {
      if (!deepEqual(a[i], other[i])) return false;
    }
    return true;
  }
  if (prototype !== Object.prototype && prototype !== null) {
    const special = instancesEqual(a, b);
    if (special !== undefined) return special;
  }
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  for (const key of keys) {
    if (
      !Object.hasOwn(b, key) ||
      !deepEqual(
        (a as Record<string, unknown>)[key],
        (b as Record<string, unknown>)[key],
      )
    ) return false;
  }
  return true;
}

/**
 * Equality of two instances of one class that their own fields do not
 * decide, or `undefined` to compare those fields.
 */
function instancesEqual(a: object, b: object): boolean | undefined {
  if (a instanceof Date) return Object.is(a.getTime(), (b as Date).getTime());
  if (a instanceof RegExp) return String(a) === String(b);
  if (a instanceof Map) {
    const other = b as Map<unknown, unknown>;
    if (a.size !== other.size) return false;
    for (const [key, value] of a) {
      if (!other.has(key) || !deepEqual(value, other.get(key))) return false;
    }
    return true;
  }
  if (a instanceof Set) {
    const other = b as Set<unknown>;
    if (a.size !== other.size) return false;
    const unmatched = [...other].filter((item) => !a.has(item));
    for (const item of a) {
      if (other.has(item)) continue;
      const at = unmatched.findIndex((candidate) => deepEqual(item, candidate));
      if (at === -1) return false;
      unmatched.splice(at, 1);
    }
    return true;
  }
  if (typeof (a as { toJSON?: unknown }).toJSON === "function") {
    try {
      return JSON.stringify(a) === JSON.stringify(b);
    } catch {
      return false;
    }
  }
  const primitive = a.valueOf();
  if (primitive !== a) return Object.is(primitive, b.valueOf());
  return undefined;
}
