/**
 * `harmony-config unset KEY`: removes a key from the sources that persist.
 *
 * @module
 */
import { validateKey } from "../../key.ts";
import type { ConfigSource } from "../../source.ts";
import { openChain, planChain, selectSource } from "../chain.ts";
import type { CommandContext } from "../context.ts";
import { ExitCode, KeyAbsentError } from "../errors.ts";
import { shownKey } from "../output.ts";
import { SqliteSource } from "../../sources/sqlite.ts";
import { isValidKey } from "../../_internal/key.ts";

/**
 * Runs `unset`.
 *
 * @param context The command's arguments, options and streams.
 * @returns The exit code.
 */
export async function unsetCommand(context: CommandContext): Promise<number> {
  const { args, options, out, cwd } = context;
  const key = args[0] ?? "";
  // A key that is not an identifier can only be a row another tool wrote
  // to the shared SQLite file, which list shows: remove exactly that row.
  const valid = isValidKey(key);
  if (key === "") validateKey(key);
  await using manager = await openChain(
    await planChain({ files: options.file, cwd }),
  );
  const targets: ConfigSource[] = options.source === undefined
    ? manager.sources.filter((source) => source.persists)
    : [await selectSource(manager, options.source, cwd)];
  const removedFrom: string[] = [];
  for (const target of targets) {
    if (valid ? await target.delete(key) : await deleteListedRow(target, key)) {
      removedFrom.push(target.name);
    }
  }
  // Throws InvalidKeyError: no source lists a row under this text.
  if (!valid && removedFrom.length === 0) validateKey(key);
  const stillSet: string[] = [];
  for (const source of valid ? manager.sources : []) {
    if (source.persists || source.entry === undefined) continue;
    try {
      if (await source.entry(key)) {
        stillSet.push(source.locate?.(key) ?? source.name);
      }
    } catch {
      // Unreadable here; explain reports it.
    }
  }
  if (removedFrom.length === 0) {
    throw new KeyAbsentError(
      `Key "${key}" is not stored in ${
        targets.map((t) => t.name).join(", ") || "any source that persists"
      }: nothing was removed${
        stillSet.length > 0
          ? ` (${stillSet.join(", ")} is set: unset it in your shell)`
          : ""
      }`,
      key,
    );
  }
  if (out.json) {
    await out.document({ key, removedFrom, stillSet });
    return ExitCode.Ok;
  }
  for (const name of removedFrom) {
    await out.line(`Removed ${shownKey(key)} from ${name}`);
  }
  for (const name of stillSet) {
    await out.note(`Note: ${name} is still set; unset it in your shell`);
  }
  return ExitCode.Ok;
}

/** Deletes the SQLite row that `list` shows under `key`, if `target` is SQLite and has one. */
async function deleteListedRow(
  target: ConfigSource,
  key: string,
): Promise<boolean> {
  if (!(target instanceof SqliteSource)) return false;
  const listed = (await target.list()).some((row) => row.key === key);
  return listed && await target.deleteRow(key);
}
