/**
 * Private: JSON numbers that a JavaScript number cannot hold. `JSON.parse`
 * rounds an integer past 2^53 (a Rust `u64`, which the Rust crate writes
 * as a JSON number) to the nearest double, and reads `1e400` as Infinity,
 * both silently. Here such an integer reads as the exact `bigint` its text
 * says, a number past the double range is found with its path, and a
 * `bigint` is written back as the JSON integer it is.
 *
 * The common case costs one walk of the parsed value: a number within
 * ±(2^53 − 1) is always the one its text says, so the text is parsed a
 * second time, with a reviver that sees each number's source text, only
 * when a number outside that range was read.
 *
 * @module
 */

/** What {@linkcode readExactNumbers} found. */
export type ExactRead =
  | { readonly ok: true; readonly value: unknown }
  | {
    readonly ok: false;
    /** Where a number past the double range is, or `undefined` when the text nests too deeply to tell. */
    readonly path: readonly PropertyKey[] | undefined;
  };

/** An integer literal: the only number text `JSON.parse` may round that must be exact. */
const INTEGER_LITERAL = /^-?\d+$/;

/**
 * Whether `value` holds a number outside ±(2^53 − 1), a non-finite one,
 * or a bigint: parsed, the only numbers that may differ from their text
 * (decimals are approximate by nature, and read as such); to write, the
 * only ones `JSON.stringify` would not write exactly.
 *
 * @param value A value `JSON.parse` returned, or one to write.
 * @returns `true` when the text must be read again with {@linkcode readExactNumbers}.
 */
export function holdsUnsafeNumber(value: unknown): boolean {
  try {
    return unsafeIn(value);
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    // Nested deeper than the call stack: walked without recursion.
    return unsafeInDeep(value);
  }
}

function isUnsafe(n: number): boolean {
  // Also true for NaN and ±Infinity.
  return !(n <= Number.MAX_SAFE_INTEGER && n >= -Number.MAX_SAFE_INTEGER);
}

/** Whether `item` is an unsafe number or a bigint, or holds one. */
function unsafeIn(item: unknown): boolean {
  switch (typeof item) {
    case "number":
      return isUnsafe(item);
    case "bigint":
      return true;
    case "object":
      return item !== null && unsafeInside(item);
    default:
      return false;
  }
}

// The hot path of every read: V8 inlines `unsafeMember` here, so a string
// or a small number costs no call (as fast as testing it in place).
function unsafeInside(object: object): boolean {
  if (Array.isArray(object)) {
    for (let i = 0; i < object.length; i++) {
      if (unsafeMember(object[i])) return true;
    }
    return false;
  }
  for (const key in object) {
    if (unsafeMember((object as Record<string, unknown>)[key])) return true;
  }
  return false;
}

function unsafeMember(item: unknown): boolean {
  return typeof item === "number"
    ? isUnsafe(item)
    : typeof item === "object"
    ? item !== null && unsafeInside(item)
    : typeof item === "bigint";
}

function unsafeInDeep(value: unknown): boolean {
  const pending: unknown[] = [value];
  const seen = new Set<object>();
  while (pending.length > 0) {
    const part = pending.pop();
    if (typeof part === "number" && isUnsafe(part)) return true;
    if (typeof part === "bigint") return true;
    if (typeof part === "object" && part !== null && !seen.has(part)) {
      seen.add(part);
      pending.push(...Object.values(part));
    }
  }
  return false;
}

/**
 * Parses JSON text whose numbers must come back as the text says: an
 * integer that no double equals reads as a `bigint`; a number past the
 * double range (±1.8e308) is refused with its path. Needs the source text
 * a reviver is given (`context.source`: V8 11.4, Node 21, Deno 1.35, Bun);
 * where a runtime gives none, numbers read as `JSON.parse` reads them.
 *
 * @param text Valid JSON text, without a byte order mark.
 * @returns The value, or where the number past the range is.
 * @throws {SyntaxError} When the text is not JSON.
 *
 * @example
 * ```ts
 * import { readExactNumbers } from "./json_numbers.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(readExactNumbers('{"id":18446744073709551615,"n":1e20}'), {
 *   ok: true,
 *   value: { id: 18446744073709551615n, n: 1e20 },
 * });
 * assert.deepEqual(readExactNumbers('{"a":[1,1e400]}'), { ok: false, path: ["a", 1] });
 * ```
 */
export function readExactNumbers(text: string): ExactRead {
  let outOfRange = false;
  let value: unknown;
  try {
    value = JSON.parse(
      text,
      function (
        _key,
        parsed: unknown,
        context?: { source?: string },
      ): unknown {
        if (typeof parsed !== "number" || !isUnsafe(parsed)) return parsed;
        const source = context?.source;
        if (source !== undefined && INTEGER_LITERAL.test(source)) {
          // Infinity too: an integer of 309 digits or more is exact as a bigint.
          const exact = BigInt(source);
          if (!Number.isFinite(parsed) || BigInt(parsed) !== exact) {
            return exact;
          }
        }
        if (!Number.isFinite(parsed)) outOfRange = true;
        return parsed;
      },
    );
  } catch (error) {
    // The reviver's walk ran out of call stack: too deep to tell.
    if (error instanceof RangeError) return { ok: false, path: undefined };
    throw error;
  }
  return outOfRange
    ? { ok: false, path: pathOfNonFinite(value) ?? [] }
    : { ok: true, value };
}

/** The path of the first non-finite number in `value`, depth first. */
function pathOfNonFinite(value: unknown): PropertyKey[] | undefined {
  const pending: [unknown, PropertyKey[]][] = [[value, []]];
  while (pending.length > 0) {
    const [part, path] = pending.pop()!;
    if (typeof part === "number" && !Number.isFinite(part)) return path;
    if (typeof part !== "object" || part === null) continue;
    const entries = Array.isArray(part)
      ? part.map((item, i) => [i, item] as const)
      : Object.entries(part);
    for (let i = entries.length - 1; i >= 0; i--) {
      const [key, item] = entries[i]!;
      pending.push([item, [...path, key]]);
    }
  }
  return undefined;
}

/**
 * Whether JSON can hold `value` as the bigint it is: one no double equals,
 * written as its JSON integer, reads back as this bigint. A smaller one
 * reads back as a number.
 *
 * @param value A bigint.
 * @returns `true` when it is written, and read back, exactly.
 */
export function bigintSurvivesJson(value: bigint): boolean {
  return RAW_JSON !== undefined && BigInt(Number(value)) !== value;
}

type RawJson = (text: string) => unknown;

/** `JSON.rawJSON` (ES2025), where the runtime has it. */
const RAW_JSON: RawJson | undefined =
  (JSON as unknown as { rawJSON?: RawJson }).rawJSON;

/**
 * `JSON.stringify`, except that numbers are written as the exact values
 * they are: a bigint as its JSON integer (as serde_json writes a `u64`)
 * instead of throwing, and an integer double past 2^53 with all of its
 * digits (`-3477019041511258112`) rather than the shortest text that
 * JavaScript reads back (`-3477019041511258000`), which other readers
 * (and {@linkcode readExactNumbers}) would take as a different integer.
 * The replacer runs only when the value holds such a number.
 *
 * @param value The value.
 * @param space Indentation.
 * @returns The JSON text, or `undefined` for a value with no JSON form.
 *
 * @example
 * ```ts
 * import { stringifyWithBigints } from "./json_numbers.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(stringifyWithBigints({ id: 18446744073709551615n }), '{"id":18446744073709551615}');
 * assert.equal(stringifyWithBigints([-3477019041511258000]), "[-3477019041511258112]");
 * ```
 */
export function stringifyWithBigints(
  value: unknown,
  space?: number,
): string | undefined {
  const raw = RAW_JSON;
  if (raw === undefined) return JSON.stringify(value, null, space);
  try {
    if (!holdsUnsafeNumber(value)) return JSON.stringify(value, null, space);
  } catch {
    // A getter that throws: JSON.stringify below says so in its own terms.
  }
  return JSON.stringify(value, (_key, item: unknown) => {
    if (typeof item === "bigint") return raw(item.toString());
    // Below 1e21 JavaScript writes an integer without an exponent.
    if (
      typeof item === "number" && Number.isInteger(item) &&
      !Number.isSafeInteger(item) && Math.abs(item) < 1e21
    ) {
      return raw(BigInt(item).toString());
    }
    return item;
  }, space);
}
