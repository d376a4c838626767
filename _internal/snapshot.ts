/**
 * Private: immutable snapshots of resolved values, which `get`'s cache and
 * `watch` hand out. A value of plain data (what JSON holds: objects of
 * `Object.prototype` or none, arrays, primitives) is frozen all the way
 * down, so one object can be returned to every caller without any of them
 * corrupting it for the others. A value with anything else inside (a Date
 * from `z.coerce.date()`, a Map, a class instance from a transform) cannot
 * be frozen that way (a frozen Date still has `setTime`), so it is left as
 * it is and never shared: each read parses a new one.
 *
 * @module
 */

/** Values nested deeper than this are not walked, and so not shared. */
const MAX_DEPTH = 1000;

/**
 * Freezes `value` deeply when it is plain data.
 *
 * @returns Whether it was plain data, and so is now frozen and may be shared.
 */
export function freezeSnapshot(value: unknown): boolean {
  if (!isPlainData(value, 0)) return false;
  deepFreeze(value);
  return true;
}

function isPlainData(value: unknown, depth: number): boolean {
  if (typeof value !== "object" || value === null) {
    return typeof value !== "function" && typeof value !== "symbol";
  }
  if (depth > MAX_DEPTH) return false;
  if (Array.isArray(value)) {
    for (const item of value) {
      if (!isPlainData(item, depth + 1)) return false;
    }
    return true;
  }
  const prototype = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) return false;
  for (const key in value) {
    if (!isPlainData((value as Record<string, unknown>)[key], depth + 1)) {
      return false;
    }
  }
  return true;
}

function deepFreeze(value: unknown): void {
  if (typeof value !== "object" || value === null) return;
  Object.freeze(value);
  for (const key in value) deepFreeze((value as Record<string, unknown>)[key]);
}
