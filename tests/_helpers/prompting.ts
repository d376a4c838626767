/**
 * A chain that ends with a prompt drawn on a fake terminal, for tests that
 * answer getOrPrompt's questions.
 *
 * @module
 */
import { ConfigManager, type ConfigSource, PromptSource } from "../../mod.ts";
import { FakeTerminal } from "./fake_terminal.ts";

/** A chain of the given sources ending with a prompt on a fake terminal. */
export function promptingManager(
  ...sources: ConfigSource[]
): { manager: ConfigManager; term: FakeTerminal } {
  const term = new FakeTerminal();
  const prompt = new PromptSource({ input: term.input, output: term.output });
  return { manager: new ConfigManager([...sources, prompt]), term };
}
