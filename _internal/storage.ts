/**
 * Private: what to store once a value has validated, and the one place that
 * writes it: `set`, `getOrPrompt`'s answer and a migration's write-back all
 * go through {@linkcode store} or {@linkcode storeIfUnchanged}, and a
 * fields-mode write (`layered_write.ts`) through {@linkcode writeStored}.
 *
 * The rule: what is stored is what reads back as the parsed value. A read
 * parses the stored JSON with the schema, so a candidate is kept only when
 * `schema.parse(JSON.parse(JSON.stringify(candidate)))` equals
 * `schema.parse(input)`. The candidates, in order:
 *
 * 1. the parsed value, defaults filled (as the Rust crate stores a whole
 *    struct), when it parses back to itself;
 * 2. zod's `z.encode()` of it, for a codec, whose input side is what JSON
 *    holds (an ISO string for a Date);
 * 3. the input, for a transform or coercion that cannot be encoded.
 *
 * When none reads back equal (a Map, a Date under `z.date()`, NaN, a
 * transform that is not deterministic), nothing is written and a
 * {@linkcode ConfigValidationError} names the path and what to use instead.
 *
 * @module
 */
import { z } from "zod";
import type { ConfigDefinition } from "../config.ts";
import { ConfigValidationError, type ValidationIssue } from "../errors.ts";
import type { ConfigSource } from "../source.ts";
import { deepEqual } from "./equal.ts";
import {
  describeLoss,
  isPlainObject,
  type JsonLoss,
  jsonLoss,
  parseJson,
} from "./json.ts";
import { stringifyWithBigints } from "./json_numbers.ts";
import { sourceFailure } from "./safe_error.ts";
import { innerOfWrapper, MAX_SCHEMA_NODES } from "./schema_walk.ts";
import {
  declaredPath,
  isStackOverflow,
  validateSyncFirst,
} from "./validate.ts";

type Schema<T, I> = ConfigDefinition<T, I>["schema"];

/** What to write for a value, or why nothing can be. */
export type Persisted =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly issues: readonly ValidationIssue[] };

/**
 * Chooses the JSON data to store for `input`, which the schema parsed to
 * `parsed`: the first candidate that reads back as `parsed` (see the module
 * doc). The value returned is plain JSON data, exactly what a read will see.
 */
export async function persistedValue<T, I>(
  schema: Schema<T, I>,
  input: unknown,
  parsed: T,
): Promise<Persisted> {
  // A declared field set to undefined is the same as one left out: JSON
  // has no undefined, and the schema reads both alike.
  const expected = withoutUndefinedFields(schema, parsed, "out");
  const tried: unknown[] = [];
  for (const candidate of candidates(schema, input, parsed, expected)) {
    let value: unknown;
    try {
      value = await candidate();
    } catch {
      continue; // a transform cannot be encoded, or encoding threw
    }
    if (tried.some((seen) => Object.is(seen, value))) continue;
    tried.push(value);
    const data = await readsBackAs(schema, value, expected);
    if (data !== undefined) return { ok: true, value: data.value };
  }
  return { ok: false, issues: [await whyNot(schema, input, parsed)] };
}

/**
 * The candidates, each computed only if the ones before it fail. `expected`
 * is `parsed` without its undefined fields, already built: the first one.
 */
function candidates<T, I>(
  schema: Schema<T, I>,
  input: unknown,
  parsed: T,
  expected: unknown,
): (() => unknown)[] {
  return [
    () => expected,
    () => encoded(schema, parsed),
    () => withoutUndefinedFields(schema, input, "in"),
  ];
}

/**
 * `value` without the fields that are `undefined` where `schema` declares
 * them in an object's shape, following objects and arrays on the input or
 * the output side of pipes. Undeclared keys (of a record, or under
 * `z.unknown()`) are data, so they are kept, and refused later.
 */
function withoutUndefinedFields(
  schema: z.ZodType,
  value: unknown,
  side: "in" | "out",
): unknown {
  if (typeof value !== "object" || value === null) return value;
  let current = schema;
  // Bounded: a z.lazy() that returns a new z.lazy() has no end.
  for (let n = 0; n < MAX_SCHEMA_NODES; n++) {
    const def = current._zod.def as unknown as Record<string, unknown>;
    const inner = def.type === "pipe"
      ? def[side] as z.ZodType
      : innerOfWrapper(current);
    if (inner === undefined) break;
    current = inner;
  }
  const def = current._zod.def as unknown as Record<string, unknown>;
  if (def.type === "array" && Array.isArray(value)) {
    const element = def.element as z.ZodType;
    return value.map((item) => withoutUndefinedFields(element, item, side));
  }
  if (def.type !== "object" || !isPlainObject(value)) return value;
  const shape = def.shape as Record<string, z.ZodType>;
  const out: Record<string, unknown> = {};
  let changed = false;
  for (const [field, item] of Object.entries(value)) {
    const fieldSchema = Object.hasOwn(shape, field) ? shape[field] : undefined;
    if (fieldSchema === undefined) {
      out[field] = item;
      continue;
    }
    if (item === undefined) {
      changed = true;
      continue;
    }
    const kept = withoutUndefinedFields(fieldSchema, item, side);
    changed ||= kept !== item;
    out[field] = kept;
  }
  return changed ? out : value;
}

/** zod 4's `z.encode` of a parsed value: the input side of its codecs. */
async function encoded<T, I>(schema: Schema<T, I>, parsed: T): Promise<I> {
  let result;
  try {
    result = z.safeEncode(schema, parsed);
  } catch (error) {
    if (!(error instanceof z.core.$ZodAsyncError)) throw error;
    result = await z.safeEncodeAsync(schema, parsed);
  }
  if (!result.success) throw new Error("not encodable");
  return result.data;
}

/**
 * The JSON data `candidate` becomes, when the schema reads it back as
 * `parsed`; otherwise `undefined`.
 */
async function readsBackAs<T, I>(
  schema: Schema<T, I>,
  candidate: unknown,
  parsed: T,
): Promise<{ value: unknown } | undefined> {
  try {
    const data = jsonData(candidate);
    if (data === undefined) return undefined;
    const back = await validateSyncFirst(schema, data.value);
    return back.ok && deepEqual(back.value, parsed) ? data : undefined;
  } catch {
    // A getter or toJSON() that throws, or a stack that runs out: not this one.
    return undefined;
  }
}

/**
 * What JSON gives back for `value`: the value itself when it is plain JSON
 * data, else its JSON text parsed again (a Date becomes its ISO string).
 * `undefined` when JSON cannot hold it at all, or it nests too deeply.
 */
function jsonData(value: unknown): { value: unknown } | undefined {
  const loss = jsonLoss(value);
  if (loss === undefined) return { value };
  // What JSON leaves out without a trace (and deepEqual, which compares
  // indices and string keys, would not miss) is never a candidate.
  if (
    loss.kind === "cycle" || loss.kind === "depth" ||
    loss.kind === "symbol-key" || loss.kind === "array-property"
  ) return undefined;
  const text = stringifyWithBigints(value);
  if (text === undefined) return undefined;
  const back = parseJson(text);
  return back.ok && jsonLoss(back.value) === undefined
    ? { value: back.value }
    : undefined;
}

/**
 * The issue for a value no candidate can store: the first part of the
 * input (or else of the parsed value) that JSON loses, with what to use
 * instead; or, when all of it is JSON, the first path that reads back
 * different.
 */
async function whyNot<T, I>(
  schema: Schema<T, I>,
  input: unknown,
  parsed: T,
): Promise<ValidationIssue> {
  for (
    const value of [
      withoutUndefinedFields(schema, input, "in"),
      withoutUndefinedFields(schema, parsed, "out"),
    ]
  ) {
    let loss: JsonLoss | undefined;
    try {
      loss = jsonLoss(value);
    } catch (error) {
      return {
        path: "",
        message: `The value could not be read (${
          isStackOverflow(error) ? "nested too deeply" : "a getter threw"
        }): pass plain JSON data`,
      };
    }
    if (loss !== undefined) {
      return {
        path: declaredPath(schema, loss.path),
        message: lossMessage(loss),
      };
    }
  }
  let back;
  try {
    back = await validateSyncFirst(schema, input);
  } catch {
    back = undefined;
  }
  const where = back?.ok
    ? firstDifference(back.value, withoutUndefinedFields(schema, parsed, "out"))
    : [];
  return {
    path: declaredPath(schema, where ?? []),
    message:
      "Reads back as a different value: the schema's transform or default gives another result each time, or undoes itself: make it deterministic, or write it as a z.codec() so the value can be encoded",
  };
}

/**
 * Why a value with `loss` cannot be stored, and what to use instead:
 * "A Date, which JSON writes as an ISO string, so the value would not read
 * back as it was set: use z.coerce.date(), …".
 */
export function lossMessage(loss: JsonLoss): string {
  return `${capitalise(describeLoss(loss))}${consequence(loss)}: ${
    insteadOf(loss)
  }`;
}

/** What the loss means for a value that must read back: it would fail, or change. */
function consequence(loss: JsonLoss): string {
  switch (loss.kind) {
    case "undefined":
    case "cycle":
    case "depth":
      return "";
    default:
      return ", so the value would not read back as it was set";
  }
}

/** What to use instead of the part JSON loses. */
function insteadOf(loss: JsonLoss): string {
  switch (loss.kind) {
    case "date":
      return "use z.coerce.date(), or an ISO-string codec such as z.codec(z.iso.datetime(), z.date(), { decode: (s) => new Date(s), encode: (d) => d.toISOString() })";
    case "map":
      return "use z.record(), or a z.codec() that encodes the Map as an object";
    case "set":
      return "use z.array(), or a z.codec() that encodes the Set as an array";
    case "bigint":
      return "use z.coerce.bigint(), which reads a number back as a bigint, or a z.codec() that encodes it as a string";
    case "non-finite":
      return "store a finite number, or null with .nullable()";
    case "undefined":
      return "pass a value; to remove the key, use delete()";
    case "undefined-field":
      return "leave the field out, or use null with .nullable()";
    case "undefined-item":
      return "use null with .nullable()";
    case "function":
    case "symbol":
    case "symbol-key":
      return "store plain data";
    case "array-property":
      return "use an object to hold the array and the property side by side";
    case "instance":
      return "store plain objects, or use a z.codec() that encodes it";
    case "cycle":
      return "store a value without cycles";
    case "depth":
      return "store a flatter value";
  }
}

/** The path of the first place where two parsed values differ. */
function firstDifference(
  a: unknown,
  b: unknown,
  path: PropertyKey[] = [],
): PropertyKey[] | undefined {
  if (deepEqual(a, b)) return undefined;
  if (
    typeof a === "object" && a !== null && typeof b === "object" &&
    b !== null && Object.getPrototypeOf(a) === Object.getPrototypeOf(b) &&
    (Array.isArray(a) || Object.getPrototypeOf(a) === Object.prototype)
  ) {
    const record = a as Record<string, unknown>;
    const other = b as Record<string, unknown>;
    for (
      const key of new Set([...Object.keys(record), ...Object.keys(other)])
    ) {
      const segment = Array.isArray(a) ? Number(key) : key;
      const inner = firstDifference(record[key], other[key], [
        ...path,
        segment,
      ]);
      if (inner !== undefined) return inner;
    }
  }
  return path;
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/**
 * Writes a value that has already validated (`input` parsed to `parsed`)
 * to `target`, choosing what to store with {@linkcode persistedValue}.
 *
 * @param what Names the value in the error, such as "the value passed to set()".
 * @throws {ConfigValidationError} When no JSON reads back as `parsed`; nothing is written.
 */
export async function store<T, I>(
  target: ConfigSource,
  def: ConfigDefinition<T, I>,
  input: unknown,
  parsed: T,
  what = "the value to store",
): Promise<void> {
  await writeStored(target, def.key, await storable(def, input, parsed, what));
}

/**
 * Writes JSON data already chosen by the storage rule (what
 * {@linkcode storable} returned, or the fields of it a fields-mode write
 * keeps) to `target`; a failure that is not a `ConfigError` becomes one
 * naming the source and the key.
 */
export async function writeStored(
  target: ConfigSource,
  key: string,
  value: unknown,
): Promise<void> {
  try {
    await target.set(key, value);
  } catch (error) {
    throw sourceFailure(error, target.name, key);
  }
}

/**
 * Like {@linkcode store}, but only if `target` still holds `expected` (what
 * was read from it), through its `compareAndSet`, so a value another
 * process stored meanwhile is kept.
 *
 * @returns `true` when written; `false` when the stored value changed.
 */
export async function storeIfUnchanged<T, I>(
  target: ConfigSource & Required<Pick<ConfigSource, "compareAndSet">>,
  def: ConfigDefinition<T, I>,
  expected: unknown,
  input: unknown,
  parsed: T,
): Promise<boolean> {
  const value = await storable(def, input, parsed, "the migrated value");
  try {
    return await target.compareAndSet(def.key, expected, value);
  } catch (error) {
    throw sourceFailure(error, target.name, def.key);
  }
}

/**
 * The JSON data to store for a validated value (see
 * {@linkcode persistedValue}).
 *
 * @param what Names the value in the error, such as "the value passed to set()".
 * @throws {ConfigValidationError} When no JSON reads back as `parsed`.
 */
export async function storable<T, I>(
  def: ConfigDefinition<T, I>,
  input: unknown,
  parsed: T,
  what: string,
): Promise<unknown> {
  const chosen = await persistedValue(def.schema, input, parsed);
  if (!chosen.ok) {
    throw new ConfigValidationError(
      def.key,
      what,
      chosen.issues,
      "nothing was stored",
    );
  }
  return chosen.value;
}
