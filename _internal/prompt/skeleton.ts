/**
 * Private: a JSON skeleton of the value a schema expects, for the message of
 * `PromptUnavailableError`: secrets show as `"<secret>"`, other leaves as
 * placeholders such as `"<string>"`, or their schema default.
 *
 * @module
 */
import type { z } from "zod";
import { containsSecret, isSecret, unwrapSchema } from "../schema_walk.ts";
import { parsedSync } from "../validate.ts";
import { isRecursion, literalChoices } from "./fields.ts";

/** What a secret shows as in a skeleton. */
export const SECRET_PLACEHOLDER = "<secret>";

function skeletonOf(
  schema: z.ZodType,
  ancestors: ReadonlySet<z.ZodType> = new Set(),
  depth = 0,
): unknown {
  if (isSecret(schema)) return SECRET_PLACEHOLDER;
  const inner = unwrapSchema(schema);
  const def = inner._zod.def as unknown as Record<string, unknown>;
  // What the schema makes of a missing value, asked once: its default, or
  // `undefined` when it is optional; no answer when it is required.
  const missing = parsedSync(schema, undefined);
  const optional = missing === undefined ? "" : ", optional";
  if (def.type === "object") {
    // A schema that recurses into itself (a z.lazy() tree) has no end to
    // spell out: the level where it recurses is a placeholder.
    if (isRecursion(inner, ancestors, depth)) {
      return `<object${optional}>`;
    }
    const shape = def.shape as Record<string, z.ZodType>;
    const inside = new Set([...ancestors, inner]);
    return Object.fromEntries(
      Object.entries(shape).map((
        [name, child],
      ) => [name, skeletonOf(child, inside, depth + 1)]),
    );
  }
  // A list, record or transform holding secrets: its default would show them.
  if (containsSecret(schema)) return SECRET_PLACEHOLDER;
  if (missing?.value !== undefined) return missing.value;
  const choices = literalChoices(inner);
  if (choices !== undefined) {
    return `<${choices.map((c) => String(c)).join("|")}${optional}>`;
  }
  switch (def.type) {
    case "array":
      // Arrays of arrays built afresh by a z.lazy() end too.
      return isRecursion(inner, ancestors, depth)
        ? `<array${optional}>`
        : [skeletonOf(def.element as z.ZodType, ancestors, depth + 1)];
    case "number":
      return (inner as unknown as { isInt?: boolean }).isInt
        ? `<integer${optional}>`
        : `<number${optional}>`;
    case "string":
    case "boolean":
      return `<${def.type}${optional}>`;
    case "date":
      // JSON has no Date: only z.coerce.date() reads one, from an ISO string.
      return def.coerce
        ? `<ISO date${optional}>`
        : `<date, which JSON cannot hold: the schema needs z.coerce.date()>`;
    default:
      return `<${String(def.type)}${optional}>`;
  }
}

/**
 * Renders the skeleton of `schema` as one line of JSON.
 *
 * @param schema The definition's schema.
 * @returns JSON text with placeholders; it never holds a configuration value.
 *
 * @example
 * ```ts
 * import { skeleton } from "./skeleton.ts";
 * import { secret } from "../../secret.ts";
 * import { z } from "zod";
 * import assert from "node:assert/strict";
 *
 * const schema = z.object({ host: z.string(), port: z.number().default(5432), password: secret(z.string()) });
 * assert.equal(skeleton(schema), '{"host":"<string>","port":5432,"password":"<secret>"}');
 * ```
 */
export function skeleton(schema: z.ZodType): string {
  return JSON.stringify(skeletonOf(schema));
}
