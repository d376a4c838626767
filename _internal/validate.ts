/**
 * Private: validating values against a schema, with issues that never hold
 * values. The public `validate` and every internal caller go through here.
 *
 * @module
 */
import { z } from "zod";
import type { ValidationIssue } from "../errors.ts";
import { innerOfWrapper } from "./schema_walk.ts";

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

/**
 * Validates synchronously; throws zod's `$ZodAsyncError` for a schema with
 * async refinements or transforms. Only the sync hot path of `get` uses it.
 */
export function validateSync<T>(
  schema: z.ZodType<T>,
  value: unknown,
): ValidationResult<T> {
  let result;
  try {
    result = schema.safeParse(value, { reportInput: false });
  } catch (error) {
    if (isStackOverflow(error)) return TOO_DEEP;
    throw error;
  }
  if (result.success) return { ok: true, value: result.data };
  return { ok: false, issues: toIssues(schema, result.error) };
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
): ValidationResult<T> | Promise<ValidationResult<T>> {
  try {
    return validateSync(schema, value);
  } catch (error) {
    if (!(error instanceof z.core.$ZodAsyncError)) throw error;
  }
  return schema.safeParseAsync(value, { reportInput: false }).then(
    (result) =>
      result.success
        ? { ok: true, value: result.data }
        : { ok: false, issues: toIssues(schema, result.error) },
    (error) => {
      if (isStackOverflow(error)) return TOO_DEEP;
      throw error;
    },
  );
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

/**
 * Turns zod's issues into ones that hold nothing taken from the input: the
 * names of unrecognized keys are dropped (only their count is told), and
 * record and map keys in a path become `*`, since those keys are data.
 */
function toIssues(schema: z.ZodType, error: z.ZodError): ValidationIssue[] {
  return error.issues.map((issue) => ({
    path: formatPath(maskDataKeys(schema, issue.path)),
    message: issue.code === "unrecognized_keys"
      ? `${issue.keys.length} unrecognized ${
        issue.keys.length === 1 ? "key" : "keys"
      }`
      : issue.message,
  }));
}

/** What a record or map key in an issue path shows as. */
const MASKED_KEY = "*";

type Def = Record<string, unknown>;

function defOf(schema: z.ZodType): Def {
  return schema._zod.def as unknown as Def;
}

/**
 * Walks `schema` along `path` and masks every segment that is a key of a
 * record or map. Where the schema could be several things (a union, both
 * sides of a pipe), a segment is masked if any of them is keyed by data.
 * Where the schema cannot be followed, segments are kept: they then come
 * from the schema's own refinements, not from the input's keys.
 */
function maskDataKeys(
  schema: z.ZodType,
  path: readonly PropertyKey[],
  declaredOnly = false,
): PropertyKey[] {
  let here = alternatives([schema]);
  return path.map((segment) => {
    const keyed = declaredOnly
      ? typeof segment !== "number" && !here.some((s) => declares(s, segment))
      : here.some((s) => {
        const type = defOf(s).type;
        return type === "record" || type === "map";
      });
    here = alternatives(here.flatMap((s) => childAt(s, segment)));
    return keyed ? MASKED_KEY : segment;
  });
}

/** Whether `schema` is an object whose shape names `segment`. */
function declares(schema: z.ZodType, segment: PropertyKey): boolean {
  const def = defOf(schema);
  return def.type === "object" &&
    Object.hasOwn(def.shape as Record<PropertyKey, unknown>, segment);
}

/**
 * Formats a path into a value that `schema` describes, keeping only the
 * field names the schema declares and array positions: any other key (of
 * a record, a map, or a part the schema does not follow, such as
 * `z.unknown()`) is data and shows as `*`.
 */
export function declaredPath(
  schema: z.ZodType,
  path: readonly PropertyKey[],
): string {
  return formatPath(maskDataKeys(schema, path, true));
}

/** The schemas a value described by `schemas` may be checked against, wrappers removed. */
function alternatives(schemas: readonly z.ZodType[]): z.ZodType[] {
  const out: z.ZodType[] = [];
  const seen = new Set<z.ZodType>();
  const visit = (schema: z.ZodType): void => {
    if (seen.has(schema)) return;
    seen.add(schema);
    const inner = innerOfWrapper(schema);
    if (inner !== undefined) return visit(inner);
    const def = defOf(schema);
    switch (def.type) {
      case "pipe":
        visit(def.in as z.ZodType);
        return visit(def.out as z.ZodType);
      case "union":
        return (def.options as z.ZodType[]).forEach(visit);
      case "intersection":
        visit(def.left as z.ZodType);
        return visit(def.right as z.ZodType);
      default:
        out.push(schema);
    }
  };
  schemas.forEach(visit);
  return out;
}

/** The schemas of the part of a value at `segment`. */
function childAt(schema: z.ZodType, segment: PropertyKey): z.ZodType[] {
  const def = defOf(schema);
  const found = (s: unknown): z.ZodType[] => s ? [s as z.ZodType] : [];
  switch (def.type) {
    case "object":
      return found(
        (def.shape as Record<PropertyKey, z.ZodType>)[segment] ?? def.catchall,
      );
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
