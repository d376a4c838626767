/**
 * Private: validating values against a schema, with issues that never hold
 * values. The public `validate` and every internal caller go through here.
 *
 * What an issue may show:
 * - its path, with the keys of records, maps and catchalls masked (`*`),
 *   since those keys are data;
 * - the schema's own (custom) message, unless the issue concerns a secret:
 *   its path is a secret, lies inside one, or holds one below it, or a
 *   refinement or transform that sees a secret could have raised it. Such
 *   an issue shows the message zod gives for its code, built only from what
 *   the schema declares, since a custom message may quote the value;
 * - for a transform or refinement that throws, only where it threw and the
 *   error's class: its message may quote the value, so it is dropped.
 *
 * @module
 */
import { z } from "zod";
import type { ValidationIssue } from "../errors.ts";
import { describeError } from "./safe_error.ts";
import {
  containsSecret,
  hasSecretMark,
  innerOfWrapper,
  MAX_SCHEMA_NODES,
  runsAsyncCode,
  runsUserCode,
  walkSchemas,
} from "./schema_walk.ts";

/**
 * The outcome of `validate`.
 *
 * @example Check a value before storing it
 * ```ts
 * import { validate, type ValidationResult } from "@harmony/config";
 * import { z } from "zod";
 * import assert from "node:assert/strict";
 *
 * const Port = z.number().int().min(1);
 * const result: ValidationResult<number> = await validate(Port, 0);
 * if (result.ok) {
 *   const port: number = result.value; // typed and parsed
 *   console.log(`port ${port}`);
 * } else {
 *   // Paths and zod's messages only; the value is never quoted.
 *   assert.deepEqual(result.issues.map((issue) => issue.path), [""]);
 * }
 * ```
 */
export type ValidationResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly issues: readonly ValidationIssue[] };

/** How to validate. */
export interface ValidateOptions {
  /**
   * The value is part of a secret that its own schema does not mark (an
   * element of a list marked secret as a whole): every issue is a secret's.
   */
  readonly insideSecret?: boolean;
}

// The input is kept on zod's issues only so that a secret's issue can name
// the type it received; it is replaced by an empty value of that type
// before any message is built, and never leaves this module.
const PARSE_OPTIONS = { reportInput: true } as const;

/** Schemas that turned out to need async parsing though no `async` function says so. */
const learnedAsync = new WeakSet<z.ZodType>();

/**
 * Whether `schema` needs `safeParseAsync`, known before parsing: a sync
 * parse of it would start its async code and leave a promise behind, whose
 * rejection (a refinement that throws) nobody would handle.
 */
function needsAsyncParse(schema: z.ZodType): boolean {
  return learnedAsync.has(schema) || runsAsyncCode(schema);
}

/**
 * Validates synchronously; throws zod's `$ZodAsyncError` for a schema with
 * async refinements or transforms. Only the sync hot path of `get` uses it.
 * A transform or refinement that throws is a failure at the path where it
 * threw, with neither its message nor the error itself kept.
 */
export function validateSync<T>(
  schema: z.ZodType<T>,
  value: unknown,
  options: ValidateOptions = {},
): ValidationResult<T> {
  if (needsAsyncParse(schema)) throw new z.core.$ZodAsyncError();
  let result: z.ZodSafeParseResult<T>;
  try {
    result = schema.safeParse(value, PARSE_OPTIONS);
  } catch (error) {
    if (isAsyncParseError(error)) {
      learnedAsync.add(schema);
      throw error;
    }
    if (tooDeepToLocate(error, value)) return TOO_DEEP;
    return thrown(schema, runSync(locateThrow(schema, value)), error, options);
  }
  return settled(schema, result, options);
}

/**
 * What a value nested too deeply for zod's recursive walk (a `z.lazy`
 * schema over a value thousands of levels deep) fails with, instead of an
 * untyped `RangeError` from the exhausted call stack.
 */
const TOO_DEEP: ValidationResult<never> = {
  ok: false,
  issues: [{
    path: "",
    message:
      "Nested too deeply to check against the schema (the call stack ran out)",
  }],
};

/**
 * Whether the stack ran out on a value nested so deeply that locating what
 * threw would walk it again level by level (and run out of memory): such a
 * value is {@linkcode TOO_DEEP}. A stack that ran out on a shallow value
 * comes from a schema that recurses on itself, which the locator stops.
 */
function tooDeepToLocate(error: unknown, value: unknown): boolean {
  return isStackOverflow(error) && nestedDeeperThan(value, LOCATE_DEPTH_LIMIT);
}

/** Beyond this nesting, a value whose parse ran out of stack is too deep to locate in. */
const LOCATE_DEPTH_LIMIT = 256;

/** Whether `value` nests arrays or objects more than `limit` levels deep; walked without recursion. */
function nestedDeeperThan(value: unknown, limit: number): boolean {
  const pending: [unknown, number][] = [[value, 0]];
  const seen = new Set<object>();
  for (let next = pending.pop(); next; next = pending.pop()) {
    const [part, depth] = next;
    if (typeof part !== "object" || part === null || seen.has(part)) continue;
    if (depth >= limit) return true;
    seen.add(part);
    for (const child of Object.values(part)) pending.push([child, depth + 1]);
  }
  return false;
}

/** True for the `RangeError` of an exhausted call stack. */
export function isStackOverflow(error: unknown): boolean {
  return error instanceof RangeError && /call stack/i.test(error.message);
}

/**
 * Validates synchronously when the schema allows it, and only returns a
 * promise for a schema with async refinements or transforms. Hot paths use
 * it to avoid an `await`, which costs a microtask per read.
 */
export function validateSyncFirst<T>(
  schema: z.ZodType<T>,
  value: unknown,
  options: ValidateOptions = {},
): ValidationResult<T> | Promise<ValidationResult<T>> {
  try {
    return validateSync(schema, value, options);
  } catch (error) {
    if (!isAsyncParseError(error)) throw error;
  }
  return schema.safeParseAsync(value, PARSE_OPTIONS).then(
    (result) => settled(schema, result, options),
    async (error) =>
      tooDeepToLocate(error, value) ? TOO_DEEP : thrown(
        schema,
        await runAsync(locateThrow(schema, value)),
        error,
        options,
      ),
  );
}

/**
 * What `schema` parses `value` to, when it accepts it synchronously;
 * `undefined` when it rejects it, throws, or needs async parsing, which is
 * then never started. For the questions that only want a quick answer:
 * a schema's default, or which option of a union a value matches.
 */
export function parsedSync(
  schema: z.ZodType,
  value: unknown,
): { readonly value: unknown } | undefined {
  if (needsAsyncParse(schema)) return undefined;
  try {
    const result = schema.safeParse(value);
    return result.success ? { value: result.data } : undefined;
  } catch (error) {
    if (isAsyncParseError(error)) learnedAsync.add(schema);
    return undefined;
  }
}

/**
 * zod's signal that a schema needs `safeParseAsync`. Told by name as well
 * as class, as a schema from another (accepted) copy of zod throws that
 * copy's class.
 */
function isAsyncParseError(error: unknown): boolean {
  return error instanceof z.core.$ZodAsyncError ||
    (error instanceof Error && error.constructor.name === "$ZodAsyncError");
}

/** Formats a zod issue path as `a.b[0].c`; empty for the value itself. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const segment of path) {
    if (typeof segment === "number") out += `[${segment}]`;
    else out += (out === "" ? "" : ".") + String(segment);
  }
  return out;
}

function settled<T>(
  schema: z.ZodType,
  result: z.ZodSafeParseResult<T>,
  options: ValidateOptions,
): ValidationResult<T> {
  if (result.success) return { ok: true, value: result.data };
  return {
    ok: false,
    issues: result.error.issues.map((issue) => {
      const place = placeIssue(schema, issue.path, options);
      return { path: formatPath(place.path), message: messageOf(issue, place) };
    }),
  };
}

/** The failure for a transform or refinement that threw at `path`. */
function thrown(
  schema: z.ZodType,
  path: readonly PropertyKey[],
  error: unknown,
  options: ValidateOptions,
): ValidationResult<never> {
  return {
    ok: false,
    issues: [{
      path: formatPath(placeIssue(schema, path, options).path),
      message: `Invalid input: a transform or refinement of the schema threw ${
        describeError(error)
      }`,
    }],
  };
}

/** What an issue's path says about it. */
interface Place {
  /** The path to show, data keys masked. */
  readonly path: readonly PropertyKey[];
  /** Whether the issue concerns a secret. */
  readonly secret: boolean;
  /** The schemas at the issue's path, wrappers and alternatives included. */
  readonly layers: readonly z.ZodType[];
}

/** What a record, map or catchall key in an issue path shows as. */
const MASKED_KEY = "*";

type Def = Record<string, unknown>;

function defOf(schema: z.ZodType): Def {
  return schema._zod.def as unknown as Def;
}

function shapeOf(def: Def): Record<PropertyKey, z.ZodType> {
  return def.shape as Record<PropertyKey, z.ZodType>;
}

/**
 * Walks `schema` along `path`: masks every segment that is a key of a
 * record, map or catchall, and tells whether the issue concerns a secret.
 * Where the schema could be several things (a union, both sides of a
 * pipe), a segment is masked, and the issue a secret's, if any of them says
 * so. Where the schema cannot be followed, the segments come from a
 * refinement's own path, not from the input's keys: they are kept, unless
 * the issue is a secret's.
 */
function placeIssue(
  schema: z.ZodType,
  path: readonly PropertyKey[],
  options: ValidateOptions,
): Place {
  let secret = options.insideSecret === true;
  let nodes: z.ZodType[] = [schema];
  const look = (): z.ZodType[] => {
    // Layers past the walk's bound could hold a secret: assume they do.
    const layers = layersOf(nodes, () => (secret = true));
    // A refinement or transform sees the whole value at its node and may
    // put an issue, with its own message, at any path below it.
    if (
      layers.some(hasSecretMark) ||
      (layers.some(runsUserCode) && nodes.some(containsSecret))
    ) {
      secret = true;
    }
    return layers;
  };
  let layers = look();
  const shown: PropertyKey[] = [];
  let lostAt = path.length;
  for (const [index, segment] of path.entries()) {
    if (nodes.length === 0) {
      shown.push(segment);
      continue;
    }
    shown.push(
      layers.some((l) => keyedByData(l, segment)) ? MASKED_KEY : segment,
    );
    nodes = layers.flatMap((l) => childAt(l, segment));
    if (nodes.length === 0) lostAt = Math.min(lostAt, index);
    layers = look();
  }
  if (nodes.some(containsSecret)) secret = true;
  return {
    path: secret
      ? shown.map((segment, i) => i >= lostAt ? MASKED_KEY : segment)
      : shown,
    secret,
    layers,
  };
}

/**
 * The schemas a value described by `schemas` is checked against: the
 * schemas themselves, what their wrappers wrap, both sides of pipes, and
 * every option of unions and intersections.
 */
function layersOf(
  schemas: readonly z.ZodType[],
  cut?: () => void,
): z.ZodType[] {
  const out: z.ZodType[] = [];
  // Bounded: a union holding a z.lazy() that builds a new union each time
  // has no end; what the bounds leave out is reported through `cut`.
  const end = walkSchemas(schemas, layersInside, (schema) => {
    out.push(schema);
    return false;
  });
  if (end === "cut") cut?.();
  return out;
}

/** What a wrapper wraps, both sides of a pipe, a union's options, an intersection's sides. */
function layersInside(schema: z.ZodType): z.ZodType[] {
  const inner = innerOfWrapper(schema);
  if (inner !== undefined) return [inner];
  const def = defOf(schema);
  switch (def.type) {
    case "pipe":
      return [def.in as z.ZodType, def.out as z.ZodType];
    case "union":
      return def.options as z.ZodType[];
    case "intersection":
      return [def.left as z.ZodType, def.right as z.ZodType];
    default:
      return [];
  }
}

/**
 * Formats a path into a value that `schema` describes, keeping only the
 * field names the schema declares and array positions: any other key (of
 * a record, a map, a catchall, or a part the schema does not follow, such
 * as `z.unknown()`) is data and shows as `*`.
 */
export function declaredPath(
  schema: z.ZodType,
  path: readonly PropertyKey[],
): string {
  let layers = layersOf([schema]);
  const shown = path.map((segment) => {
    const declared = typeof segment === "number" ||
      layers.some((layer) => {
        const def = defOf(layer);
        return def.type === "object" && Object.hasOwn(shapeOf(def), segment);
      });
    layers = layersOf(layers.flatMap((layer) => childAt(layer, segment)));
    return declared ? segment : MASKED_KEY;
  });
  return formatPath(shown);
}

/** Whether `segment` is a key taken from the input: of a record, a map, or an object's catchall. */
function keyedByData(schema: z.ZodType, segment: PropertyKey): boolean {
  const def = defOf(schema);
  switch (def.type) {
    case "record":
    case "map":
      return true;
    case "object":
      return def.catchall !== undefined &&
        !Object.hasOwn(shapeOf(def), segment);
    default:
      return false;
  }
}

/** The schemas of the part of a value at `segment`. */
function childAt(schema: z.ZodType, segment: PropertyKey): z.ZodType[] {
  const def = defOf(schema);
  const found = (s: unknown): z.ZodType[] => s ? [s as z.ZodType] : [];
  switch (def.type) {
    case "object": {
      const shape = shapeOf(def);
      return found(
        Object.hasOwn(shape, segment) ? shape[segment] : def.catchall,
      );
    }
    case "array":
      return found(def.element);
    case "tuple":
      return found(
        typeof segment === "number"
          ? (def.items as z.ZodType[])[segment] ?? def.rest
          : undefined,
      );
    case "record":
    case "map":
    case "set":
      return found(def.valueType);
    default:
      return [];
  }
}

/** The message an issue may show. */
function messageOf(issue: z.core.$ZodIssue, place: Place): string {
  if (issue.code === "unrecognized_keys") {
    // The keys are the input's: only their count is told.
    const count = issue.keys.length;
    return `${count} unrecognized ${count === 1 ? "key" : "keys"}`;
  }
  // A key that fails its schema is data too, like a secret.
  if (!place.secret && issue.code !== "invalid_key") return issue.message;
  return zodDefaultMessage(issue, place.layers);
}

const GENERIC_MESSAGE = "Invalid input";

/** The issue codes zod itself raises. */
const ZOD_CODES: ReadonlySet<string> = new Set([
  "invalid_type",
  "too_big",
  "too_small",
  "invalid_format",
  "not_multiple_of",
  "invalid_union",
  "invalid_key",
  "invalid_element",
  "invalid_value",
  "custom",
]);

/** The fields zod's messages are built from (besides the code and the received type). */
const MESSAGE_FIELDS = [
  "expected",
  "origin",
  "format",
  "minimum",
  "maximum",
  "inclusive",
  "exact",
  "divisor",
  "prefix",
  "suffix",
  "includes",
  "pattern",
  "values",
  "options",
] as const;

/** The words zod's messages are made of: type names, origins and string formats. */
const ZOD_WORDS: ReadonlySet<string> = new Set(
  ("string number int bigint boolean symbol undefined null void never any " +
    "unknown date object record file array tuple union intersection map set " +
    "enum literal nan function promise custom nonoptional template_literal " +
    "lazy catch pipe readonly success transform value int32 uint32 float32 " +
    "float64 safeint int64 uint64 regex email url emoji uuid uuidv4 uuidv6 " +
    "uuidv7 nanoid guid cuid cuid2 ulid xid ksuid datetime time duration " +
    "ipv4 ipv6 mac cidrv4 cidrv6 base64 base64url json_string e164 jwt " +
    "lowercase uppercase starts_with ends_with includes hostname hex " +
    "currency_code credit_card iban").split(" "),
);

/**
 * The message zod's locale gives for `issue`'s code, built only from what
 * the schema declares: the input is replaced by an empty value of its type,
 * and a field that the schema at the issue's path does not declare (which
 * a refinement could have filled with the value) makes it the generic one.
 */
function zodDefaultMessage(
  issue: z.core.$ZodIssue,
  layers: readonly z.ZodType[],
): string {
  if (!ZOD_CODES.has(issue.code)) return GENERIC_MESSAGE;
  const declared = declaredValues(layers);
  const fields = issue as unknown as Record<string, unknown>;
  const rebuilt: Record<string, unknown> = {
    code: issue.code,
    path: [],
    input: emptyOfType(fields.input),
  };
  for (const field of MESSAGE_FIELDS) {
    const value = fields[field];
    if (value === undefined) continue;
    if (!declaredOrZods(value, declared)) return GENERIC_MESSAGE;
    rebuilt[field] = value;
  }
  const locale = z.config().localeError ?? z.locales.en().localeError;
  try {
    const made = locale?.(rebuilt as unknown as z.core.$ZodRawIssue);
    const text = typeof made === "string" ? made : made?.message;
    return typeof text === "string" && text !== "" ? text : GENERIC_MESSAGE;
  } catch {
    return GENERIC_MESSAGE;
  }
}

function declaredOrZods(
  value: unknown,
  declared: ReadonlySet<unknown>,
): boolean {
  switch (typeof value) {
    case "boolean":
      return true;
    case "string":
      return ZOD_WORDS.has(value) || declared.has(value);
    case "number":
    case "bigint":
      return declared.has(value);
    case "object":
      if (value instanceof RegExp) return declared.has(String(value));
      return Array.isArray(value) &&
        value.every((item) => declaredOrZods(item, declared));
    default:
      return false;
  }
}

/** The definition fields of zod's schemas and checks that hold what the schema's author wrote. */
const DECLARING_FIELDS = [
  "type",
  "check",
  "format",
  "minimum",
  "maximum",
  "length",
  "size",
  "value",
  "values",
  "entries",
  "prefix",
  "suffix",
  "includes",
  "pattern",
  "mime",
] as const;

/**
 * The literals the schemas declare: their types, bounds, formats, patterns,
 * literal and enum values. Only named fields are read: a default or catch
 * value is a getter that would run the schema's code.
 */
function declaredValues(layers: readonly z.ZodType[]): Set<unknown> {
  const out = new Set<unknown>();
  const add = (value: unknown): void => {
    if (value instanceof RegExp) {
      out.add(String(value));
      out.add(value.source);
    } else if (Array.isArray(value) || value instanceof Set) {
      for (const item of value) add(item);
    } else if (typeof value === "object" && value !== null) {
      for (const item of Object.values(value)) {
        if (typeof item !== "object") out.add(item);
      }
    } else {
      out.add(value);
    }
  };
  const collect = (def: Def): void => {
    for (const field of DECLARING_FIELDS) {
      if (Object.hasOwn(def, field)) add(def[field]);
    }
  };
  for (const layer of layers) {
    const def = defOf(layer);
    collect(def);
    for (const check of (def.checks ?? []) as z.core.$ZodCheck[]) {
      collect(check._zod.def as unknown as Def);
    }
    // Bounds and formats as the checks left them for the schema.
    for (const item of Object.values(layer._zod.bag ?? {})) add(item);
  }
  return out;
}

/** A value of the same type as `input`, holding nothing of it, so a message can name the type. */
function emptyOfType(input: unknown): unknown {
  switch (typeof input) {
    case "string":
      return "";
    case "number":
      // NaN and the infinities are named as such, and are nobody's secret.
      return Number.isFinite(input) ? 0 : input;
    case "bigint":
      return 0n;
    case "boolean":
      return false;
    case "symbol":
      return Symbol();
    case "function":
      return () => {};
    case "object":
      if (input === null) return null;
      if (Array.isArray(input)) return [];
      return Object.create(Object.getPrototypeOf(input));
    default:
      return undefined;
  }
}

/** One parse that locating a throw asks for. */
interface Attempt {
  readonly schema: z.ZodType;
  readonly value: unknown;
}

/** What it gave: whether it threw, and the parsed value when it passed. */
type Outcome =
  | { readonly threw: true }
  | { readonly threw: false; readonly parsed?: { readonly data: unknown } };

/**
 * Finds where in `schema` a transform or refinement threw for `value`: the
 * deepest part of the value whose own schema throws when it parses alone.
 * It asks for parses and is told their outcome, so one walk serves sync
 * and async schemas. It only runs after a parse threw.
 */
function* locateThrow(
  schema: z.ZodType,
  value: unknown,
): Generator<Attempt, PropertyKey[], Outcome> {
  const path: PropertyKey[] = [];
  let here = schema;
  let input = value;
  // The schemas walked through for the same part of the value: a lazy
  // union that holds itself would otherwise be walked forever.
  const walked = new Set<z.ZodType>();
  descend: for (;;) {
    if (walked.has(here) || walked.size >= MAX_SCHEMA_NODES) return path;
    walked.add(here);
    const inner = innerOfWrapper(here);
    if (inner !== undefined) {
      const def = defOf(here);
      if (
        input === undefined &&
        (def.type === "default" || def.type === "prefault")
      ) {
        // The default is what the inner schema parses.
        try {
          input = def.defaultValue;
        } catch {
          return path;
        }
      }
      here = inner;
      continue;
    }
    const def = defOf(here);
    if (def.type === "pipe") {
      const first = yield { schema: def.in as z.ZodType, value: input };
      if (first.threw) {
        here = def.in as z.ZodType;
        continue;
      }
      if (first.parsed === undefined) return path;
      const second = yield {
        schema: def.out as z.ZodType,
        value: first.parsed.data,
      };
      if (!second.threw) return path;
      here = def.out as z.ZodType;
      input = first.parsed.data;
      walked.clear();
      continue;
    }
    for (const part of partsOf(here, input)) {
      const outcome = yield { schema: part.schema, value: part.value };
      if (!outcome.threw) continue;
      if (part.segment !== undefined) {
        path.push(part.segment);
        walked.clear();
      }
      here = part.schema;
      input = part.value;
      continue descend;
    }
    return path;
  }
}

/** A part of a value, its schema, and the path segment that leads to it (none for a union option). */
interface Part {
  readonly segment?: PropertyKey;
  readonly schema: z.ZodType;
  readonly value: unknown;
}

function partsOf(schema: z.ZodType, value: unknown): Part[] {
  const def = defOf(schema);
  const isObject = typeof value === "object" && value !== null;
  switch (def.type) {
    case "object": {
      if (!isObject || Array.isArray(value)) return [];
      const record = value as Record<string, unknown>;
      const shape = shapeOf(def) as Record<string, z.ZodType>;
      const catchall = def.catchall as z.ZodType | undefined;
      const keys = new Set([...Object.keys(shape), ...Object.keys(record)]);
      return [...keys].flatMap((key) => {
        const part = Object.hasOwn(shape, key) ? shape[key] : catchall;
        return part ? [{ segment: key, schema: part, value: record[key] }] : [];
      });
    }
    case "array":
      return Array.isArray(value)
        ? value.map((item, i) => ({
          segment: i,
          schema: def.element as z.ZodType,
          value: item,
        }))
        : [];
    case "tuple": {
      if (!Array.isArray(value)) return [];
      const items = def.items as z.ZodType[];
      const rest = def.rest as z.ZodType | undefined;
      return value.flatMap((item, i) => {
        const part = items[i] ?? rest;
        return part ? [{ segment: i, schema: part, value: item }] : [];
      });
    }
    case "record":
      return isObject && !Array.isArray(value)
        ? Object.entries(value).map(([key, item]) => ({
          segment: key,
          schema: def.valueType as z.ZodType,
          value: item,
        }))
        : [];
    case "map":
      return value instanceof Map
        ? [...value].map(([key, item]) => ({
          segment: key as PropertyKey,
          schema: def.valueType as z.ZodType,
          value: item,
        }))
        : [];
    case "union":
      return (def.options as z.ZodType[]).map((option) => ({
        schema: option,
        value,
      }));
    case "intersection":
      return [def.left, def.right].map((side) => ({
        schema: side as z.ZodType,
        value,
      }));
    default:
      return [];
  }
}

function runSync(
  walk: Generator<Attempt, PropertyKey[], Outcome>,
): PropertyKey[] {
  let step = walk.next();
  while (!step.done) step = walk.next(attemptSync(step.value));
  return step.value;
}

async function runAsync(
  walk: Generator<Attempt, PropertyKey[], Outcome>,
): Promise<PropertyKey[]> {
  let step = walk.next();
  while (!step.done) step = walk.next(await attemptAsync(step.value));
  return step.value;
}

function attemptSync({ schema, value }: Attempt): Outcome {
  // A part that needs async parsing cannot be told here: not this one.
  if (needsAsyncParse(schema)) return { threw: false };
  try {
    return outcomeOf(schema.safeParse(value, PARSE_OPTIONS));
  } catch (error) {
    if (!isAsyncParseError(error)) return { threw: true };
    learnedAsync.add(schema);
    return { threw: false };
  }
}

async function attemptAsync({ schema, value }: Attempt): Promise<Outcome> {
  try {
    return outcomeOf(await schema.safeParseAsync(value, PARSE_OPTIONS));
  } catch {
    return { threw: true };
  }
}

function outcomeOf(result: z.ZodSafeParseResult<unknown>): Outcome {
  return result.success
    ? { threw: false, parsed: { data: result.data } }
    : { threw: false };
}
