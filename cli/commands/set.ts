/**
 * `harmony-config set KEY JSON` and `set KEY -`: stores a value.
 *
 * @module
 */
import type { ConfigManager } from "../../manager.ts";
import type { ConfigSource } from "../../source.ts";
import { ConfigValidationError } from "../../errors.ts";
import { readEntry } from "../../_internal/entry.ts";
import { storeFields } from "../../_internal/layered_write.ts";
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
  const parsed = loaded.fromSchema
    ? await checkAgainstSchema(loaded, value, origin)
    : undefined;
  await using manager = await openChain(
    await planChain({ files: options.file, cwd }),
  );
  const target = options.source === undefined
    ? writeTarget(manager.sources, key)
    : await selectSource(manager, options.source, cwd);
  const locator = target.locate?.(key) ?? target.name;
  if (loaded.def.layering === "fields" && parsed !== undefined) {
    return await setFields(context, manager, loaded, value, parsed.value, {
      target,
      locator,
    });
  }
  await manager.set(loaded.def, value, { target });
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

/**
 * `set` of a fields-mode definition: only the fields that belong in the
 * target are stored; it says which were left in another source, and which
 * stored ones another source asked first still answers for.
 */
async function setFields(
  context: CommandContext,
  manager: ConfigManager,
  loaded: LoadedDefinition,
  value: unknown,
  parsed: unknown,
  where: { target: ConfigSource; locator: string },
): Promise<number> {
  const { out } = context;
  const { def } = loaded;
  const { target, locator } = where;
  const written = await storeFields(
    manager.sources,
    target,
    def,
    value,
    parsed,
    "the JSON given to set",
  );
  const leaves = (await manager.explain(def)).leaves ?? [];
  const shadowed = leaves.filter((leaf) =>
    written.written.includes(leaf.path) && leaf.source !== target.name
  ).map((leaf) => ({
    path: leaf.path,
    source: leaf.locator ?? leaf.source,
  }));
  if (out.json) {
    await out.document({
      key: def.key,
      source: target.name,
      locator,
      stored: written.written,
      left: written.left,
      shadowed,
    });
    return ExitCode.Ok;
  }
  await out.line(
    `Stored ${
      written.written.length > 0 ? written.written.join(", ") : "no field"
    } of ${def.key} in ${target.name} (${locator})`,
  );
  for (const leaf of written.left) {
    await out.note(
      `Note: ${leaf.path} stays in ${leaf.source}, which gives the same value: not copied`,
    );
  }
  for (const leaf of shadowed) {
    await out.note(
      `Note: ${leaf.source} also gives ${leaf.path} and is asked first, so get returns its value`,
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
): Promise<{ value: unknown }> {
  const result = await validateSyncFirst(loaded.def.schema, value);
  if (result.ok) return { value: result.value };
  throw new ConfigValidationError(
    loaded.def.key,
    origin === "stdin" ? "the JSON read from stdin" : "the JSON given to set",
    result.issues,
    `pass a value that matches the schema${
      loaded.reference === undefined ? "" : ` of ${loaded.reference}`
    }; nothing was stored`,
  );
}
