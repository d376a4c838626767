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

/**
 * Runs `unset`.
 *
 * @param context The command's arguments, options and streams.
 * @returns The exit code.
 */
export async function unsetCommand(context: CommandContext): Promise<number> {
  const { args, options, out, cwd } = context;
  const key = validateKey(args[0] ?? "");
  await using manager = await openChain(
    await planChain({ files: options.file, cwd }),
  );
  const targets: ConfigSource[] = options.source === undefined
    ? manager.sources.filter((source) => source.persists)
    : [await selectSource(manager, options.source, cwd)];
  const removedFrom: string[] = [];
  for (const target of targets) {
    if (await target.delete(key)) removedFrom.push(target.name);
  }
  const stillSet: string[] = [];
  for (const source of manager.sources) {
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
  for (const name of removedFrom) await out.line(`Removed ${key} from ${name}`);
  for (const name of stillSet) {
    await out.note(`Note: ${name} is still set; unset it in your shell`);
  }
  return ExitCode.Ok;
}
