/**
 * Test helpers for programs that use `@harmony/config`: a prompt source
 * that answers from a map, so a test of `getOrPrompt` needs no terminal, in
 * the spirit of cliffy's `Input.inject()`.
 *
 * ```ts
 * import { ConfigManager, defineConfig, MemorySource } from "@harmony/config";
 * import { ScriptedPromptSource } from "@harmony/config/testing";
 * import { z } from "zod";
 * import assert from "node:assert/strict";
 *
 * const Name = defineConfig({ key: "Name", schema: z.string() });
 * const store = new MemorySource();
 * const prompt = new ScriptedPromptSource({ Name: "harmony" });
 * const manager = new ConfigManager([store, prompt]);
 *
 * assert.equal(await manager.getOrPrompt(Name), "harmony"); // asked, then saved
 * assert.equal(await manager.getOrPrompt(Name), "harmony"); // read back, not asked
 * assert.deepEqual(prompt.asked, ["Name"]);
 * assert.equal(await store.get("Name"), "harmony");
 * ```
 *
 * @module
 */
import type { ConfigDefinition } from "./config.ts";
import { ConfigValidationError, PromptCancelledError } from "./errors.ts";
import type { PermissionDescriptor } from "./source.ts";
import { PromptSource } from "./sources/prompt.ts";
import { mergeValues } from "./_internal/layering.ts";
import {
  type AnswerRequest,
  type PromptAnswer,
  type PromptRequest,
  registerPrompter,
} from "./_internal/prompter.ts";
import { validateSyncFirst } from "./_internal/validate.ts";

/**
 * Options for {@linkcode ScriptedPromptSource}.
 *
 * @example Act as a process with no terminal
 * ```ts
 * import { ConfigManager, defineConfig, MemorySource, PromptUnavailableError } from "@harmony/config";
 * import { ScriptedPromptSource, type ScriptedPromptSourceOptions } from "@harmony/config/testing";
 * import { z } from "zod";
 * import assert from "node:assert/strict";
 *
 * const options: ScriptedPromptSourceOptions = { interactive: false };
 * const Port = defineConfig({ key: "Port", schema: z.number() });
 * const manager = new ConfigManager([new MemorySource(), new ScriptedPromptSource({}, options)]);
 * await assert.rejects(manager.getOrPrompt(Port), PromptUnavailableError);
 * ```
 */
export interface ScriptedPromptSourceOptions {
  /** Whether a person is there to answer; `false` acts like a process without a terminal. Default `true`. */
  readonly interactive?: boolean;
}

/**
 * A {@linkcode PromptSource} that answers from a map instead of a terminal. Each
 * answer is checked against the definition's schema as a typed answer
 * would be; a key with no answer acts like a person pressing Ctrl-C
 * (`PromptCancelledError`), and an answer that fails the schema is a
 * `ConfigValidationError`, since there is nobody to ask again.
 *
 * @example Check what a first run asks for and saves
 * ```ts
 * import { ConfigManager, defineConfig, MemorySource, PromptCancelledError, secret } from "@harmony/config";
 * import { ScriptedPromptSource } from "@harmony/config/testing";
 * import { z } from "zod";
 * import assert from "node:assert/strict";
 *
 * const Db = defineConfig({
 *   key: "Db",
 *   schema: z.object({ host: z.string(), port: z.number().default(5432), password: secret(z.string()) }),
 * });
 * const Cache = defineConfig({ key: "Cache", schema: z.object({ url: z.string() }) });
 * const prompt = new ScriptedPromptSource({ Db: { host: "db", password: "s3cret" } });
 * const manager = new ConfigManager([new MemorySource(), prompt]);
 *
 * assert.deepEqual(await manager.getOrPrompt(Db), { host: "db", port: 5432, password: "s3cret" });
 * await assert.rejects(manager.getOrPrompt(Cache), PromptCancelledError);
 * assert.deepEqual(prompt.asked, ["Db", "Cache"]);
 * ```
 */
export class ScriptedPromptSource extends PromptSource {
  /** The keys asked for, in order, once per question round. */
  readonly asked: string[] = [];
  /** The requests that came with each question, in the order of {@linkcode ScriptedPromptSource.asked}. */
  readonly requests: PromptRequest[] = [];
  readonly #answers: ReadonlyMap<string, unknown>;
  readonly #interactive: boolean;

  /**
   * @param answers What a person would answer, by key: the whole value, as
   * the questions of every field would assemble it. For a definition with
   * `layering: "fields"`, the fields the sources hold are not asked, so
   * theirs win over the answer's.
   * @param options Whether a person is there at all.
   */
  constructor(
    answers: Readonly<Record<string, unknown>>,
    options: ScriptedPromptSourceOptions = {},
  ) {
    super();
    this.#answers = new Map(Object.entries(answers));
    this.#interactive = options.interactive ?? true;
    // Replaces the terminal prompter that PromptSource registered.
    registerPrompter(this, {
      isInteractive: () => this.#interactive,
      answer: (def, request) => this.#answer(def, request),
    });
  }

  /** Whether a person is there to answer: the `interactive` option. */
  override isInteractive(): boolean {
    return this.#interactive;
  }

  /** Needs no permission: nothing is drawn. */
  override permissions(): PermissionDescriptor[] {
    return [];
  }

  async #answer<T, I>(
    def: ConfigDefinition<T, I>,
    request: AnswerRequest,
  ): Promise<PromptAnswer<T>> {
    this.asked.push(def.key);
    this.requests.push(request);
    if (!this.#answers.has(def.key)) throw new PromptCancelledError(def.key);
    // Fields the sources hold (fields mode) are not asked: theirs win.
    const input = request.held === undefined
      ? this.#answers.get(def.key)
      : mergeValues(def.schema, [request.held, this.#answers.get(def.key)]);
    const checked = await validateSyncFirst(def.schema, input);
    if (!checked.ok) {
      throw new ConfigValidationError(
        def.key,
        this.name,
        checked.issues,
        "give the ScriptedPromptSource an answer that matches the schema",
      );
    }
    return { input, value: checked.value };
  }
}
