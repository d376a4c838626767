/**
 * Private: JSON encoding shared by every source, with errors that never echo
 * the text, and the rule for what JSON holds exactly.
 *
 * @module
 */
import { ConfigSourceError, ConfigValidationError } from "../errors.ts";
import {
  bigintSurvivesJson,
  holdsUnsafeNumber,
  readExactNumbers,
  stringifyWithBigints,
} from "./json_numbers.ts";

/**
 * The most levels of nested arrays and objects a stored value may have.
 * The Rust crate reads values with serde_json, whose parser refuses a 128th
 * level, so every value written here stays readable there too.
 */
export const MAX_JSON_DEPTH = 127;

/** The outcome of {@linkcode parseJson}: the value, or why the text is not JSON. */
export type JsonParse =
  | { readonly ok: true; readonly value: unknown }
  | {
    readonly ok: false;
    /** `empty` for text that is empty or only whitespace; `invalid` otherwise. */
    readonly reason: "empty" | "invalid";
    /** Says what is wrong without quoting the text or a position in it. */
    readonly message: string;
    /**
     * Where in the value, for a number past the double range: object keys
     * show as `*` (without the schema, any could be a record's key, which
     * is data), array positions as `[i]`.
     */
    readonly path?: string;
  };

const BYTE_ORDER_MARK = 0xfeff;

/**
 * Parses JSON text from a file, a variable, a database row or stdin. A
 * UTF-8 byte order mark at the start (which Windows editors write) is
 * skipped. Empty text has its own reason, so a message can say "empty"
 * rather than "invalid". The message never quotes the text, nor a
 * position in it: V8's own `SyntaxError` does both, so it is dropped.
 *
 * Numbers come back as the text says (see `json_numbers.ts`): an integer
 * that no double equals (a Rust `u64` past 2^53) reads as a `bigint`, and
 * a number past the double range (`1e400`) is refused with its path,
 * rather than read as Infinity.
 *
 * @param text The JSON text.
 * @returns The parsed value, or the reason it is not JSON.
 *
 * @example
 * ```ts
 * import { parseJson } from "./json.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(parseJson('\uFEFF{"a":1}'), { ok: true, value: { a: 1 } });
 * assert.equal(parseJson("  \n").ok, false);
 * assert.deepEqual(parseJson("18446744073709551615"), { ok: true, value: 18446744073709551615n });
 * assert.equal(parseJson('{"a":[1e400]}').ok, false);
 * ```
 */
export function parseJson(text: string): JsonParse {
  const body = text.charCodeAt(0) === BYTE_ORDER_MARK ? text.slice(1) : text;
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return body.trim() === ""
      ? { ok: false, reason: "empty", message: "Empty: no JSON text" }
      : { ok: false, reason: "invalid", message: "Invalid JSON" };
  }
  if (!holdsUnsafeNumber(value)) return { ok: true, value };
  const exact = readExactNumbers(body);
  if (exact.ok) return exact;
  return exact.path === undefined
    ? {
      ok: false,
      reason: "invalid",
      message:
        "Nested too deeply to read its numbers exactly (the call stack ran out)",
    }
    : {
      ok: false,
      reason: "invalid",
      message:
        "A number past the range of a JavaScript number (±1.8e308), which would read as Infinity",
      path: maskedPath(exact.path),
    };
}

/** `a.b[0]` with every object key shown as `*`: `*.*[0]`. */
function maskedPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const segment of path) {
    if (typeof segment === "number") out += `[${segment}]`;
    else out += out === "" ? "*" : ".*";
  }
  return out;
}

/**
 * Parses JSON text read from a source (see {@linkcode parseJson}). On
 * failure it throws a {@linkcode ConfigValidationError} that names the key
 * and the source but not the text.
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
  const parsed = parseJson(text);
  if (parsed.ok) return parsed.value;
  throw new ConfigValidationError(
    key,
    source,
    [{ path: parsed.path ?? "", message: parsed.message }],
    fix,
  );
}

/** What makes a value come back different from its JSON text. */
export type JsonLossKind =
  | "undefined"
  | "undefined-field"
  | "undefined-item"
  | "non-finite"
  | "bigint"
  | "function"
  | "symbol"
  | "date"
  | "map"
  | "set"
  | "instance"
  | "cycle"
  | "depth"
  | "symbol-key"
  | "array-property";

/** Where a value stops being plain JSON data, and how. */
export interface JsonLoss {
  /** The path to the part that is lost, from the value's root. */
  readonly path: readonly PropertyKey[];
  /** What is lost. */
  readonly kind: JsonLossKind;
  /** For `instance`: the class name. */
  readonly className?: string;
}

/**
 * Finds the first part of `value` that JSON would not give back as it is:
 * `undefined`, NaN and ±Infinity, bigints a double holds exactly (they
 * read back as numbers), functions, symbols, symbol keys, named properties
 * of arrays, Dates, Maps, Sets and other class instances, cycles, and
 * nesting deeper than {@linkcode MAX_JSON_DEPTH}. `-0` counts as plain
 * (JSON writes it as `0`, which equals it), and so does a bigint no double
 * equals (it is written as its JSON integer, and read back as itself).
 * Returns `undefined` for plain JSON data.
 *
 * @param value Any value.
 * @returns The first loss, depth first, or `undefined`.
 *
 * @example
 * ```ts
 * import { jsonLoss } from "./json.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(jsonLoss({ a: [1, "two", null] }), undefined);
 * assert.deepEqual(jsonLoss({ a: [1, NaN] }), { path: ["a", 1], kind: "non-finite" });
 * ```
 */
export function jsonLoss(value: unknown): JsonLoss | undefined {
  if (value === undefined) return { path: [], kind: "undefined" };
  return lossIn(value, [], new Set());
}

function lossIn(
  value: unknown,
  path: PropertyKey[],
  ancestors: Set<object>,
): JsonLoss | undefined {
  switch (typeof value) {
    case "string":
    case "boolean":
      return undefined;
    case "number":
      return Number.isFinite(value)
        ? undefined
        : { path: [...path], kind: "non-finite" };
    case "bigint":
      // One no double equals is written as its JSON integer and read back
      // as this bigint; a smaller one would read back as a number.
      return bigintSurvivesJson(value)
        ? undefined
        : { path: [...path], kind: "bigint" };
    case "function":
    case "symbol":
      return { path: [...path], kind: typeof value as JsonLossKind };
    case "undefined":
      return { path: [...path], kind: "undefined" };
  }
  if (value === null) return undefined;
  const object = value as object;
  if (ancestors.has(object)) return { path: [...path], kind: "cycle" };
  // Reported at the root: a path 127 levels long says nothing more.
  if (ancestors.size >= MAX_JSON_DEPTH) return { path: [], kind: "depth" };
  const special = instanceLoss(object);
  if (special !== undefined) return { path: [...path], ...special };
  // JSON.stringify skips symbol keys, and every key of an array but its
  // indices: such a property would be silently left out.
  const symbol = Object.getOwnPropertySymbols(object).find((s) =>
    Object.prototype.propertyIsEnumerable.call(object, s)
  );
  if (symbol !== undefined) {
    return { path: [...path, symbol], kind: "symbol-key" };
  }
  ancestors.add(object);
  try {
    if (Array.isArray(object)) {
      const named = namedArrayProperty(object);
      if (named !== undefined) {
        return { path: [...path, named], kind: "array-property" };
      }
      for (let i = 0; i < object.length; i++) {
        const item: unknown = object[i];
        if (item === undefined) {
          return { path: [...path, i], kind: "undefined-item" };
        }
        path.push(i);
        const loss = lossIn(item, path, ancestors);
        path.pop();
        if (loss !== undefined) return loss;
      }
      return undefined;
    }
    for (const field of Object.keys(object)) {
      const item: unknown = (object as Record<string, unknown>)[field];
      if (item === undefined) {
        return { path: [...path, field], kind: "undefined-field" };
      }
      path.push(field);
      const loss = lossIn(item, path, ancestors);
      path.pop();
      if (loss !== undefined) return loss;
    }
    return undefined;
  } finally {
    ancestors.delete(object);
  }
}

/**
 * An enumerable own key of `array` that is not an index, if it has one. An
 * array without holes has exactly `length` index keys, so the common case
 * is told by the count alone.
 */
function namedArrayProperty(array: unknown[]): string | undefined {
  const keys = Object.keys(array);
  return keys.length === array.length ? undefined : keys.find(isNotIndex);
}

function isNotIndex(key: string): boolean {
  return !/^(0|[1-9]\d*)$/.test(key);
}

/** The loss of an object that is not a plain object or array, if it is one. */
function instanceLoss(
  object: object,
): { kind: JsonLossKind; className?: string } | undefined {
  if (Array.isArray(object)) return undefined;
  const prototype = Object.getPrototypeOf(object);
  if (prototype === Object.prototype || prototype === null) return undefined;
  if (object instanceof Date) return { kind: "date" };
  if (object instanceof Map) return { kind: "map" };
  if (object instanceof Set) return { kind: "set" };
  const className = (prototype as { constructor?: { name?: unknown } })
    .constructor?.name;
  return typeof className === "string" && className !== ""
    ? { kind: "instance", className }
    : { kind: "instance" };
}

/**
 * What happens to a lost part in JSON, as a phrase: "a Date, which JSON
 * writes as an ISO string". It never holds the value.
 *
 * @param loss What {@linkcode jsonLoss} found.
 * @returns A phrase to put in a message.
 */
export function describeLoss(loss: JsonLoss): string {
  switch (loss.kind) {
    case "undefined":
      return "undefined, which has no JSON form";
    case "undefined-field":
      return "a field set to undefined, which JSON leaves out";
    case "undefined-item":
      return "undefined in an array (or an empty slot), which JSON writes as null";
    case "non-finite":
      return "NaN or Infinity, which JSON writes as null";
    case "bigint":
      return "a bigint that a JavaScript number holds exactly, which JSON reads back as a number";
    case "function":
      return "a function, which has no JSON form";
    case "symbol":
      return "a symbol, which has no JSON form";
    case "date":
      return "a Date, which JSON writes as an ISO string";
    case "map":
      return "a Map, which JSON writes as {}";
    case "set":
      return "a Set, which JSON writes as {}";
    case "instance":
      return `${
        loss.className ? `an instance of ${loss.className}` : "a class instance"
      }, which JSON writes as plain data and reads back as a plain object`;
    case "cycle":
      return "a value that contains itself (a cycle)";
    case "depth":
      return `more than ${MAX_JSON_DEPTH} levels of nested arrays and objects, which the Rust crate's JSON reader refuses`;
    case "symbol-key":
      return "a property with a symbol key, which JSON leaves out";
    case "array-property":
      return "a named property on an array (not an index), which JSON leaves out";
  }
}

/**
 * Encodes a value as JSON text for a source. Anything that would not read
 * back as it is (see {@linkcode jsonLoss}) is refused with a
 * {@linkcode ConfigSourceError} that says what it is, instead of storing
 * something else.
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
  const loss = jsonLoss(value);
  if (loss !== undefined) {
    throw new ConfigSourceError(
      `Cannot store key "${key}" in ${source}: the value holds ${
        describeLoss(loss)
      }: pass plain JSON data (ConfigManager.set says which path and what to use instead)`,
      { key, source },
    );
  }
  return stringifyWithBigints(value, space)!;
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
