/**
 * Private: walking zod schemas: through wrappers, pipes and children, and
 * finding the secret marks that `secret()` leaves in zod's metadata.
 *
 * @module
 */
import { z } from "zod";

/** The metadata key that marks a schema as secret: `.meta({ secret: true })`. */
export const SECRET_META_KEY = "secret";

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
export function unwrapToOutput(schema: z.ZodType): z.ZodType {
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

/** Whether this schema node itself (not a wrapper or child) carries the secret mark. */
export function hasSecretMark(schema: z.ZodType): boolean {
  return z.globalRegistry.get(schema)?.[SECRET_META_KEY] === true;
}

/**
 * Returns the schema with its value-preserving wrappers (optional, default,
 * nullable, …) and the input side of pipes removed: what a prompt asks for.
 */
export function unwrapSchema(schema: z.ZodType): z.ZodType {
  let current = schema;
  for (let next = unwrapOnce(current); next; next = unwrapOnce(current)) {
    current = next;
  }
  return current;
}

/** Tells whether a schema, or any wrapper around it, is marked secret. */
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

/** Tells whether a schema holds a secret anywhere inside it, itself included. */
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
export function childSchemas(schema: z.ZodType): z.ZodType[] {
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
