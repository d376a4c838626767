/**
 * Private: drawing the questions for a definition in a terminal with
 * `@inquirer/prompts`. `PromptSource` loads this module only when it asks.
 *
 * @module
 */
import process from "node:process";
import { type Readable, Writable } from "node:stream";
import type { ConfigDefinition } from "../../config.ts";
import { ConfigPermissionError, PromptCancelledError } from "../../errors.ts";
import type { AnswerRequest, PromptAnswer } from "../prompter.ts";
import { isPermissionDenied } from "../runtime.ts";
import { TERMINAL_ENV_VARS } from "../terminal_env.ts";
import { askForValue, type PromptModule } from "./ask.ts";
import { withDecidedColorDepth } from "./color_depth.ts";
import { describeFields } from "./fields.ts";

const CANCELLED_ERRORS = new Set([
  "ExitPromptError",
  "AbortPromptError",
  "CancelPromptError",
]);

/** The streams a prompt uses; the process's by default. */
export interface TerminalStreams {
  readonly input?: Readable | undefined;
  readonly output?: Writable | undefined;
}

/**
 * Asks for every field of `def`'s schema, checks each answer, and resolves
 * to the accepted input and what it parsed to.
 *
 * @throws {PromptCancelledError} On Ctrl-C or when the input closes.
 */
export async function askInTerminal<T, I>(
  def: ConfigDefinition<T, I>,
  request: AnswerRequest,
  streams: TerminalStreams,
): Promise<PromptAnswer<T>> {
  const input = streams.input ?? process.stdin;
  const output = streams.output ?? process.stdout;
  const controller = new AbortController();
  const abort = (): void => controller.abort();
  if (input.readableEnded || input.destroyed) abort();
  input.once("end", abort);
  input.once("close", abort);
  // Ctrl-D on an empty line makes readline close itself, which pauses the
  // input but never settles the prompt: a terminal in raw mode sends no
  // end of input. A pause while a prompt is still pending, once the
  // prompt's own settling (which also closes readline) has run, is that.
  let pending: Promise<unknown> | undefined;
  const started = (prompt: Promise<unknown>): void => {
    pending = prompt;
    const settled = (): void => {
      if (pending === prompt) pending = undefined;
    };
    prompt.then(settled, settled);
  };
  const paused = (): void => {
    const at = pending;
    if (at === undefined) return;
    setImmediate(() => {
      if (pending === at) abort();
    });
  };
  input.on("pause", paused);
  try {
    if (controller.signal.aborted) throw new PromptCancelledError(def.key);
    return await withDecidedColorDepth(async () => {
      // Loaded here, and only here, so that reading configuration never pays for it.
      const prompts = watched(await import("@inquirer/prompts"), started);
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
            : () => keepOpen(output),
          signal: controller.signal,
        },
        def.schema,
        describeFields(def.schema, def.key),
        {
          ...(request.defaults === undefined
            ? {}
            : { defaults: request.defaults }),
          ...(request.held === undefined ? {} : { held: request.held }),
        },
      );
    });
  } catch (error) {
    if (error instanceof Error && CANCELLED_ERRORS.has(error.name)) {
      throw new PromptCancelledError(def.key, { cause: error });
    }
    throw deniedTerminalVariable(error, def.key) ?? error;
  } finally {
    input.off("end", abort);
    input.off("close", abort);
    input.off("pause", paused);
  }
}

/** The prompt functions, each reporting the prompt it starts to `started`. */
function watched(
  prompts: PromptModule,
  started: (prompt: Promise<unknown>) => void,
): PromptModule {
  const watch = <A extends unknown[], R>(
    run: (...args: A) => Promise<R>,
  ): (...args: A) => Promise<R> =>
  (...args) => {
    const prompt = run(...args);
    started(prompt);
    return prompt;
  };
  return {
    input: watch(prompts.input),
    number: watch(prompts.number),
    confirm: watch(prompts.confirm),
    select: watch(prompts.select) as PromptModule["select"],
    password: watch(prompts.password),
  } as PromptModule;
}

/**
 * A writable that forwards to `target` but never ends it: a prompt ends its
 * output when done, which must not close a stream the caller still uses.
 */
function keepOpen(target: Writable): Writable {
  const forward = new Writable({
    write(chunk, encoding, done): void {
      // Acknowledged at once, so what one prompt draws never trails into the next.
      target.write(chunk, encoding);
      done();
    },
  });
  // Prompts size their lines from the terminal's width; without one,
  // cli-width would read CLI_WIDTH.
  const columns = (target as { columns?: number }).columns;
  Object.defineProperty(forward, "columns", { value: columns || 80 });
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
