/**
 * Private: turns a zod schema into the list of questions `getOrPrompt` asks: one
 * field per leaf, labelled with its dotted path.
 *
 * @module
 */
import { z } from "zod";
import { containsSecret, isSecret, unwrapSchema } from "../schema_walk.ts";
import { parsedSync, validateSyncFirst } from "../validate.ts";
// Own properties only: a field named `constructor` or `toString` must not
// read Object.prototype's member as a value someone holds.
import { valueAt } from "../layering.ts";

/** How a field is asked for. */
export type FieldKind =
  | "string"
  | "number"
  | "boolean"
  | "date"
  | "select"
  | "list"
  | "json";

/** A primitive a `select` or a list element may hold. */
export type Choice = string | number | boolean | null;

/** The kind of each element of a `list` field. */
export type ElementKind = "string" | "number" | "boolean" | "select" | "json";

/** One question: a leaf of the schema. */
export interface PromptField {
  /** The path from the root value; empty for a schema that is not an object. */
  readonly path: readonly string[];
  /** The dotted path, or the key for a schema that is not an object. */
  readonly label: string;
  /** The text shown: the label, with the title and description when there are any. */
  readonly message: string;
  /** Which prompt asks for it. */
  readonly kind: FieldKind;
  /** The field's own schema, wrappers included, that each answer is checked against. */
  readonly schema: z.ZodType;
  /** Whether an empty answer is allowed (optional, has a default, or sits in an optional object). */
  readonly optional: boolean;
  /**
   * Whether the value holds a secret anywhere (the field itself, or an
   * element, entry or field inside it): it is typed masked and never
   * pre-filled.
   */
  readonly secret: boolean;
  /** The schema's default, when it has one. */
  readonly defaultValue?: unknown;
  /** The allowed values of a `select`, or of each element of a `list` of choices. */
  readonly choices?: readonly Choice[];
  /** Bounds and step of a `number`. */
  readonly min?: number;
  /** Upper bound of a `number`. */
  readonly max?: number;
  /** Whether a `number` must be an integer. */
  readonly integer?: boolean;
  /** The kind of each element of a `list`. */
  readonly element?: ElementKind;
  /** The schema of each element of a `list`. */
  readonly elementSchema?: z.ZodType;
}

/** An object that accepts keys its shape does not name: a catchall, or a loose object. */
export interface OpenObject {
  /** The path from the root value. */
  readonly path: readonly string[];
  /** The keys its shape names, which are asked for. */
  readonly named: ReadonlySet<string>;
  /** The schema every other key's value must pass. */
  readonly catchall: z.ZodType;
}

/** The questions for a schema, and the nested objects their answers go into. */
export interface PromptPlan {
  /** The leaves, in schema order. */
  readonly fields: readonly PromptField[];
  /** Nested objects that must exist even when none of their fields was answered. */
  readonly requiredObjects: readonly (readonly string[])[];
  /**
   * Objects whose other keys are never asked for: asked again, a stored
   * value's keys there are kept (see {@linkcode withStoredExtras}).
   */
  readonly openObjects: readonly OpenObject[];
}

type Def = Record<string, unknown>;

function defOf(schema: z.ZodType): Def {
  return schema._zod.def as unknown as Def;
}

/** Reads title and description from the outer schema, then the unwrapped one. */
function metaText(schema: z.ZodType): { title?: string; description?: string } {
  for (const layer of [schema, unwrapSchema(schema)]) {
    const meta = z.globalRegistry.get(layer);
    if (meta?.title !== undefined || meta?.description !== undefined) {
      return {
        ...(typeof meta.title === "string" ? { title: meta.title } : {}),
        ...(typeof meta.description === "string"
          ? { description: meta.description }
          : {}),
      };
    }
  }
  return {};
}

function messageFor(label: string, schema: z.ZodType): string {
  const { title, description } = metaText(schema);
  const text = [title, description].filter((t) => t !== undefined).join(
    " — ",
  );
  return text === "" ? label : `${label}: ${text}`;
}

/**
 * The values of an enum, or of a union made only of literals. Unions
 * nested deeper than {@linkcode MAX_OBJECT_DEPTH} (a z.lazy() that builds
 * a new union each time) are not a list of choices: they are asked as JSON.
 */
export function literalChoices(
  schema: z.ZodType,
  depth = 0,
): Choice[] | undefined {
  const def = defOf(schema);
  if (def.type === "enum") {
    return Object.values(def.entries as Record<string, string | number>);
  }
  if (def.type === "literal") return [...(def.values as Choice[])];
  if (def.type === "union" && depth < MAX_OBJECT_DEPTH) {
    const out: Choice[] = [];
    for (const option of def.options as z.ZodType[]) {
      const inner = literalChoices(unwrapSchema(option), depth + 1);
      if (inner === undefined) return undefined;
      out.push(...inner);
    }
    return out;
  }
  return undefined;
}

function elementKind(schema: z.ZodType): ElementKind {
  const inner = unwrapSchema(schema);
  const type = defOf(inner).type;
  if (type === "string") return "string";
  if (type === "number") return "number";
  if (type === "boolean") return "boolean";
  return literalChoices(inner) !== undefined ? "select" : "json";
}

/**
 * What the schema gives for an empty answer: `{ value }` when it accepts
 * one. A field with async refinements cannot tell here: it is required.
 */
function emptyAnswer(schema: z.ZodType): { value: unknown } | undefined {
  return parsedSync(schema, undefined);
}

function numberBounds(
  schema: z.ZodType,
): { min?: number; max?: number; integer: boolean } {
  const number = schema as unknown as {
    minValue?: number | null;
    maxValue?: number | null;
    isInt?: boolean;
  };
  const finite = (n: number | null | undefined): n is number =>
    typeof n === "number" && Number.isFinite(n);
  return {
    ...(finite(number.minValue) ? { min: number.minValue } : {}),
    ...(finite(number.maxValue) ? { max: number.maxValue } : {}),
    integer: number.isInt === true,
  };
}

function leaf(
  path: readonly string[],
  label: string,
  schema: z.ZodType,
  inOptionalObject: boolean,
  parentDefault: unknown,
): PromptField {
  const inner = unwrapSchema(schema);
  const def = defOf(inner);
  const empty = emptyAnswer(schema);
  const own = empty?.value;
  const defaultValue = own !== undefined ? own : parentDefault;
  const base = {
    path,
    label,
    message: messageFor(label, schema),
    schema,
    optional: inOptionalObject || empty !== undefined,
    secret: containsSecret(schema),
    ...(defaultValue === undefined ? {} : { defaultValue }),
  };
  const choices = literalChoices(inner);
  if (choices !== undefined) return { ...base, kind: "select", choices };
  switch (def.type) {
    case "string":
      return { ...base, kind: "string" };
    case "bigint":
      // Typed as text, which z.coerce.bigint() reads exactly; it is stored
      // as the JSON integer it denotes.
      return { ...base, kind: "string" };
    case "number":
      return { ...base, kind: "number", ...numberBounds(inner) };
    case "boolean":
      return { ...base, kind: "boolean" };
    case "date":
      return { ...base, kind: "date" };
    case "array": {
      const element = def.element as z.ZodType;
      const kind = elementKind(element);
      if (kind === "json") return { ...base, kind: "json" };
      const elementChoices = literalChoices(unwrapSchema(element));
      return {
        ...base,
        kind: "list",
        element: kind,
        elementSchema: element,
        ...(elementChoices === undefined ? {} : { choices: elementChoices }),
      };
    }
    default:
      // Records, tuples, unions of objects…: ask for JSON and let the schema judge.
      return { ...base, kind: "json" };
  }
}

/**
 * How deep nested objects are asked field by field (and spelled out in a
 * skeleton). A schema that recurses through a fresh `z.lazy()` at every
 * level has no repeated node to spot, so depth bounds it too.
 */
const MAX_OBJECT_DEPTH = 16;

/**
 * Whether the schema `inner`, `depth` levels down, is asked (or shown in a
 * skeleton) as one JSON value rather than part by part: it recurses into
 * itself (a `z.lazy()` tree), which would otherwise be walked forever.
 */
export function isRecursion(
  inner: z.ZodType,
  ancestors: ReadonlySet<z.ZodType>,
  depth: number,
): boolean {
  return ancestors.has(inner) || depth >= MAX_OBJECT_DEPTH;
}

function walk(
  schema: z.ZodType,
  path: readonly string[],
  inOptionalObject: boolean,
  parentDefault: unknown,
  fields: PromptField[],
  requiredObjects: (readonly string[])[],
  openObjects: OpenObject[],
  ancestors: ReadonlySet<z.ZodType> = new Set(),
): void {
  const inner = unwrapSchema(schema);
  const def = defOf(inner);
  if (
    def.type !== "object" || isSecret(schema) ||
    isRecursion(inner, ancestors, path.length)
  ) {
    fields.push(
      leaf(path, path.join("."), schema, inOptionalObject, parentDefault),
    );
    return;
  }
  const empty = emptyAnswer(schema);
  const objectDefault = empty?.value ?? parentDefault;
  const optional = inOptionalObject || empty !== undefined;
  if (!optional) requiredObjects.push(path);
  const shape = def.shape as Record<string, z.ZodType>;
  const catchall = def.catchall as z.ZodType | undefined;
  // A strict object's catchall is z.never(): it keeps nothing.
  if (catchall !== undefined && defOf(catchall).type !== "never") {
    openObjects.push({ path, named: new Set(Object.keys(shape)), catchall });
  }
  for (const [name, child] of Object.entries(shape)) {
    walk(
      child,
      [...path, name],
      optional,
      isRecord(objectDefault) ? objectDefault[name] : undefined,
      fields,
      requiredObjects,
      openObjects,
      new Set([...ancestors, inner]),
    );
  }
}

/**
 * Lists the questions for `schema`: one per leaf of nested objects,
 * labelled with the dotted path. A schema that is not an object is one
 * question labelled with `key`.
 *
 * @param schema The definition's schema.
 * @param key The definition's key, the label of a schema that is not an object.
 * @returns The fields and the nested objects that must exist.
 *
 * @example
 * ```ts
 * import { describeFields } from "./fields.ts";
 * import { z } from "zod";
 * import assert from "node:assert/strict";
 *
 * const plan = describeFields(z.object({ db: z.object({ port: z.number() }) }), "App");
 * assert.deepEqual(plan.fields.map((f) => [f.label, f.kind]), [["db.port", "number"]]);
 * ```
 */
export function describeFields(schema: z.ZodType, key: string): PromptPlan {
  const fields: PromptField[] = [];
  const requiredObjects: (readonly string[])[] = [];
  const openObjects: OpenObject[] = [];
  const inner = unwrapSchema(schema);
  if (defOf(inner).type !== "object" || isSecret(schema)) {
    const empty = emptyAnswer(schema);
    return {
      fields: [
        leaf([], key, schema, false, undefined),
      ].map((f) => ({ ...f, optional: empty !== undefined })),
      requiredObjects,
      openObjects,
    };
  }
  walk(schema, [], false, undefined, fields, requiredObjects, openObjects);
  return { fields, requiredObjects, openObjects };
}

/**
 * Builds the root value from the answers, creating the nested objects that
 * must exist and leaving out the fields that were not answered.
 *
 * @param plan The plan the answers belong to.
 * @param answers The answers by label; `undefined` means left empty.
 * @returns The assembled value.
 */
export function assemble(
  plan: PromptPlan,
  answers: ReadonlyMap<string, unknown>,
): unknown {
  const [only] = plan.fields;
  if (plan.fields.length === 1 && only?.path.length === 0) {
    return answers.get(only.label);
  }
  const root: Record<string, unknown> = {};
  const objectAt = (path: readonly string[]): Record<string, unknown> => {
    let current = root;
    for (const segment of path) {
      const next = Object.hasOwn(current, segment)
        ? current[segment]
        : undefined;
      if (isRecord(next)) {
        current = next;
      } else {
        const created: Record<string, unknown> = {};
        defineField(current, segment, created);
        current = created;
      }
    }
    return current;
  };
  for (const path of plan.requiredObjects) objectAt(path);
  for (const field of plan.fields) {
    const answer = answers.get(field.label);
    if (answer === undefined) continue;
    const name = field.path[field.path.length - 1];
    if (name === undefined) continue;
    defineField(objectAt(field.path.slice(0, -1)), name, answer);
  }
  return root;
}

/**
 * Sets an own field, as JSON.parse makes one: a field named `__proto__`
 * (a shape built with a computed key) is a field, not the prototype, and
 * one named `constructor` is not read from Object.prototype on the way.
 */
function defineField(
  target: Record<string, unknown>,
  name: string,
  value: unknown,
): void {
  Object.defineProperty(target, name, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}

/**
 * Adds to `input`, the value assembled from the answers, the keys a stored
 * value held that no question asks for: those of an object with a
 * catchall or a loose object, which the object accepts (its catchall
 * passes their value). They are copied, never shown, so a secret among
 * them stays undrawn. Only objects the answers built receive them.
 *
 * @param plan The plan the answers belong to.
 * @param input The assembled value; changed in place.
 * @param stored The stored value being asked for again.
 * @returns `input`.
 */
export async function withStoredExtras(
  plan: PromptPlan,
  input: unknown,
  stored: unknown,
): Promise<unknown> {
  for (const open of plan.openObjects) {
    const from = valueAt(stored, open.path);
    const into = valueAt(input, open.path);
    if (!isRecord(from) || !isRecord(into)) continue;
    for (const [name, value] of Object.entries(from)) {
      if (open.named.has(name) || Object.hasOwn(into, name)) continue;
      if ((await validateSyncFirst(open.catchall, value)).ok) {
        into[name] = value;
      }
    }
  }
  return input;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
