/**
 * Private: running a definition's `migrate()` on a stored value of an older
 * shape.
 *
 * @module
 */
import type { ConfigDefinition } from "../config.ts";
import type { ConfigSource, SourceEntry } from "../source.ts";
import { describeError } from "./safe_error.ts";
import { store } from "./storage.ts";
import { validateSyncFirst } from "./validate.ts";

/** What a migration did: a value (with a note for explain), or why not. */
export type Migration<T> =
  | { readonly value: T; readonly note: string }
  | { readonly note: string | undefined };

/**
 * Runs `def.migrate` on a stored value that failed the schema. When the
 * result validates it is returned, and written back if asked and the source
 * persists; the write is best effort, since the read already has its value.
 */
export async function migrate<T, I>(
  def: ConfigDefinition<T, I>,
  source: ConfigSource,
  entry: SourceEntry,
  writeBack: boolean,
): Promise<Migration<T>> {
  if (def.migrate === undefined) return { note: undefined };
  let candidate: unknown;
  try {
    candidate = await def.migrate(entry.value);
  } catch (error) {
    return { note: `migrate() threw ${describeError(error)}` };
  }
  const checked = await validateSyncFirst(def.schema, candidate);
  if (!checked.ok) {
    return { note: "migrate() returned a value that fails the schema too" };
  }
  if (!source.persists) {
    return {
      value: checked.value,
      note: "migrated; this source does not persist",
    };
  }
  if (!writeBack) {
    return { value: checked.value, note: "migrated; get() writes it back" };
  }
  try {
    await store(source, def, candidate, checked.value);
    return { value: checked.value, note: "migrated and written back" };
  } catch (error) {
    return {
      value: checked.value,
      note: `migrated, not written back: ${describeError(error)}`,
    };
  }
}
