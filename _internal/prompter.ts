/**
 * Private: the capability `getOrPrompt` looks for in a chain. A source that
 * can ask a person registers a {@linkcode Prompter} for itself, so the core
 * finds it without knowing any concrete source, and the capability adds
 * nothing to any public type.
 *
 * @module
 */
import type { ConfigDefinition } from "../config.ts";
import type { ConfigSource } from "../source.ts";

/**
 * What `PromptSource.prompt` is asked to do.
 *
 * @example Ask again for a stored value that no longer validates
 * ```ts ignore
 * import { ConfigManager, defineConfig, PromptSource, SqliteSource } from "@harmony/config";
 * import { z } from "zod";
 *
 * const Db = defineConfig({ key: "Db", schema: z.object({ host: z.string(), port: z.number() }) });
 * await using manager = new ConfigManager([await SqliteSource.open()]);
 * const stored = await manager.resolve(Db);
 * if (stored.kind === "invalid") {
 *   // The questions start from the stored answers; the reason is shown first.
 *   const fixed = await new PromptSource().prompt(Db, {
 *     defaults: stored.raw,
 *     reason: `The stored value is invalid at ${stored.locator}`,
 *   });
 *   await manager.set(Db, fixed);
 * }
 * ```
 */
export interface PromptRequest {
  /** A value whose still-valid fields pre-fill the questions. */
  defaults?: unknown;
  /** A line shown before the questions, such as why they are asked again. Never a value. */
  reason?: string;
}

/**
 * What `getOrPrompt` asks a prompter for: a {@linkcode PromptRequest}, and
 * for a definition with `layering: "fields"` the fields the sources hold.
 */
export interface AnswerRequest extends PromptRequest {
  /**
   * A partial value the chain's sources already hold: its fields are not
   * asked for, and the answers are checked together with them (the
   * `input` of the answer includes them).
   */
  readonly held?: unknown;
}

/**
 * What a person answered: the assembled input the schema accepted, and what
 * it parsed to. Both are kept because a schema with a transform stores the
 * input, not the parsed value.
 */
export interface PromptAnswer<T> {
  /** The answers, assembled into one value that the schema accepted. */
  readonly input: unknown;
  /** What the schema parsed `input` to. */
  readonly value: T;
}

/** Asks a person for a definition's value. */
export interface Prompter {
  /** Whether a person can answer now (a terminal, or injected answers). */
  isInteractive(): boolean;
  /** Asks for every field of `def`, and resolves to the accepted answer. */
  answer<T, I>(
    def: ConfigDefinition<T, I>,
    request: AnswerRequest,
  ): Promise<PromptAnswer<T>>;
}

const prompters = new WeakMap<ConfigSource, Prompter>();

/** Makes `source` a source `getOrPrompt` asks through. */
export function registerPrompter(
  source: ConfigSource,
  prompter: Prompter,
): void {
  prompters.set(source, prompter);
}

/** The first source of the chain that can ask, with its prompter. */
export function findPrompter(
  sources: readonly ConfigSource[],
): Prompter | undefined {
  for (const source of sources) {
    const prompter = prompters.get(source);
    if (prompter !== undefined) return prompter;
  }
  return undefined;
}
