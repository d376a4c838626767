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
import type { PromptAnswer, PromptRequest } from "../prompter.ts";
import { isPermissionDenied } from "../runtime.ts";
import { TERMINAL_ENV_VARS } from "../terminal_env.ts";
import { askForValue, type PromptModule } from "./ask.ts";
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
  request: PromptRequest,
  streams: TerminalStreams,
): Promise<PromptAnswer<T>> {
  const input = streams.input ?? process.stdin;
  const output = streams.output ?? process.stdout;
  const controller = new AbortController();
  const abort = (): void => controller.abort();
  if (input.readableEnded || input.destroyed) abort();
  input.once("end", abort);
  input.once("close", abort);
  try {
    if (controller.signal.aborted) throw new PromptCancelledError(def.key);
    // Loaded here, and only here, so that reading configuration never pays for it.
    const prompts: PromptModule = await import("@inquirer/prompts");
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
