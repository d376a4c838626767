/**
 * `getOrPrompt`: resolve like `get`, and ask for what is missing or no
 * longer valid, then persist the answer.
 *
 * @module
 */
import type { ConfigDefinition } from "../config.ts";
import { PromptUnavailableError, SourceUnavailableError } from "../errors.ts";
import type { ConfigManager } from "../manager.ts";
import { persistedValue } from "../persisted_value.ts";
import type { ConfigSource } from "../source.ts";
import { PromptSource } from "../sources/prompt.ts";
import type { PromptAnswer } from "./ask.ts";
import { skeleton } from "./skeleton.ts";

/**
 * Resolves `def` through `manager`; when no source has it, asks through the
 * chain's {@linkcode PromptSource} and persists the answer to the first
 * source that persists. A stored value that fails the schema is asked for
 * again (in a terminal) and overwritten where it was.
 *
 * @param manager The manager whose chain is used.
 * @param def The definition.
 * @returns The parsed value.
 * @throws {ConfigNotFoundError} When the value is missing and the chain has no `PromptSource`.
 * @throws {PromptUnavailableError} When the value is missing and there is no terminal.
 * @throws {ConfigValidationError} When the stored value is invalid and cannot be asked for again.
 * @throws {PromptCancelledError} When the person cancels; nothing is persisted.
 */
export async function getOrPrompt<T, I>(
  manager: ConfigManager,
  def: ConfigDefinition<T, I>,
): Promise<T> {
  const resolution = await manager.resolve(def);
  if (resolution.kind === "found" || resolution.kind === "defaults") {
    return resolution.value;
  }
  const prompter = manager.sources.find((s): s is PromptSource =>
    s instanceof PromptSource
  );
  if (resolution.kind === "missing") {
    if (prompter === undefined) {
      throw manager.notFound(def.key, resolution.unavailable);
    }
    // Checked before asking, so nobody answers questions that cannot be saved.
    const target = manager.persistentSource(def.key);
    const down = resolution.unavailable.find((e) => e.source === target.name);
    if (down !== undefined) {
      throw new SourceUnavailableError(
        target.name,
        `${down.reason}; nothing was asked, since the answer could not be saved there`,
        { key: def.key },
      );
    }
    if (!prompter.isInteractive()) {
      throw new PromptUnavailableError(
        def.key,
        skeleton(def.schema),
        manager.envVar(def.key),
      );
    }
    return await save(target, def, await prompter.answer(def));
  }
  // The stored value fails the schema and migrate() did not fix it. Asking
  // again only helps when the answer can replace it where it is stored.
  const invalid = manager.invalidValue(def.key, resolution);
  if (
    prompter === undefined || !resolution.source.persists ||
    !prompter.isInteractive()
  ) {
    throw invalid;
  }
  const paths = [
    ...new Set(resolution.issues.map((issue) => issue.path || "(value)")),
  ];
  const answer = await prompter.answer(def, {
    defaults: resolution.raw,
    reason:
      `The stored value for "${def.key}" in ${resolution.locator} no longer matches its schema at: ${
        paths.join(", ")
      }. Please answer again; fields that are still valid are pre-filled.`,
  });
  return await save(resolution.source, def, answer);
}

/** Stores an answer as `set` does (what reads back), and returns the parsed value. */
async function save<T, I>(
  target: ConfigSource,
  def: ConfigDefinition<T, I>,
  answer: PromptAnswer<T>,
): Promise<T> {
  await target.set(
    def.key,
    await persistedValue(def.schema, answer.input, answer.value),
  );
  return answer.value;
}
