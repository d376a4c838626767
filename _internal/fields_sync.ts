/**
 * Private: `get`'s synchronous path for definitions with `layering:
 * "fields"`, as a slot the layering engine fills when it loads. The engine
 * is loaded only by the first fields-mode read (a program that uses none
 * never loads it, so its start stays as fast as before); that read takes
 * the full path, and later ones take this one.
 *
 * @module
 */
import type { ConfigDefinition } from "../config.ts";
import type { ConfigSource } from "../source.ts";

/** Resolves a fields-mode definition without a promise, or gives up (`undefined`). */
export type FieldsSyncResolver = <T, I>(
  sources: readonly ConfigSource[],
  def: ConfigDefinition<T, I>,
) => { value: T } | undefined;

let resolver: FieldsSyncResolver | undefined;

/** Called by the layering engine as it loads. */
export function registerFieldsSync(resolve: FieldsSyncResolver): void {
  resolver = resolve;
}

/**
 * The value of a fields-mode definition without a promise, when the engine
 * is loaded and every source answers synchronously; else `undefined`.
 */
export function fieldsSyncHit<T, I>(
  sources: readonly ConfigSource[],
  def: ConfigDefinition<T, I>,
): { value: T } | undefined {
  return resolver?.(sources, def);
}
