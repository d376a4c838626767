/**
 * Validating values against a schema, with issues that never hold values.
 *
 * @module
 */
import type { z } from "zod";
import {
  validateSyncFirst,
  type ValidationResult,
} from "./_internal/validate.ts";

export type { ValidationResult } from "./_internal/validate.ts";

/**
 * Validates `value` against `schema`, running async refinements and
 * transforms too. Issues carry paths and zod's messages; the input is never
 * attached, and record, map and catchall keys and unrecognized key names,
 * which are data, are masked. An issue about a secret shows zod's message
 * for its code, never the schema's own, which could quote the value; a
 * transform or refinement that throws is an issue at its path that names
 * only the error's class.
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
 * const result = await validate(z.object({ port: z.number() }), { port: "x" });
 * assert.ok(!result.ok);
 * assert.equal(result.issues[0]?.path, "port");
 * ```
 */
export async function validate<T>(
  schema: z.ZodType<T>,
  value: unknown,
): Promise<ValidationResult<T>> {
  return await validateSyncFirst(schema, value);
}
