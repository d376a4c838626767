/**
 * Private: what to store once a value has validated, and the one place that
 * writes it: `set`, `getOrPrompt`'s answer and a migration's write-back all
 * go through {@linkcode store}.
 *
 * @module
 */
import type { ConfigDefinition } from "../config.ts";
import type { ConfigSource } from "../source.ts";
import { validateSyncFirst } from "./validate.ts";

/**
 * Returns the value to write for `input`, which the schema parsed to
 * `parsed`.
 *
 * The parsed value has defaults filled, so it is stored when it passes the
 * schema again. A schema with a transform or coercion (`z.string()
 * .transform(Number)`) parses to something it would reject on the next read;
 * then the input is stored instead, so the stored value never stops reading.
 */
export async function persistedValue<T, I>(
  schema: ConfigDefinition<T, I>["schema"],
  input: unknown,
  parsed: T,
): Promise<unknown> {
  return (await validateSyncFirst(schema, parsed)).ok ? parsed : input;
}

/**
 * Writes a value that has already validated (`input` parsed to `parsed`)
 * to `target`, choosing what to store with {@linkcode persistedValue}.
 */
export async function store<T, I>(
  target: ConfigSource,
  def: ConfigDefinition<T, I>,
  input: unknown,
  parsed: T,
): Promise<void> {
  await target.set(def.key, await persistedValue(def.schema, input, parsed));
}
