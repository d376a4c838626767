/**
 * A source that holds nothing but can ask the person at the terminal.
 *
 * @module
 */
import process from "node:process";
import type { Readable, Writable } from "node:stream";
import type { ConfigDefinition } from "../config.ts";
import { ConfigPermissionError, PromptCancelledError } from "../errors.ts";
import {
  askForValue,
  type PromptAnswer,
  type PromptModule,
} from "../prompting/ask.ts";
import { describeFields } from "../prompting/fields.ts";
import {
  isPermissionDenied,
  type PermissionDescriptor,
} from "../permissions.ts";
import type { ConfigSource } from "../source.ts";

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
 * What {@linkcode PromptSource.prompt} is asked to do.
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

/** Variables `@inquirer/prompts` and Node's tty layer read while drawing. */
const TERMINAL_ENV_VARS: readonly string[] = [
  "TERM",
  "NODE_DISABLE_COLORS",
  "INQUIRER_KEYBINDINGS",
  "CLI_WIDTH",
];

const CANCELLED_ERRORS = new Set([
  "ExitPromptError",
  "AbortPromptError",
  "CancelPromptError",
]);

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

  /** @param options The streams; they default to stdin and stdout. */
  constructor(options: PromptSourceOptions = {}) {
    this.#input = options.input;
    this.#output = options.output;
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

  /**
   * The terminal variables the prompt library reads under Deno while it
   * draws: `TERM`, `NODE_DISABLE_COLORS`, `INQUIRER_KEYBINDINGS` and
   * `CLI_WIDTH`.
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
    if (this.#input !== undefined) return true;
    if ("Deno" in globalThis) {
      const deno = (globalThis as unknown as {
        Deno: { stdin: { isTerminal(): boolean } };
      }).Deno;
      return deno.stdin.isTerminal();
    }
    return process.stdin.isTTY === true;
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
    return (await this.answer(def, request)).value;
  }

  /**
   * Like `prompt`, and also returns the input the schema accepted, which is
   * what to store when the schema transforms it.
   *
   * @param def The definition to ask for.
   * @param request Defaults for the questions and a line to show first.
   * @returns The accepted input and the parsed value.
   * @throws {PromptCancelledError} On Ctrl-C or when the input closes.
   *
   * @example
   * ```ts ignore
   * import { defineConfig, PromptSource } from "@harmony/config";
   * import { z } from "zod";
   *
   * const Port = defineConfig({ key: "Port", schema: z.string().transform(Number) });
   * const { input, value } = await new PromptSource().answer(Port); // "8080", 8080
   * ```
   */
  async answer<T, I>(
    def: ConfigDefinition<T, I>,
    request: PromptRequest = {},
  ): Promise<PromptAnswer<T>> {
    const input = this.#input ?? process.stdin;
    const output = this.#output ?? process.stdout;
    const controller = new AbortController();
    const abort = (): void => controller.abort();
    if (input.readableEnded || input.destroyed) abort();
    input.once("end", abort);
    input.once("close", abort);
    try {
      if (controller.signal.aborted) throw new PromptCancelledError(def.key);
      // Loaded here, and only here, so that reading configuration never pays for it.
      const prompts: PromptModule = await import("@inquirer/prompts");
      // Also loaded only here: node:stream costs milliseconds at import.
      const { Writable } = await import("node:stream");
      const heading = def.description === undefined
        ? `Configuring "${def.key}"`
        : `Configuring "${def.key}": ${def.description}`;
      if (request.reason !== undefined) output.write(`${request.reason}\n`);
      output.write(`${heading}\n`);
      return await askForValue(
        prompts,
        {
          input,
          output,
          promptOutput: output === process.stdout
            ? () => output
            : () => keepOpen(output, Writable),
          signal: controller.signal,
        },
        def.schema,
        describeFields(def.schema, def.key),
        request.defaults === undefined ? {} : { defaults: request.defaults },
      );
    } catch (error) {
      if (error instanceof Error && CANCELLED_ERRORS.has(error.name)) {
        throw new PromptCancelledError(def.key, { cause: error });
      }
      throw deniedTerminalVariable(error, def.key) ?? error;
    } finally {
      input.off("end", abort);
      input.off("close", abort);
    }
  }
}

/**
 * A writable that forwards to `target` but never ends it: a prompt ends its
 * output when done, which must not close a stream the caller still uses.
 */
function keepOpen(
  target: Writable,
  WritableStream: typeof Writable,
): Writable {
  const forward = new WritableStream({
    write(chunk, encoding, done): void {
      // Acknowledged at once, so what one prompt draws never trails into the next.
      target.write(chunk, encoding);
      done();
    },
  });
  // Prompts size their lines from the terminal's width.
  const columns = (target as { columns?: number }).columns;
  if (columns !== undefined) {
    Object.defineProperty(forward, "columns", { value: columns });
  }
  return forward;
}

/**
 * Turns Deno's denial of an env variable read while drawing a prompt into a
 * {@linkcode ConfigPermissionError} naming the flag. The denial names the
 * variable, never its value.
 */
function deniedTerminalVariable(
  error: unknown,
  key: string,
): ConfigPermissionError | undefined {
  if (!isPermissionDenied(error)) return undefined;
  const variable = /env access to "([A-Za-z_][A-Za-z0-9_]*)"/.exec(
    String((error as Error).message),
  )?.[1];
  const flag = `--allow-env=${variable ?? TERMINAL_ENV_VARS.join(",")}`;
  return new ConfigPermissionError(
    "prompt",
    `env access to ${variable ?? "the terminal variables"}`,
    flag,
    { key },
  );
}
