/**
 * Marking schema fields as secret, and redacting them from anything shown.
 *
 * @module
 */
import { z } from "zod";
import { ConfigError } from "./errors.ts";
import { isPlainObject } from "./_internal/json.ts";
import {
  containsSecret,
  hasSecretMark,
  isSecret,
  SECRET_META_KEY,
  unwrapToOutput,
} from "./_internal/schema_walk.ts";
import { parsedSync } from "./_internal/validate.ts";
import { assertSupportedSchema } from "./_internal/zod_copy.ts";

/**
 * What a redacted secret is shown as.
 *
 * @example Tell a hidden field in a report
 * ```ts
 * import { ConfigManager, defineConfig, MemorySource, REDACTED, secret } from "@harmony/config";
 * import { z } from "zod";
 * import assert from "node:assert/strict";
 *
 * const Db = defineConfig({ key: "Db", schema: z.object({ user: z.string(), password: secret(z.string()) }) });
 * const manager = new ConfigManager([new MemorySource({ Db: { user: "app", password: "hunter2" } })]);
 * const shown = (await manager.explain(Db)).value as { user: string; password: string };
 * assert.equal(shown.password, REDACTED);
 * assert.equal(shown.user, "app");
 * ```
 */
export const REDACTED = "<redacted>";

/**
 * Marks a schema as secret. Its value is redacted in `explain()`, masked in
 * prompts and hidden by the CLI, and no issue about it shows the schema's
 * own (custom) message, which could quote the value: it shows zod's
 * message for the issue's code instead.
 *
 * The mark lives in zod's own metadata, so it survives `.describe()`,
 * `.meta()`, `.optional()` and `.default()`. Writing
 * `.meta({ secret: true })` by hand is equivalent.
 *
 * @param schema The schema to mark.
 * @returns The same kind of schema, marked as secret.
 * @throws {ConfigError} When the schema comes from a zod the library cannot
 * read the mark from (zod 4.0, zod 3's `zod/v4`, or a second copy of zod
 * with its own metadata registry): the mark would be lost, and the secret
 * shown in clear.
 *
 * @example Mark a password field
 * ```ts
 * import { redact, secret } from "@harmony/config";
 * import { z } from "zod";
 * import assert from "node:assert/strict";
 *
 * const password = secret(z.string()).describe("Database password").optional();
 * assert.equal(redact(password, "hunter2"), "<redacted>");
 * ```
 */
export function secret<S extends z.ZodType>(schema: S): S {
  assertSupportedSchema(schema, "secret()");
  const mark = { [SECRET_META_KEY]: true };
  let marked: S;
  if (typeof (schema as { meta?: unknown }).meta === "function") {
    marked = schema.meta(mark) as S;
  } else {
    // zod/mini schemas have no .meta(): register a clone, as .meta() does.
    marked = z.core.clone(schema, schema._zod.def, { parent: true }) as S;
    z.globalRegistry.add(marked, mark);
  }
  if (!hasSecretMark(marked)) {
    throw new ConfigError(
      "secret() could not mark the schema: its zod did not record the mark where @harmony/config reads it; install one zod for the whole app",
    );
  }
  return marked;
}

/**
 * Returns a copy of `value` with every secret field replaced by
 * `"<redacted>"`, guided by the schema.
 *
 * `value` is what the schema parsed to, so a pipe (a `.transform()`,
 * `z.preprocess()` or `.pipe()`) is followed on its output side. Where the
 * schema cannot tell which part of a value is secret (a union whose options
 * do not match the value, a field the object schema does not name, the
 * result of a transform whose input held a secret), the whole part is
 * redacted if it could hold a secret: redaction errs on the side of hiding.
 *
 * @param schema The schema that describes the value.
 * @param value The value to redact; it is not modified.
 * @returns A redacted copy.
 *
 * @example
 * ```ts
 * import { redact, secret } from "@harmony/config";
 * import { z } from "zod";
 * import assert from "node:assert/strict";
 *
 * const schema = z.object({ user: z.string(), password: secret(z.string()) });
 * assert.deepEqual(redact(schema, { user: "a", password: "p" }), {
 *   user: "a",
 *   password: "<redacted>",
 * });
 * ```
 */
export function redact(schema: z.ZodType, value: unknown): unknown {
  if (value === undefined || value === null) return value;
  if (isSecret(schema)) return REDACTED;
  const inner = unwrapToOutput(schema);
  const def = inner._zod.def as unknown as Record<string, unknown>;
  switch (def.type) {
    case "pipe":
      return redactPipe(def.in as z.ZodType, def.out as z.ZodType, value);
    case "object": {
      if (!isPlainObject(value)) return redactOpaque(inner, value);
      const shape = def.shape as Record<string, z.ZodType>;
      const catchall = def.catchall as z.ZodType | undefined;
      const out: Record<string, unknown> = {};
      for (const [field, fieldValue] of Object.entries(value)) {
        const fieldSchema = shape[field] ?? catchall;
        out[field] = fieldSchema
          ? redact(fieldSchema, fieldValue)
          : redactOpaque(inner, fieldValue);
      }
      return out;
    }
    case "record": {
      if (!isPlainObject(value)) return redactOpaque(inner, value);
      const valueType = def.valueType as z.ZodType;
      return Object.fromEntries(
        Object.entries(value).map(([k, v]) => [k, redact(valueType, v)]),
      );
    }
    case "array": {
      if (!Array.isArray(value)) return redactOpaque(inner, value);
      const element = def.element as z.ZodType;
      return value.map((item) => redact(element, item));
    }
    case "tuple": {
      if (!Array.isArray(value)) return redactOpaque(inner, value);
      const items = def.items as z.ZodType[];
      const rest = def.rest as z.ZodType | undefined;
      return value.map((item, i) => {
        const itemSchema = items[i] ?? rest;
        return itemSchema ? redact(itemSchema, item) : item;
      });
    }
    case "union": {
      const options = def.options as z.ZodType[];
      const match = options.find((option) => parses(option, value));
      return match ? redact(match, value) : redactOpaque(inner, value);
    }
    case "intersection":
      return redact(
        def.right as z.ZodType,
        redact(def.left as z.ZodType, value),
      );
    default:
      return redactOpaque(inner, value);
  }
}

/**
 * A pipe's value came out of its output side, so that side says where the
 * secrets are. A secret that went in on the input side may come out
 * anywhere (a transform can rename, wrap or flatten it): when the output
 * side marks no secret the whole value is hidden, and otherwise the input
 * side's marks are applied as well, where the value still has their shape.
 */
function redactPipe(
  input: z.ZodType,
  output: z.ZodType,
  value: unknown,
): unknown {
  const secretGoesIn = containsSecret(input);
  if (secretGoesIn && !containsSecret(output)) return REDACTED;
  const shown = redact(output, value);
  return secretGoesIn ? redact(input, shown) : shown;
}

/** Whether `value` parses; an async schema cannot tell here, so it does not. */
function parses(schema: z.ZodType, value: unknown): boolean {
  return parsedSync(schema, value) !== undefined;
}

/** A value whose shape the schema cannot follow: hide it if it could hold a secret. */
function redactOpaque(schema: z.ZodType, value: unknown): unknown {
  return containsSecret(schema) ? REDACTED : value;
}
