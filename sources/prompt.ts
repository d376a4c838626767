/**
 * A source that holds nothing but can ask the person at the terminal. The
 * prompt engine (`@inquirer/prompts` and the questions built from the
 * schema) is loaded only when a question is asked.
 *
 * @module
 */
import type { Readable, Writable } from "node:stream";
import type { ConfigDefinition } from "../config.ts";
import type { ConfigSource, PermissionDescriptor } from "../source.ts";
import {
  type AnswerRequest,
  findPrompter,
  type PromptAnswer,
  type Prompter,
  type PromptRequest,
  registerPrompter,
} from "../_internal/prompter.ts";
import { stdinIsTerminal } from "../_internal/runtime.ts";
import { TERMINAL_ENV_VARS } from "../_internal/terminal_env.ts";

export type { PromptRequest } from "../_internal/prompter.ts";

/**
 * Options for {@linkcode PromptSource}.
 *
 * @example Prompt on streams you control; a closed input cancels
 * ```ts
 * import { defineConfig, PromptCancelledError, PromptSource } from "@harmony/config";
 * import { PassThrough } from "node:stream";
 * import { z } from "zod";
 * import assert from "node:assert/strict";
 *
 * const input = new PassThrough(); // such as a web terminal's keystrokes
 * const prompt = new PromptSource({ input, output: new PassThrough() });
 * assert.ok(prompt.isInteractive()); // an injected stream counts as a terminal
 *
 * input.destroy(); // the other side went away
 * const Port = defineConfig({ key: "Port", schema: z.number() });
 * await assert.rejects(prompt.prompt(Port), PromptCancelledError);
 * ```
 */
export interface PromptSourceOptions {
  /** Where answers are read from; defaults to stdin. An injected stream counts as interactive. */
  input?: Readable;
  /** Where prompts are drawn; defaults to stdout. */
  output?: Writable;
}

/**
 * The last link of the default chain. It never has a value (`get` resolves
 * to `undefined`, `set` does nothing, it does not persist); `getOrPrompt`
 * uses it to ask for what no other source has, with one prompt per field of
 * the schema. `@inquirer/prompts` is loaded only when a prompt is shown.
 *
 * @example A source that holds nothing
 * ```ts
 * import { PromptSource } from "@harmony/config";
 * import assert from "node:assert/strict";
 *
 * const prompt = new PromptSource();
 * assert.equal(await prompt.get("Db"), undefined);
 * assert.equal(prompt.persists, false);
 * ```
 *
 * @example Ask for missing values on first run
 * ```ts ignore
 * import { ConfigManager, defineConfig, EnvSource, PromptSource, SqliteSource } from "@harmony/config";
 * import { z } from "zod";
 *
 * const Name = defineConfig({ key: "Name", schema: z.string().describe("Your name") });
 * await using manager = new ConfigManager([new EnvSource(), await SqliteSource.open(), new PromptSource()]);
 * console.log(await manager.getOrPrompt(Name));
 * ```
 */
export class PromptSource implements ConfigSource {
  /** Always `prompt`. */
  readonly name: string = "prompt";
  /** Answers are persisted by `getOrPrompt` to the next source that does; this one never does. */
  readonly persists: boolean = false;
  readonly #input: Readable | undefined;
  readonly #output: Writable | undefined;
  readonly #terminal: Prompter = {
    isInteractive: () => this.isInteractive(),
    answer: (def, request) => this.#answer(def, request),
  };

  /** @param options The streams; they default to stdin and stdout. */
  constructor(options: PromptSourceOptions = {}) {
    this.#input = options.input;
    this.#output = options.output;
    registerPrompter(this, this.#terminal);
  }

  /** Always resolves to `undefined`: answers come only through `getOrPrompt`. */
  get(_key: string): Promise<unknown> {
    return Promise.resolve(undefined);
  }

  /** Does nothing: a prompt stores nothing. */
  set(_key: string, _value: unknown): Promise<void> {
    return Promise.resolve();
  }

  /** Resolves to `false`: there is nothing to delete. */
  delete(_key: string): Promise<boolean> {
    return Promise.resolve(false);
  }

  /** Resolves to no keys. */
  keys(): Promise<string[]> {
    return Promise.resolve([]);
  }

  /** `run getOrPrompt in a terminal`: how a person gives a key a value here. */
  hint(_key: string): string {
    return "run getOrPrompt in a terminal";
  }

  /**
   * The terminal variables the prompt library reads under Deno while it
   * draws: `TERM`, `NODE_DISABLE_COLORS`, `INQUIRER_KEYBINDINGS` and
   * `CLI_WIDTH` (on Windows also `CI`, `WT_SESSION`, `TERMINUS_SUBLIME`,
   * `ConEmuTask`, `TERM_PROGRAM` and `TERMINAL_EMULATOR`). The variables
   * colour detection would read (`TMUX`, `CI`, `COLORTERM`…) need no
   * grant: the colour depth is decided from what is granted.
   *
   * @returns One env descriptor per variable.
   *
   * @example The flags for drawing a prompt
   * ```ts
   * import { permissionFlags, PromptSource } from "@harmony/config";
   * import assert from "node:assert/strict";
   *
   * const [flag] = permissionFlags(new PromptSource().permissions());
   * assert.match(flag!, /^--allow-env=TERM,NODE_DISABLE_COLORS,INQUIRER_KEYBINDINGS,CLI_WIDTH/);
   * ```
   */
  permissions(): PermissionDescriptor[] {
    return TERMINAL_ENV_VARS.map((variable) => ({ name: "env", variable }));
  }

  /**
   * Tells whether a person can answer: an injected input stream counts as
   * interactive; stdin must be a terminal.
   *
   * @returns `true` when prompting will not hang.
   *
   * @example
   * ```ts
   * import { PromptSource } from "@harmony/config";
   * import { PassThrough } from "node:stream";
   * import assert from "node:assert/strict";
   *
   * assert.ok(new PromptSource({ input: new PassThrough() }).isInteractive());
   * ```
   */
  isInteractive(): boolean {
    return this.#input !== undefined || stdinIsTerminal();
  }

  /**
   * Asks for every field of `def`'s schema, checks each answer, and
   * resolves to the parsed value. It persists nothing: `getOrPrompt` does.
   *
   * @param def The definition to ask for.
   * @param request Defaults for the questions and a line to show first.
   * @returns The parsed value.
   * @throws {PromptCancelledError} On Ctrl-C or when the input closes.
   *
   * @example
   * ```ts ignore
   * import { defineConfig, PromptSource } from "@harmony/config";
   * import { z } from "zod";
   *
   * const Port = defineConfig({ key: "Port", schema: z.number().int().min(1) });
   * const port = await new PromptSource().prompt(Port);
   * ```
   */
  async prompt<T, I>(
    def: ConfigDefinition<T, I>,
    request: PromptRequest = {},
  ): Promise<T> {
    // Through the registered prompter, which a subclass (such as the
    // testing entry's scripted source) may replace.
    const prompter = findPrompter([this]) ?? this.#terminal;
    return (await prompter.answer(def, request)).value;
  }

  async #answer<T, I>(
    def: ConfigDefinition<T, I>,
    request: AnswerRequest,
  ): Promise<PromptAnswer<T>> {
    const { askInTerminal } = await import("../_internal/prompt/engine.ts");
    return await askInTerminal(def, request, {
      input: this.#input,
      output: this.#output,
    });
  }
}
