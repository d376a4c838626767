/**
 * `harmony-config set KEY JSON` and `set KEY -`: stores a value.
 *
 * @module
 */
import type { ConfigManager } from "../../manager.ts";
import type { ConfigSource } from "../../source.ts";
import { readEntry } from "../../_internal/entry.ts";
import { writeTarget } from "../../_internal/resolver.ts";
import { openChain, planChain, selectSource } from "../chain.ts";
import type { CommandContext } from "../context.ts";
import { ExitCode, UsageError } from "../errors.ts";
import { definitionFor } from "../schema.ts";

/**
 * Runs `set`.
 *
 * @param context The command's arguments, options and streams.
 * @returns The exit code.
 */
export async function setCommand(context: CommandContext): Promise<number> {
  const { args, options, out, cwd } = context;
  let keyArg: string | undefined;
  let valueArg: string | undefined;
  if (args.length === 2) [keyArg, valueArg] = args;
  else if (options.schema !== undefined) [valueArg] = args;
  if (valueArg === undefined) {
    throw new UsageError(
      "set needs KEY and a JSON value, or - to read it from stdin: run harmony-config set --help",
    );
  }
  const loaded = await definitionFor(keyArg, options.schema, cwd);
  const key = loaded.def.key;
  const text = valueArg === "-" ? await context.readStdin() : valueArg;
  const value = parseValue(text, key, valueArg === "-");
  await using manager = await openChain(
    await planChain({ files: options.file, cwd }),
  );
  const target = options.source === undefined
    ? writeTarget(manager.sources, key)
    : await selectSource(manager, options.source, cwd);
  await manager.set(loaded.def, value, { target });
  const locator = target.locate?.(key) ?? target.name;
  const shadowedBy = await shadowingSources(manager, target, key);
  if (out.json) {
    await out.document({ key, source: target.name, locator, shadowedBy });
    return ExitCode.Ok;
  }
  await out.line(`Stored ${key} in ${target.name} (${locator})`);
  for (const shadow of shadowedBy) {
    await out.note(
      `Note: ${shadow} also holds ${key} and is asked first, so get returns its value`,
    );
  }
  return ExitCode.Ok;
}

/** Parses the value argument; the error never repeats the text. */
function parseValue(text: string, key: string, fromStdin: boolean): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new UsageError(
      `The value for key "${key}" ${
        fromStdin ? "read from stdin " : ""
      }is not valid JSON: a string needs quotes, as in '"text"'`,
      { key },
    );
  }
}

/** The sources asked before `target` that hold `key`, which `get` would return instead. */
async function shadowingSources(
  manager: ConfigManager,
  target: ConfigSource,
  key: string,
): Promise<string[]> {
  const index = manager.sources.indexOf(target);
  const before = index === -1
    ? manager.sources
    : manager.sources.slice(0, index);
  const found: string[] = [];
  for (const source of before) {
    try {
      const entry = await readEntry(source, key, false);
      if (entry !== undefined) {
        found.push(source.locate?.(key) ?? source.name);
      }
    } catch {
      // A source that cannot be read here is reported by explain and doctor.
    }
  }
  return found;
}
