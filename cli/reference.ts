/**
 * The reference of a project's definitions that `harmony-config docs`
 * prints: for each key its env var (and per-field vars in fields mode),
 * where the chain keeps it, and each field with its type, default,
 * description and whether it is secret. It is read from the JSON Schema of
 * the stored shape (`toJsonSchema`), so a secret's default never appears.
 *
 * @module
 */
import type { ConfigDefinition } from "../config.ts";
import { toJsonSchema } from "../json_schema.ts";
import { EnvSource } from "../sources/env.ts";
import { fieldLayout, pathKey } from "../_internal/field_layout.ts";
import { SECRET_KEYWORD } from "../_internal/json_schema.ts";
import type { SourcePlan } from "./source_plan.ts";

/** One field of a definition in the reference. */
export interface ReferenceField {
  /** Its path: `db.host`; `(value)` for a schema that is not an object. */
  readonly path: string;
  /** Its type, in words: `string`, `integer ≥ 1`, `"a" | "b"`, `array of string`. */
  readonly type: string;
  /** Whether a value must be given (no default, not optional). */
  readonly required: boolean;
  /** The default as JSON text; never a secret's. */
  readonly default?: string;
  /** The schema's description. */
  readonly description?: string;
  /** Whether it is secret, or lies inside a secret. */
  readonly secret: boolean;
  /** Its own env var, in fields mode. */
  readonly envVar?: string;
}

/** One definition in the reference. */
export interface ReferenceEntry {
  /** The key. */
  readonly key: string;
  /** The definition's description. */
  readonly description?: string;
  /** How the chain answers for it. */
  readonly layering: "whole" | "fields";
  /** The env var of the whole value. */
  readonly envVar: string;
  /** Where each source of the chain keeps it, in chain order. */
  readonly storedIn: readonly { source: string; locator: string }[];
  /** The fields, in schema order. */
  readonly fields: readonly ReferenceField[];
  /** The JSON Schema of the stored shape. */
  readonly jsonSchema: Record<string, unknown>;
}

type Node = Record<string, unknown>;

const env = new EnvSource({ env: {} });

/**
 * Builds the reference of `definitions`.
 *
 * @param definitions The definitions.
 * @param plans The chain, planned (not opened); empty when it could not be planned.
 * @returns One entry per definition.
 */
export function buildReference(
  definitions: readonly ConfigDefinition<unknown>[],
  plans: readonly SourcePlan[],
): ReferenceEntry[] {
  return definitions.map((def) => {
    const jsonSchema = toJsonSchema(def);
    const layering = def.layering === "fields" ? "fields" : "whole";
    const perField = layering === "fields"
      ? new Set(fieldLayout(def.schema).fields.map((f) => pathKey(f.path)))
      : new Set<string>();
    const fields: ReferenceField[] = [];
    walk(jsonSchema, [], true, false, (path, node, required, secret) => {
      fields.push({
        path: path.length === 0 ? "(value)" : path.join("."),
        type: typeOf(node),
        required,
        ...(node.default === undefined || secret
          ? {}
          : { default: JSON.stringify(node.default) }),
        ...(typeof node.description === "string" && path.length > 0
          ? { description: node.description }
          : {}),
        secret,
        ...(perField.has(pathKey(path))
          ? { envVar: env.locateField(def.key, path) }
          : {}),
      });
    });
    return {
      key: def.key,
      ...(def.description === undefined
        ? {}
        : { description: def.description }),
      layering,
      envVar: env.locate(def.key),
      storedIn: plans.map((plan) => ({
        source: plan.name,
        locator: plan.locate(def.key),
      })),
      fields,
      jsonSchema,
    };
  });
}

/**
 * Visits each field of an object schema (and of the objects inside it),
 * or the value itself for a schema that is not an object.
 */
function walk(
  node: Node,
  path: readonly string[],
  required: boolean,
  insideSecret: boolean,
  visit: (
    path: readonly string[],
    node: Node,
    required: boolean,
    secret: boolean,
  ) => void,
): void {
  const secret = insideSecret || node[SECRET_KEYWORD] === true;
  const properties = node.properties as Record<string, Node> | undefined;
  if (path.length > 0 || properties === undefined) {
    visit(path, node, required, secret);
  }
  if (properties === undefined) return;
  const needed = new Set(node.required as string[] | undefined ?? []);
  for (const [name, child] of Object.entries(properties)) {
    walk(child, [...path, name], needed.has(name), secret, visit);
  }
}

/** A schema's type in words. */
function typeOf(node: Node): string {
  if (Array.isArray(node.enum)) {
    return node.enum.map((v) => JSON.stringify(v)).join(" | ");
  }
  if (node.const !== undefined) return JSON.stringify(node.const);
  for (const key of ["anyOf", "oneOf"] as const) {
    const options = node[key];
    if (Array.isArray(options)) {
      return options.map((o) => typeOf(o as Node)).join(" | ");
    }
  }
  const type = node.type;
  if (Array.isArray(type)) return type.join(" | ");
  if (type === "array") {
    const items = node.items as Node | undefined;
    return items === undefined ? "array" : `array of ${typeOf(items)}`;
  }
  if (type === "object") {
    return node.properties === undefined && node.additionalProperties
      ? `record of ${typeOf(node.additionalProperties as Node)}`
      : "object";
  }
  if (typeof type !== "string") return "any JSON";
  const bounds = [
    typeof node.format === "string" ? node.format : undefined,
    bound("≥", node.minimum, Number.MIN_SAFE_INTEGER),
    bound(">", node.exclusiveMinimum),
    bound("≤", node.maximum, Number.MAX_SAFE_INTEGER),
    bound("<", node.exclusiveMaximum),
    typeof node.minLength === "number" ? `${node.minLength}+ chars` : undefined,
    typeof node.maxLength === "number"
      ? `at most ${node.maxLength} chars`
      : undefined,
  ].filter((part) => part !== undefined);
  return bounds.length === 0 ? type : `${type} (${bounds.join(", ")})`;
}

/** `≥ 1`, leaving out the bounds zod gives every safe integer. */
function bound(
  sign: string,
  value: unknown,
  implied?: number,
): string | undefined {
  return typeof value === "number" && value !== implied
    ? `${sign} ${value}`
    : undefined;
}
