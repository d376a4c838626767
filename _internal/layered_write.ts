/**
 * Private: what `set` and `getOrPrompt` store for a definition with
 * `layering: "fields"`. A value passed whole may hold fields that other
 * sources of the chain hold (a password from OpenBao, a host from an env
 * var), as it does when it was read with `get` and changed in one field.
 * Such a field is never copied into the target: a field that another
 * source gives, with the value passed, is left there (and what the target
 * holds for it, shadowed, stays); a field that changed, or that no source
 * gives, is stored in the target. A field left out, or equal to the
 * schema's default where no source gives it, is not stored: the default
 * applies again after the merge, so a later source can still give it.
 * The target's fields that the value leaves out are removed, as `set`
 * replaces what the target holds for the key.
 *
 * @module
 */
import type { z } from "zod";
import type { ConfigDefinition } from "../config.ts";
import { SourceUnavailableError } from "../errors.ts";
import type { ConfigSource } from "../source.ts";
import { deepEqual } from "./equal.ts";
import { fieldLayout, pathKey } from "./field_layout.ts";
import { isPlainObject } from "./json.ts";
import { mergeLayers, readChain, setAt, valueAt } from "./layering.ts";
import { storable, writeStored } from "./storage.ts";
import { formatPath, parsedSync } from "./validate.ts";

/** What a fields-mode write stored, and what it left where it was. */
export interface FieldsWrite {
  /** The JSON data written to the target: the fields it keeps. */
  readonly stored: Readonly<Record<string, unknown>>;
  /** The paths of the fields written to the target, as issues print them. */
  readonly written: readonly string[];
  /** The fields another source gives with the value passed: left there, not copied. */
  readonly left: readonly { readonly path: string; readonly source: string }[];
}

/**
 * Writes the fields of a validated value (`input`, which the schema parsed
 * to `parsed`) that belong in `target` (see the module doc). What is
 * stored follows the storage rule (the stored shape that reads back as
 * `parsed`).
 *
 * @throws {ConfigValidationError} When no JSON reads back as `parsed`; nothing is written.
 * @throws {SourceUnavailableError} When a source of the chain cannot be
 * read: it may hold a field that would be copied; nothing is written.
 */
export async function storeFields<T, I>(
  sources: readonly ConfigSource[],
  target: ConfigSource,
  def: ConfigDefinition<T, I>,
  input: unknown,
  parsed: T,
  what = "the value passed to set()",
): Promise<FieldsWrite> {
  const value = await storable(def, input, parsed, what);
  const chain = await readChain(sources, def, false);
  const down = chain.unavailable[0];
  if (down !== undefined) {
    throw new SourceUnavailableError(
      down.source ?? "a source",
      `${down.reason}; nothing was stored: it may hold fields of "${def.key}" that would otherwise be copied into ${target.name}`,
      { key: def.key },
    );
  }
  const layout = fieldLayout(def.schema);
  const own = chain.layers.find((layer) => layer.source === target);
  const current = mergeLayers(chain.layers, layout);
  const leaves = new Map(
    layout.leaves.map((field) => [pathKey(field.path), field]),
  );
  let stored: Record<string, unknown> = {};
  const written: string[] = [];
  const left: { path: string; source: string }[] = [];
  const keep = (path: readonly string[], value: unknown): void => {
    stored = setAt(stored, path, value) as Record<string, unknown>;
    written.push(formatPath(path));
  };
  const visit = (value: unknown, path: readonly string[]): void => {
    if (layout.merges(path) && isPlainObject(value)) {
      for (const [name, inner] of Object.entries(value)) {
        visit(inner, [...path, name]);
      }
      return;
    }
    // A field the caller left out was filled by a default: not stored.
    if (valueAt(input, path) === undefined) return;
    const origin = current.origins.get(pathKey(path));
    if (origin === undefined) {
      // The default applies again after the merge: nothing to store.
      const field = leaves.get(pathKey(path));
      const fallback = field && parsedSync(field.schema, undefined);
      if (
        fallback !== undefined && fallback.value !== undefined &&
        deepEqual(fallback.value, valueAt(parsed, path))
      ) {
        return;
      }
      keep(path, value);
      return;
    }
    const held = valueAt(current.value, path);
    const unchanged = deepEqual(held, value) ||
      givenBack(leaves.get(pathKey(path)), held, input, parsed, path);
    if (!unchanged || origin.layer.source === target) {
      keep(path, value);
      return;
    }
    // Given by another source, and not changed: left there. What the
    // target itself holds for it (shadowed) stays as it is.
    left.push({ path: formatPath(path), source: origin.layer.source.name });
    const mine = own === undefined ? undefined : valueAt(own.value, path);
    if (mine !== undefined) keep(path, mine);
  };
  visit(value, []);
  await writeStored(target, def.key, stored);
  return { stored, written, left };
}

/**
 * Whether the value passed gives back, at `path`, what the chain's source
 * holds there as `get` returns it: the text a source holds need not be
 * what `get` returned (a `trim()`, a `toLowerCase()`, a transform), and a
 * secret read through one must stay where it is.
 */
function givenBack(
  field: { readonly schema: z.ZodType } | undefined,
  held: unknown,
  input: unknown,
  parsed: unknown,
  path: readonly string[],
): boolean {
  if (field === undefined) return false;
  const read = parsedSync(field.schema, held);
  return read !== undefined &&
    (deepEqual(read.value, valueAt(input, path)) ||
      deepEqual(read.value, valueAt(parsed, path)));
}
