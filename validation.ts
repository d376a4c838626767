/**
 * Validating values against a schema, with issues that never hold values.
 *
 * @module
 */
import { z } from "zod";
import type { ValidationIssue } from "./errors.ts";

/**
 * The outcome of {@linkcode validate}.
 *
 * @example Check a value before storing it
 * ```ts
 * import { validate, type ValidationResult } from "@harmony/config";
 * import { z } from "zod";
 * import assert from "node:assert/strict";
 *
 * const Port = z.number().int().min(1);
 * const result: ValidationResult<number> = validate(Port, 0);
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
 * Formats a zod issue path as `a.b[0].c`.
 *
 * @param path The path segments.
 * @returns The dotted path; empty for the value itself.
 *
 * @example
 * ```ts
 * import { formatPath } from "@harmony/config";
 * import assert from "node:assert/strict";
 *
 * assert.equal(formatPath(["db", "hosts", 0, "port"]), "db.hosts[0].port");
 * ```
 */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const segment of path) {
    if (typeof segment === "number") out += `[${segment}]`;
    else out += (out === "" ? "" : ".") + String(segment);
  }
  return out;
}

/**
 * Validates `value` against `schema`. Issues carry zod's messages, which in
 * zod 4 never quote the input, and the input is never attached.
 *
 * @param schema The schema.
 * @param value The value to check.
 * @returns The parsed value (with defaults filled), or the failing paths.
 *
 * @example
 * ```ts
 * import { validate } from "@harmony/config";
 * import { z } from "zod";
 * import assert from "node:assert/strict";
 *
 * const result = validate(z.object({ port: z.number() }), { port: "x" });
 * assert.ok(!result.ok);
 * assert.equal(result.issues[0]?.path, "port");
 * ```
 */
export function validate<T>(
  schema: z.ZodType<T>,
  value: unknown,
): ValidationResult<T> {
  const result = schema.safeParse(value, { reportInput: false });
  if (result.success) return { ok: true, value: result.data };
  return { ok: false, issues: toIssues(result.error) };
}

/**
 * Like {@linkcode validate}, and also runs async refinements and transforms.
 *
 * @param schema The schema.
 * @param value The value to check.
 * @returns The parsed value, or the failing paths.
 *
 * @example
 * ```ts
 * import { validateAsync } from "@harmony/config";
 * import { z } from "zod";
 * import assert from "node:assert/strict";
 *
 * const schema = z.string().refine(async (s) => s.length > 2);
 * assert.ok((await validateAsync(schema, "abc")).ok);
 * ```
 */
export async function validateAsync<T>(
  schema: z.ZodType<T>,
  value: unknown,
): Promise<ValidationResult<T>> {
  return await validateSyncFirst(schema, value);
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
    return validate(schema, value);
  } catch (error) {
    if (!(error instanceof z.core.$ZodAsyncError)) throw error;
  }
  return schema.safeParseAsync(value, { reportInput: false }).then((result) =>
    result.success
      ? { ok: true, value: result.data }
      : { ok: false, issues: toIssues(result.error) }
  );
}

function toIssues(error: z.ZodError): ValidationIssue[] {
  return error.issues.map((issue) => ({
    path: formatPath(issue.path),
    message: issue.message,
  }));
}
