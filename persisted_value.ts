/**
 * What to store after a value validates: the parsed value when it reads back
 * the same, otherwise the input that the schema accepted.
 *
 * @module
 */
import type { z } from "zod";
import { validateAsync } from "./validation.ts";

/**
 * Returns the value to write for `input`, which `schema` parsed to `parsed`.
 *
 * The parsed value has defaults filled, so it is stored when it passes the
 * schema again. A schema with a transform or coercion (`z.string()
 * .transform(Number)`) parses to something it would reject on the next read;
 * then the input is stored instead, so the stored value never stops reading.
 *
 * @param schema The schema that validated `input`.
 * @param input What was given.
 * @param parsed What `schema` parsed `input` to.
 * @returns `parsed` or `input`.
 *
 * @example A transform stores what the schema reads
 * ```ts
 * import { persistedValue } from "@harmony/config";
 * import { z } from "zod";
 * import assert from "node:assert/strict";
 *
 * const port = z.string().transform(Number);
 * assert.equal(await persistedValue(port, "5432", 5432), "5432");
 * const withDefault = z.object({ port: z.number().default(5432) });
 * assert.deepEqual(await persistedValue(withDefault, {}, { port: 5432 }), { port: 5432 });
 * ```
 */
export async function persistedValue<T, I>(
  schema: z.ZodType<T, I>,
  input: unknown,
  parsed: T,
): Promise<unknown> {
  return (await validateAsync(schema, parsed)).ok ? parsed : input;
}
