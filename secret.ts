/**
 * Marking schema fields as secret, and redacting them from anything shown.
 *
 * @module
 */
import { z } from "zod";

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
 * Returns the schema inside wrappers that do not change what the value
 * means: optional, nullable, default, prefault, catch, readonly, and the
 * input side of a pipe or transform.
 */
function unwrapOnce(schema: z.ZodType): z.ZodType | undefined {
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
    case "pipe":
      return def.in as z.ZodType;
    case "lazy":
      return (schema as unknown as { _zod: { innerType: z.ZodType } })._zod
        .innerType;
    default:
      return undefined;
  }
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
    if (z.globalRegistry.get(current)?.[SECRET_META_KEY] === true) return true;
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
  if (isSecret(schema)) return true;
  return childSchemas(unwrapSchema(schema)).some((child) =>
    containsSecretIn(child, seen)
  );
}

function childSchemas(schema: z.ZodType): z.ZodType[] {
  const def = schema._zod.def as unknown as Record<string, unknown>;
  switch (def.type) {
    case "object":
      return Object.values(def.shape as Record<string, z.ZodType>);
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
    default:
      return [];
  }
}

/**
 * Returns a copy of `value` with every secret field replaced by
 * `"<redacted>"`, guided by the schema.
 *
 * Where the schema cannot tell which part of a value is secret (a union
 * whose options do not match the value), the whole part is redacted if any
 * option holds a secret: redaction errs on the side of hiding.
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
  const inner = unwrapSchema(schema);
  const def = inner._zod.def as unknown as Record<string, unknown>;
  switch (def.type) {
    case "object": {
      if (!isPlainObject(value)) return redactOpaque(inner, value);
      const shape = def.shape as Record<string, z.ZodType>;
      const catchall = def.catchall as z.ZodType | undefined;
      const out: Record<string, unknown> = {};
      for (const [field, fieldValue] of Object.entries(value)) {
        const fieldSchema = shape[field] ?? catchall;
        out[field] = fieldSchema ? redact(fieldSchema, fieldValue) : fieldValue;
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
      const match = options.find((option) => option.safeParse(value).success);
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

/** A value whose shape the schema cannot follow: hide it if it could hold a secret. */
function redactOpaque(schema: z.ZodType, value: unknown): unknown {
  return containsSecret(schema) ? REDACTED : value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
