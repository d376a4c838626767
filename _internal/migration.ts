/**
 * Private: running a definition's `migrate()` on a stored value of an older
 * shape, and writing the result back only where the source still holds
 * what was read (compare-and-set).
 *
 * @module
 */
import type { ConfigDefinition } from "../config.ts";
import type { ConfigSource, SourceEntry } from "../source.ts";
import { describeError } from "./safe_error.ts";
import { storeIfUnchanged } from "./storage.ts";
import { validateSyncFirst } from "./validate.ts";

/** What a migration did: a value (with a note for explain), or why not. */
export type Migration<T> =
  | { readonly value: T; readonly note: string }
  | { readonly note: string | undefined };

/**
 * Runs `def.migrate` on a stored value that failed the schema. When the
 * result validates it is returned, and written back if asked, the source
 * persists and it can compare-and-set: the write happens only if the source
 * still holds `entry.value`, so a newer value that another process stored
 * while `migrate()` ran is kept. The write is best effort, since the read
 * already has its value; the note says what happened.
 */
export async function migrate<T, I>(
  def: ConfigDefinition<T, I>,
  source: ConfigSource,
  entry: SourceEntry,
  writeBack: boolean,
): Promise<Migration<T>> {
  if (def.migrate === undefined) return { note: undefined };
  const expected = entry.value;
  let candidate: unknown;
  try {
    // A copy, so a migrate() that edits its argument in place cannot change
    // what the compare-and-set compares against.
    candidate = await def.migrate(copyOf(expected));
  } catch (error) {
    return { note: `migrate() threw ${describeError(error)}` };
  }
  const checked = await validateSyncFirst(def.schema, candidate);
  if (!checked.ok) {
    return { note: "migrate() returned a value that fails the schema too" };
  }
  const value = checked.value;
  if (!source.persists) {
    return { value, note: "migrated; this source does not persist" };
  }
  if (source.compareAndSet === undefined) {
    return {
      value,
      note:
        `migrated; not written back: ${source.name} cannot compare-and-set, so a write could overwrite a newer value; the next read migrates again`,
    };
  }
  if (!writeBack) return { value, note: "migrated; get() writes it back" };
  try {
    const written = await storeIfUnchanged(
      source as ConfigSource & Required<Pick<ConfigSource, "compareAndSet">>,
      def,
      expected,
      candidate,
      value,
    );
    return {
      value,
      note: written
        ? "migrated and written back"
        : "migrated; not written back: the stored value changed while migrate() ran, and the newer value was kept",
    };
  } catch (error) {
    return {
      value,
      note: `migrated, not written back: ${describeError(error)}`,
    };
  }
}

/** A deep copy of JSON data; anything structuredClone refuses is passed as is. */
function copyOf(value: unknown): unknown {
  try {
    return structuredClone(value);
  } catch {
    return value;
  }
}
