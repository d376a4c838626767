/**
 * Private: the fields of a definition with `layering: "fields"`, read from
 * its schema: which objects merge, which fields are leaves, and which hold
 * text. Field-level layering, `harmony-config docs` and the env source's
 * per-field variables all follow this one reading of a schema.
 *
 * The rule: an object the schema declares with `z.object()` (no catchall,
 * not marked secret as a whole) merges field by field; anything else (an
 * array, a record, a union, a tuple, a scalar, an object with a catchall,
 * an object marked secret) is a leaf, which one source gives whole. The
 * input side of a transform is what sources hold, so it is what is read.
 *
 * @module
 */
import type { z } from "zod";
import type { FieldSpec } from "../source.ts";
import { mergedShape, unwrapSchema, walkSchemas } from "./schema_walk.ts";
import { formatPath } from "./validate.ts";

/** One declared field of a fields-mode schema. */
export interface LayoutField extends FieldSpec {
  /** The field's schema, wrappers included. */
  readonly schema: z.ZodType;
  /** Whether it is an object whose own fields merge; otherwise a leaf. */
  readonly merged: boolean;
  /** The path as issues print it: `db.host`. */
  readonly label: string;
}

/**
 * An object whose fields merge, as a tree: `objects` holds the fields that
 * are such objects themselves; any other field is a leaf. Walking it needs
 * no path strings, which keeps a fields-mode `get` cheap.
 */
export interface MergedObject {
  /** The fields that are objects whose own fields merge. */
  readonly objects: ReadonlyMap<string, MergedObject>;
}

/** The fields of a schema, for field-level layering. */
export interface FieldLayout {
  /** The root, an object whose fields merge. */
  readonly root: MergedObject;
  /** Every declared field, each object before the fields inside it (what sources are asked for). */
  readonly fields: readonly LayoutField[];
  /** The fields that are leaves, in schema order. */
  readonly leaves: readonly LayoutField[];
  /** Whether the value at `path` is an object whose fields merge (the root is). */
  merges(path: readonly PropertyKey[]): boolean;
}

/** Deeper than this, a schema that recurses on itself stops and the field is a leaf. */
const MAX_DEPTH = 32;

type Def = Record<string, unknown>;

function defOf(schema: z.ZodType): Def {
  return schema._zod.def as unknown as Def;
}

/**
 * Whether the stored value is text: a string, a string enum or literal, a
 * template literal, or a union of them. A union that recurses on itself
 * (`z.lazy()`) meets the same option again, which the walk visits once; one
 * too large to walk does not count as text.
 */
function holdsText(schema: z.ZodType): boolean {
  return walkSchemas([schema], unionOptions, (node) => !isText(node)) ===
    "done";
}

/** The options of a union, for {@linkcode holdsText}; none for anything else. */
function unionOptions(schema: z.ZodType): readonly z.ZodType[] {
  const def = defOf(unwrapSchema(schema));
  return def.type === "union" ? def.options as z.ZodType[] : [];
}

/** Whether this node, unwrapped, holds text; a union counts here, as its options are walked. */
function isText(schema: z.ZodType): boolean {
  const def = defOf(unwrapSchema(schema));
  switch (def.type) {
    case "string":
    case "template_literal":
    case "union":
      return true;
    case "enum":
      return Object.values(def.entries as Record<string, unknown>).every(
        (v) => typeof v === "string",
      );
    case "literal":
      return (def.values as unknown[]).every((v) => typeof v === "string");
    default:
      return false;
  }
}

const layouts = new WeakMap<z.ZodType, FieldLayout>();

/**
 * The layout of a fields-mode schema, computed once per schema.
 *
 * @example
 * ```ts
 * import { fieldLayout } from "./field_layout.ts";
 * import { z } from "zod";
 * import assert from "node:assert/strict";
 *
 * const layout = fieldLayout(z.object({ db: z.object({ host: z.string() }), tags: z.array(z.string()) }));
 * assert.deepEqual(layout.fields.map((f) => [f.label, f.merged, f.text]), [
 *   ["db", true, false],
 *   ["db.host", false, true],
 *   ["tags", false, false],
 * ]);
 * assert.ok(layout.merges(["db"]) && !layout.merges(["tags"]));
 * ```
 */
export function fieldLayout(schema: z.ZodType): FieldLayout {
  let layout = layouts.get(schema);
  if (layout === undefined) {
    layout = buildLayout(schema);
    layouts.set(schema, layout);
  }
  return layout;
}

function buildLayout(schema: z.ZodType): FieldLayout {
  const fields: LayoutField[] = [];
  const mergedPaths = new Set<string>([""]);
  const root = new Map<string, MergedObject>();
  const walk = (
    shape: Record<string, z.ZodType>,
    path: readonly string[],
    seen: ReadonlySet<z.ZodType>,
    objects: Map<string, MergedObject> = root,
  ): void => {
    for (const [name, child] of Object.entries(shape)) {
      const childPath = [...path, name];
      const inner = seen.has(child) || childPath.length > MAX_DEPTH
        ? undefined
        : mergedShape(child);
      const label = formatPath(childPath);
      fields.push({
        path: childPath,
        text: inner === undefined && holdsText(child),
        schema: child,
        merged: inner !== undefined,
        label,
      });
      if (inner !== undefined) {
        mergedPaths.add(pathKey(childPath));
        const below = new Map<string, MergedObject>();
        objects.set(name, { objects: below });
        walk(inner, childPath, new Set([...seen, child]), below);
      }
    }
  };
  const shape = mergedShape(schema);
  if (shape !== undefined) walk(shape, [], new Set([schema]));
  return {
    root: { objects: root },
    fields,
    leaves: fields.filter((field) => !field.merged),
    merges: (path) => mergedPaths.has(pathKey(path)),
  };
}

/** A path as one string for a set or map: segments joined by NUL, which no name holds in practice. */
export function pathKey(path: readonly PropertyKey[]): string {
  return path.map(String).join("\u0000");
}
