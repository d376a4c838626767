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
 * The most schema nodes one walk of a schema visits. Recursion built once
 * (zod's getter pattern, `z.lazy(() => Node)`) meets the same node again,
 * which every walk spots; a `z.lazy()` that builds a new schema each time
 * it is called (`z.lazy(() => makeNode())`) never does, and would be
 * walked until memory runs out. Real schemas have hundreds of nodes.
 */
export const MAX_SCHEMA_NODES = 10_000;

/**
 * How many levels below the root a walk goes. Each level of such a
 * `z.lazy()` that a walk opens stays built: zod's own recursive checks
 * later walk every level built, and run out of call stack past a few
 * thousand. Hand-written schemas nest a few dozen levels at most.
 */
export const MAX_SCHEMA_DEPTH = 256;

/** How a {@linkcode walkSchemas} ended. */
export type WalkEnd = "found" | "done" | "cut";

/**
 * Visits `roots` and the nodes `childrenOf` finds inside them, depth first
 * and in order, each node once, until `visit` returns `true`; bounded by
 * {@linkcode MAX_SCHEMA_NODES} nodes and {@linkcode MAX_SCHEMA_DEPTH}
 * levels.
 *
 * @returns `"found"` when `visit` returned `true`; `"done"` when every node
 * was visited; `"cut"` when a bound left some unvisited.
 */
export function walkSchemas<N>(
  roots: readonly N[],
  childrenOf: (node: N) => readonly N[],
  visit: (node: N) => boolean,
): WalkEnd {
  const seen = new Set<N>();
  const pending: [N, number][] = roots.map((root) => [root, 0]);
  pending.reverse();
  let cut = false;
  while (pending.length > 0) {
    const [node, depth] = pending.pop()!;
    if (seen.has(node)) continue;
    if (seen.size >= MAX_SCHEMA_NODES) return "cut";
    seen.add(node);
    if (visit(node)) return "found";
    const children = childrenOf(node);
    if (children.length === 0) continue;
    if (depth >= MAX_SCHEMA_DEPTH) {
      cut = true;
      continue;
    }
    for (let i = children.length - 1; i >= 0; i--) {
      pending.push([children[i]!, depth + 1]);
    }
  }
  return cut ? "cut" : "done";
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
export function unwrapToOutput(schema: z.ZodType): z.ZodType {
  let current = schema;
  // Bounded: a z.lazy() that returns a new z.lazy() has no end.
  for (let n = 0; n < MAX_SCHEMA_NODES; n++) {
    const next = innerOfWrapper(current);
    if (next === undefined) break;
    current = next;
  }
  return current;
}

/** Whether this schema node itself (not a wrapper or child) carries the secret mark. */
export function hasSecretMark(schema: z.ZodType): boolean {
  return z.globalRegistry.get(schema)?.[SECRET_META_KEY] === true;
}

/**
 * Whether this schema node runs code of the schema's author when it parses:
 * a refinement, `superRefine`, `.check()`, `z.custom()` or a transform.
 * Such code sees the whole value at the node and may raise an issue at any
 * path below it, with a message it wrote.
 */
export function runsUserCode(schema: z.ZodType): boolean {
  const def = schema._zod.def as unknown as Record<string, unknown>;
  if (def.type === "custom" || def.type === "transform") return true;
  const checks = def.checks as readonly z.core.$ZodCheck[] | undefined;
  return checks?.some((check) => check._zod.def.check === "custom") ?? false;
}

function isAsyncFunction(fn: unknown): boolean {
  return typeof fn === "function" && fn.constructor.name === "AsyncFunction";
}

/** Whether this schema node runs an async function of the schema's author. */
function runsAsyncCodeHere(schema: z.ZodType): boolean {
  const def = schema._zod.def as unknown as Record<string, unknown>;
  if (isAsyncFunction(def.fn) || isAsyncFunction(def.transform)) return true;
  const checks = def.checks as readonly z.core.$ZodCheck[] | undefined;
  return checks?.some((check) =>
    isAsyncFunction((check._zod.def as unknown as { fn?: unknown }).fn) ||
    isAsyncFunction(check._zod.check)
  ) ?? false;
}

const asyncSchemas = new WeakMap<z.ZodType, boolean>();

/**
 * Whether parsing `schema` runs an async refinement, transform or custom
 * check written as an `async` function. Such a schema must never be parsed
 * synchronously: zod starts the function, then throws `$ZodAsyncError` and
 * leaves its promise behind, whose rejection nobody would handle. A schema
 * too large to walk may: it is parsed asynchronously, which is always safe.
 */
export function runsAsyncCode(schema: z.ZodType): boolean {
  return mayHoldNode(asyncSchemas, schema, runsAsyncCodeHere);
}

/** Outputs no object can be part of, so a `.default()` of them shares nothing. */
const PRIMITIVE_TYPES: ReadonlySet<string> = new Set([
  "string",
  "number",
  "int",
  "boolean",
  "bigint",
  "enum",
  "literal",
  "null",
  "undefined",
  "nan",
  "template_literal",
]);

/** Whether this schema node may put into its output an object the parse did not make. */
function sharesObjectsHere(schema: z.ZodType): boolean {
  const def = schema._zod.def as unknown as Record<string, unknown>;
  switch (def.type) {
    case "transform":
    case "any":
    case "unknown":
    case "custom":
      return true;
    case "default":
    case "prefault":
    case "catch": {
      const inner = (def.innerType as z.ZodType | undefined)?._zod.def.type;
      return inner === undefined || !PRIMITIVE_TYPES.has(inner);
    }
    default:
      return false;
  }
}

const sharingSchemas = new WeakMap<z.ZodType, boolean>();

/**
 * Whether a value `schema` parses may hold objects that are not the
 * parse's own: a `.default()`, `.prefault()` or `.catch()` value (zod
 * copies only its top level), whatever a transform returns, or what
 * `z.any()`, `z.unknown()` and `z.custom()` pass through from a source.
 * `get`'s cache copies such a value before it freezes it, so that nothing
 * of the caller's is frozen. A schema too large to walk may share.
 */
export function mayShareObjects(schema: z.ZodType): boolean {
  return mayHoldNode(sharingSchemas, schema, sharesObjectsHere);
}

/**
 * Whether `test` holds, or may hold (a schema too large to walk), for
 * `schema` or a schema inside it; remembered in `known`, per schema.
 */
function mayHoldNode(
  known: WeakMap<z.ZodType, boolean>,
  schema: z.ZodType,
  test: (node: z.ZodType) => boolean,
): boolean {
  let answer = known.get(schema);
  if (answer === undefined) {
    answer = someNode(schema, test) !== false;
    known.set(schema, answer);
  }
  return answer;
}

/**
 * Whether `test` holds for `schema` or any schema inside it: `true`,
 * `false`, or `"unknown"` when the walk's bounds stopped it without an
 * answer.
 */
function someNode(
  schema: z.ZodType,
  test: (node: z.ZodType) => boolean,
): boolean | "unknown" {
  switch (walkSchemas([schema], childSchemas, test)) {
    case "found":
      return true;
    case "done":
      return false;
    case "cut":
      return "unknown";
  }
}

/**
 * Returns the schema with its value-preserving wrappers (optional, default,
 * nullable, …) and the input side of pipes removed: what a prompt asks for,
 * and what a source holds for it (as field-level layering reads a schema).
 */
export function unwrapSchema(schema: z.ZodType): z.ZodType {
  let current = schema;
  for (let n = 0; n < MAX_SCHEMA_NODES; n++) {
    const next = unwrapOnce(current);
    if (next === undefined) break;
    current = next;
  }
  return current;
}

/**
 * Tells whether a schema, or any wrapper around it, is marked secret; a
 * chain of wrappers too long to follow counts as secret.
 */
export function isSecret(schema: z.ZodType): boolean {
  let current: z.ZodType | undefined = schema;
  for (let n = 0; n < MAX_SCHEMA_NODES; n++) {
    if (current === undefined) return false;
    if (hasSecretMark(current)) return true;
    current = unwrapOnce(current);
  }
  return true;
}

/**
 * Tells whether a schema holds a secret anywhere inside it, itself
 * included. A schema too large to walk (see {@linkcode MAX_SCHEMA_NODES})
 * may: it counts as holding one, so nothing of it is shown.
 */
export function containsSecret(schema: z.ZodType): boolean {
  return someNode(schema, hasSecretMark) !== false;
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

/**
 * For field-level layering: the shape of an object whose fields merge (a
 * `z.object()` with no catchall, not marked secret as a whole), or
 * `undefined` for a leaf, which one source gives whole.
 */
export function mergedShape(
  schema: z.ZodType,
): Record<string, z.ZodType> | undefined {
  if (isSecret(schema)) return undefined;
  const inner = unwrapSchema(schema);
  const def = defOfSchema(inner);
  if (def.type !== "object") return undefined;
  const catchall = def.catchall as z.ZodType | undefined;
  if (catchall !== undefined && defOfSchema(catchall).type !== "never") {
    return undefined;
  }
  return def.shape as Record<string, z.ZodType>;
}

/**
 * Why a schema cannot be layered field by field, or `undefined` when it
 * can: the root must be an object whose fields merge.
 */
export function layeringProblem(schema: z.ZodType): string | undefined {
  if (mergedShape(schema) !== undefined) return undefined;
  if (isSecret(schema)) {
    return 'a schema marked secret as a whole is one value: mark its fields secret instead, or use layering "whole"';
  }
  return 'the schema must be a z.object() without a catchall, so that its fields can come from different sources; use layering "whole" for any other schema';
}

function defOfSchema(schema: z.ZodType): Record<string, unknown> {
  return schema._zod.def as unknown as Record<string, unknown>;
}
