/**
 * `harmony-config set KEY JSON` and `set KEY -`: stores a value.
 *
 * @module
 */
import type { ConfigManager } from "../../manager.ts";
import type { ConfigSource } from "../../source.ts";
import { ConfigValidationError } from "../../errors.ts";
import { readEntry } from "../../_internal/entry.ts";
import { validateSyncFirst } from "../../_internal/validate.ts";
import { writeTarget } from "../../_internal/resolver.ts";
import { openChain, planChain, selectSource } from "../chain.ts";
import type { CommandContext } from "../context.ts";
import { ExitCode, UsageError } from "../errors.ts";
import { parseJsonInput } from "../json_input.ts";
import { definitionFor, type LoadedDefinition } from "../schema.ts";

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
  const origin = valueArg === "-" ? "stdin" : "argument";
  const value = parseJsonInput(text, key, origin);
  if (loaded.fromSchema) await checkAgainstSchema(loaded, value, origin);
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

/**
 * Validates the value against `--schema` before anything is opened, so the
 * error speaks of what was typed, not of the library's `set()`.
 */
async function checkAgainstSchema(
  loaded: LoadedDefinition,
  value: unknown,
  origin: "stdin" | "argument",
): Promise<void> {
  const result = await validateSyncFirst(loaded.def.schema, value);
  if (result.ok) return;
  throw new ConfigValidationError(
    loaded.def.key,
    origin === "stdin" ? "the JSON read from stdin" : "the JSON given to set",
    result.issues,
    `pass a value that matches the schema${
      loaded.reference === undefined ? "" : ` of ${loaded.reference}`
    }; nothing was stored`,
  );
}
