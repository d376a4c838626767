/**
 * Private: the JSON Schema of a definition's stored shape, from zod 4's own
 * converter (`z.toJSONSchema`, on the input side of transforms and codecs:
 * what a source holds), with secrets marked and their defaults dropped.
 *
 * @module
 */
import { z } from "zod";
import type { ConfigDefinition } from "../config.ts";
import { containsSecret, hasSecretMark } from "./schema_walk.ts";

/** The keyword that marks a secret, beside `writeOnly: true`. */
export const SECRET_KEYWORD = "x-harmony-secret";

/** A temporary mark on nodes whose default or examples could show a secret. */
const HOLDS_SECRET = "x-harmony-holds-secret";

/** The dialect every schema is written in. */
export const JSON_SCHEMA_DIALECT =
  "https://json-schema.org/draft/2020-12/schema";

type Node = Record<string, unknown>;

/**
 * The JSON Schema (2020-12) of what a source holds for `def`. Types JSON
 * cannot hold (a `Map`, a `Date` under `z.date()`, a bigint) accept
 * anything, as the storage rule refuses them anyway.
 */
export function jsonSchemaOf<T, I>(
  def: ConfigDefinition<T, I>,
): Record<string, unknown> {
  const document = z.toJSONSchema(def.schema, {
    io: "input",
    target: "draft-2020-12",
    unrepresentable: "any",
    override: ({ zodSchema, jsonSchema }) => {
      const node = jsonSchema as Node;
      const schema = zodSchema as unknown as z.ZodType;
      if (hasSecretMark(schema)) node[SECRET_KEYWORD] = true;
      if (containsSecret(schema)) node[HOLDS_SECRET] = true;
    },
  }) as Node;
  scrub(document, false, new Set());
  return {
    $schema: JSON_SCHEMA_DIALECT,
    title: def.key,
    ...(def.description === undefined ? {} : { description: def.description }),
    ...withoutDialect(document),
  };
}

function withoutDialect(document: Node): Node {
  const { $schema: _dialect, ...rest } = document;
  return rest;
}

/**
 * Marks secrets `writeOnly` (the metadata zod copies, `secret: true`, goes)
 * and drops every `default`, `examples` and `example` that is, or lies
 * inside, a secret or a value holding one.
 */
function scrub(node: unknown, insideSecret: boolean, seen: Set<unknown>): void {
  if (typeof node !== "object" || node === null || seen.has(node)) return;
  seen.add(node);
  if (Array.isArray(node)) {
    for (const item of node) scrub(item, insideSecret, seen);
    return;
  }
  const schema = node as Node;
  const secret = schema[SECRET_KEYWORD] === true;
  if (secret) {
    schema.writeOnly = true;
    if (schema.secret === true) delete schema.secret;
  }
  const hidden = insideSecret || secret || schema[HOLDS_SECRET] === true;
  delete schema[HOLDS_SECRET];
  if (hidden) {
    delete schema.default;
    delete schema.examples;
    delete schema.example; // OpenAPI's keyword, which `.meta()` copies as it is
  }
  for (const value of Object.values(schema)) {
    scrub(value, insideSecret || secret, seen);
  }
}
