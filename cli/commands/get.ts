/**
 * `harmony-config get KEY`: prints the resolved value.
 *
 * @module
 */
import type { ConfigManager } from "../../manager.ts";
import { openChain, planChain } from "../chain.ts";
import type { CommandContext } from "../context.ts";
import { cliSituation, ExitCode, UsageError } from "../errors.ts";
import { notFoundError } from "../../_internal/resolver.ts";
import { formatJson } from "../output.ts";
import { hiddenNote, presentable } from "../redaction.ts";
import { definitionFor, type LoadedDefinition } from "../schema.ts";

/**
 * Runs `get`.
 *
 * @param context The command's arguments, options and streams.
 * @returns The exit code.
 */
export async function getCommand(context: CommandContext): Promise<number> {
  const { args, options, out, cwd } = context;
  const loaded = await definitionFor(args[0], options.schema, cwd);
  if (options.prompt && !loaded.fromSchema) {
    throw new UsageError(
      `get --prompt needs --schema MODULE (or a definition of ${loaded.def.key} in the project's schema module): the questions come from the schema`,
      { key: loaded.def.key },
    );
  }
  await using manager = await openChain(
    await planChain({ files: options.file, cwd, prompt: options.prompt }),
  );
  const { value, source } = await resolveValue(manager, loaded, context);
  const shown = presentable(loaded, value, options.reveal);
  if (out.json) {
    await out.document({ key: loaded.def.key, source, value: shown });
  } else {
    await out.line(formatJson(shown));
    if (!loaded.fromSchema && !options.reveal && shown !== null) {
      await out.note(hiddenNote(loaded));
    }
  }
  return ExitCode.Ok;
}

async function resolveValue(
  manager: ConfigManager,
  loaded: LoadedDefinition,
  context: CommandContext,
): Promise<{ value: unknown; source: string }> {
  const { def } = loaded;
  const situation = cliSituation(def.key, loaded.reference, loaded.fromSchema);
  if (context.options.prompt) {
    const { getOrPrompt } = await import(
      "../../_internal/prompt/get_or_prompt.ts"
    );
    const value = await getOrPrompt(manager.sources, def, situation);
    const after = await manager.resolve(def);
    return {
      value,
      source: after.kind === "found" ? after.source.name : "defaults",
    };
  }
  const resolution = await manager.resolve(def);
  switch (resolution.kind) {
    case "found":
      return { value: resolution.value, source: resolution.source.name };
    case "defaults":
      return { value: resolution.value, source: "defaults" };
    case "invalid":
      throw resolution.error;
    case "missing":
      throw notFoundError(
        manager.sources,
        def.key,
        resolution.unavailable,
        situation,
      );
  }
}
