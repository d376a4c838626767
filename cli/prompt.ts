/**
 * `get --prompt`: asks in the terminal for a value no source has, through
 * `ConfigManager.getOrPrompt`.
 *
 * @module
 */
import type { ConfigDefinition } from "../config.ts";
import { ConfigError, PromptUnavailableError } from "../errors.ts";
import type { ConfigManager } from "../manager.ts";
import type { CommandContext } from "./context.ts";

type Prompting = ConfigManager & {
  getOrPrompt?: (def: ConfigDefinition<unknown>) => Promise<unknown>;
};

/**
 * Resolves `def`, asking for it in the terminal when no source has it, and
 * stores the answer in the first source that persists.
 *
 * @param manager The open chain.
 * @param def The definition from `--schema`.
 * @param context The command's streams.
 * @returns The value.
 */
export async function promptForValue(
  manager: ConfigManager,
  def: ConfigDefinition<unknown>,
  context: CommandContext,
): Promise<unknown> {
  const prompting = manager as Prompting;
  if (typeof prompting.getOrPrompt !== "function") {
    throw new ConfigError(
      `This build of harmony-config cannot prompt for key "${def.key}": use harmony-config set ${def.key} - instead`,
      { key: def.key },
    );
  }
  if (!context.stdinIsTerminal) {
    const resolution = await manager.resolve(def);
    if (resolution.kind === "missing") {
      throw new PromptUnavailableError(def.key, "<see the schema>");
    }
  }
  return await prompting.getOrPrompt(def);
}
