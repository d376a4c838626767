/**
 * Marking schema fields as secret, and redacting them from anything shown.
 *
 * @module
 */
import { z } from "zod";
import { isPlainObject } from "./json.ts";

/** The metadata key that marks a schema as secret: `.meta({ secret: true })`. */
const SECRET_META_KEY = "secret";

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
 * prompts and hidden by the CLI.
 *
 * The mark lives in zod's own metadata, so it survives `.describe()`,
 * `.meta()`, `.optional()` and `.default()`. Writing
 * `.meta({ secret: true })` by hand is equivalent.
 *
 * @param schema The schema to mark.
 * @returns The same kind of schema, marked as secret.
 *
 * @example Mark a password field
 * ```ts
 * import { isSecret, secret } from "@harmony/config";
 * import { z } from "zod";
 * import assert from "node:assert/strict";
 *
 * const password = secret(z.string()).describe("Database password").optional();
 * assert.ok(isSecret(password));
 * ```
 */
export function secret<S extends z.ZodType>(schema: S): S {
  return schema.meta({ [SECRET_META_KEY]: true }) as S;
}

/**
 * Returns the schema inside a wrapper that does not change what the value
 * means (optional, nullable, default, prefault, catch, readonly, lazy), or
 * `undefined` for anything else, pipes included.
 */
export function innerOfWrapper(schema: z.ZodType): z.ZodType | undefined {
  const def = schema._zod.def as unknown as Record<string, unknown>;
  switch (def.type) {
    case "optional":
    case "nullable":
    case "default":
    case "prefault":
    case "catch":
    case "readonly":
    case "nonoptional":
      return def.innerType as z.ZodType;
    case "lazy":
      return (schema as unknown as { _zod: { innerType: z.ZodType } })._zod
        .innerType;
    default:
      return undefined;
  }
}

/**
 * Returns the schema inside wrappers that do not change what the value
 * means, and the input side of a pipe or transform: what is asked for and
 * parsed, as prompts need it.
 */
function unwrapOnce(schema: z.ZodType): z.ZodType | undefined {
  const def = schema._zod.def as unknown as Record<string, unknown>;
  return def.type === "pipe" ? def.in as z.ZodType : innerOfWrapper(schema);
}

/**
 * Removes the wrappers but stops at a pipe: a parsed value is the output of
 * a pipe, so its input side does not describe it.
 */
function unwrapToOutput(schema: z.ZodType): z.ZodType {
  let current = schema;
  for (
    let next = innerOfWrapper(current);
    next;
    next = innerOfWrapper(current)
  ) {
    current = next;
  }
  return current;
}

function hasSecretMark(schema: z.ZodType): boolean {
  return z.globalRegistry.get(schema)?.[SECRET_META_KEY] === true;
}

/**
 * Returns the schema with its value-preserving wrappers (optional, default,
 * nullable, …) removed.
 *
 * @param schema The schema to unwrap.
 * @returns The innermost schema.
 *
 * @example
 * ```ts
 * import { unwrapSchema } from "@harmony/config";
 * import { z } from "zod";
 * import assert from "node:assert/strict";
 *
 * assert.equal(unwrapSchema(z.string().optional().default("a")).type, "string");
 * ```
 */
export function unwrapSchema(schema: z.ZodType): z.ZodType {
  let current = schema;
  for (let next = unwrapOnce(current); next; next = unwrapOnce(current)) {
    current = next;
  }
  return current;
}

/**
 * Tells whether a schema, or any wrapper around it, is marked secret.
 *
 * @param schema The schema to check.
 * @returns `true` when the value it describes must be hidden.
 *
 * @example
 * ```ts
 * import { isSecret, secret } from "@harmony/config";
 * import { z } from "zod";
 * import assert from "node:assert/strict";
 *
 * assert.ok(isSecret(secret(z.string()).default("x")));
 * assert.ok(!isSecret(z.string()));
 * ```
 */
export function isSecret(schema: z.ZodType): boolean {
  for (
    let current: z.ZodType | undefined = schema;
    current;
    current = unwrapOnce(current)
  ) {
    if (hasSecretMark(current)) return true;
  }
  return false;
}

/**
 * Tells whether a schema holds a secret anywhere inside it.
 *
 * @param schema The schema to check.
 * @returns `true` when the schema or any nested field is secret.
 *
 * @example
 * ```ts
 * import { containsSecret, secret } from "@harmony/config";
 * import { z } from "zod";
 * import assert from "node:assert/strict";
 *
 * assert.ok(containsSecret(z.object({ db: z.object({ password: secret(z.string()) }) })));
 * ```
 */
export function containsSecret(schema: z.ZodType): boolean {
  return containsSecretIn(schema, new Set());
}

function containsSecretIn(schema: z.ZodType, seen: Set<z.ZodType>): boolean {
  if (seen.has(schema)) return false;
  seen.add(schema);
  if (hasSecretMark(schema)) return true;
  return childSchemas(schema).some((child) => containsSecretIn(child, seen));
}

/** The schemas directly inside `schema`: both sides of a pipe, a wrapper's inner schema, fields, elements… */
function childSchemas(schema: z.ZodType): z.ZodType[] {
  const def = schema._zod.def as unknown as Record<string, unknown>;
  switch (def.type) {
    case "pipe":
      // A secret may sit on either side: `.transform()` keeps it on the
      // input side, `z.preprocess()` on the output side.
      return [def.in as z.ZodType, def.out as z.ZodType];
    case "object":
      return [
        ...Object.values(def.shape as Record<string, z.ZodType>),
        ...(def.catchall ? [def.catchall as z.ZodType] : []),
      ];
    case "array":
      return [def.element as z.ZodType];
    case "record":
    case "map":
      return [def.valueType as z.ZodType];
    case "set":
      return [def.valueType as z.ZodType];
    case "tuple":
      return [
        ...(def.items as z.ZodType[]),
        ...(def.rest ? [def.rest as z.ZodType] : []),
      ];
    case "union":
      return def.options as z.ZodType[];
    case "intersection":
      return [def.left as z.ZodType, def.right as z.ZodType];
    default: {
      const inner = innerOfWrapper(schema);
      return inner ? [inner] : [];
    }
  }
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
  try {
    return schema.safeParse(value).success;
  } catch {
    return false;
  }
}

/** A value whose shape the schema cannot follow: hide it if it could hold a secret. */
function redactOpaque(schema: z.ZodType, value: unknown): unknown {
  return containsSecret(schema) ? REDACTED : value;
}
