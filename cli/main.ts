/**
 * The CLI's driver: parses the command line, runs the command, and turns
 * errors into messages and exit codes.
 *
 * @module
 */
import process from "node:process";
import { ConfigError } from "../errors.ts";
import { type CommandName, parseCommandLine } from "./args.ts";
import type { Command } from "./context.ts";
import { deno, type DenoOutput } from "../_internal/runtime.ts";
import { colorAllowed } from "./env.ts";
import { cliErrorMessage, ExitCode, exitCodeFor } from "./errors.ts";
import { Output, OutputClosedError, type TextSink } from "./output.ts";
import { VERSION } from "./version.ts";

/**
 * Each command's module, loaded only when that command runs: a `get`
 * should not pay for `doctor`'s checks or `set`'s stdin reader.
 */
const COMMANDS: Record<CommandName, () => Promise<Command>> = {
  get: async () => (await import("./commands/get.ts")).getCommand,
  set: async () => (await import("./commands/set.ts")).setCommand,
  unset: async () => (await import("./commands/unset.ts")).unsetCommand,
  list: async () => (await import("./commands/list.ts")).listCommand,
  explain: async () => (await import("./commands/explain.ts")).explainCommand,
  path: async () => (await import("./commands/path.ts")).pathCommand,
  doctor: async () => (await import("./commands/doctor.ts")).doctorCommand,
  schema: async () => (await import("./commands/schema.ts")).schemaCommand,
  docs: async () => (await import("./commands/docs.ts")).docsCommand,
};

/**
 * The streams and terminal facts a run uses; the process's by default.
 *
 * @example Capture a run's output and exit code in a test
 * ```ts
 * import { type CliIo, main } from "@harmony/config/cli";
 * import assert from "node:assert/strict";
 *
 * let stderr = "";
 * const io: CliIo = {
 *   stdout: { write: () => Promise.resolve() },
 *   stderr: { write: (text) => Promise.resolve(void (stderr += text)) },
 *   readStdin: () => Promise.resolve(""), // what `set KEY -` would read
 *   stdoutIsTerminal: false, // no colours
 *   cwd: ".",
 * };
 * assert.equal(await main(["frobnicate"], io), 2); // a usage error
 * assert.match(stderr, /Unknown command/);
 * ```
 */
export interface CliIo {
  /** Standard output. */
  stdout: TextSink;
  /** Standard error. */
  stderr: TextSink;
  /** Reads all of stdin. */
  readStdin(): Promise<string>;
  /** Whether stdout is a terminal (colours are used only then). */
  stdoutIsTerminal: boolean;
  /** The directory relative paths start from. */
  cwd: string;
}

/**
 * Runs `harmony-config` with the given arguments.
 *
 * @param argv The arguments after the program name.
 * @param io The streams; the process's by default.
 * @returns The exit code: 0 ok, 1 error, 2 usage error, 3 not found.
 *
 * @example Print the data dir as JSON
 * ```ts ignore
 * import { main } from "@harmony/config/cli";
 * import process from "node:process";
 *
 * process.exitCode = await main(["path", "--json"]);
 * ```
 */
export async function main(
  argv: readonly string[],
  io: CliIo = processIo(),
): Promise<number> {
  const wantsJson = argv.includes("--json");
  const debug = argv.includes("--debug");
  const out = new Output({
    stdout: io.stdout,
    stderr: io.stderr,
    color: colorAllowed(io.stdoutIsTerminal),
    json: wantsJson,
  });
  try {
    const { command, args, options } = parseCommandLine(argv);
    if (options.help) {
      const { helpText } = await import("./help.ts");
      await out.line(helpText(command));
      return ExitCode.Ok;
    }
    if (command === undefined) {
      await out.line(
        options.json ? JSON.stringify({ version: VERSION }) : VERSION,
      );
      return ExitCode.Ok;
    }
    const run = await COMMANDS[command]();
    return await run({
      args,
      options,
      out,
      cwd: io.cwd,
      readStdin: io.readStdin,
    });
  } catch (error) {
    // The reader went away (as in `harmony-config list | head -1`): stop
    // quietly, as `ls | head` does.
    if (error instanceof OutputClosedError) return ExitCode.Ok;
    const code = exitCodeFor(error);
    try {
      await reportError(out, error, code, debug);
    } catch (failure) {
      if (!(failure instanceof OutputClosedError)) throw failure;
    }
    return code;
  }
}

async function reportError(
  out: Output,
  error: unknown,
  code: number,
  debug: boolean,
): Promise<void> {
  const message = cliErrorMessage(error);
  if (out.json) {
    const typed = error instanceof ConfigError ? error : undefined;
    await out.error(
      JSON.stringify({
        error: {
          type: error instanceof Error ? error.name : "Error",
          message,
          exitCode: code,
          ...(typed?.key === undefined ? {} : { key: typed.key }),
          ...(typed?.source === undefined ? {} : { source: typed.source }),
        },
      }) + "\n",
    );
  } else {
    await out.error(`${out.style("red", "error:")} ${message}\n`);
  }
  // Stacks show only on request: a cause from third-party code may quote a value.
  if (debug && error instanceof Error) {
    await out.error(`${formatStack(error)}\n`);
  }
}

function formatStack(error: Error): string {
  const lines = [error.stack ?? `${error.name}: ${error.message}`];
  let cause: unknown = error.cause;
  while (cause instanceof Error) {
    lines.push(`Caused by: ${cause.stack ?? cause.message}`);
    cause = cause.cause;
  }
  return lines.join("\n");
}

/**
 * A process stream as a {@linkcode TextSink}. A write to a pipe whose
 * reader has gone fails with EPIPE: its callback reports it (as
 * {@linkcode OutputClosedError}), and the stream's `error` event, which
 * would otherwise crash the process, is listened to.
 */
function streamSink(stream: NodeJS.WriteStream): TextSink {
  let closed = false;
  stream.on("error", (error) => {
    // Each write's callback reports its own failure; this listener only
    // keeps the event from being an uncaught exception.
    if (isClosedPipe(error)) closed = true;
  });
  return {
    write: (text) =>
      new Promise((resolve, reject) => {
        if (closed) return reject(new OutputClosedError());
        stream.write(text, (error) => {
          if (!error) return resolve();
          if (isClosedPipe(error)) closed = true;
          reject(closed ? new OutputClosedError() : error);
        });
      }),
  };
}

/**
 * Deno's own stdout or stderr as a {@linkcode TextSink}, written
 * synchronously as Deno's `process.stdout` is, so the order with other
 * writers holds. A reader that has gone is {@linkcode OutputClosedError}.
 */
function denoSink(output: DenoOutput): TextSink {
  const encoder = new TextEncoder();
  let closed = false;
  return {
    write: (text) => {
      if (closed) return Promise.reject(new OutputClosedError());
      try {
        let bytes = encoder.encode(text);
        while (bytes.length > 0) {
          bytes = bytes.subarray(output.writeSync(bytes));
        }
        return Promise.resolve();
      } catch (error) {
        if (!isClosedPipe(error)) return Promise.reject(error);
        closed = true;
        return Promise.reject(new OutputClosedError());
      }
    },
  };
}

function isClosedPipe(error: unknown): boolean {
  const failure = error as { code?: unknown; name?: unknown } | null;
  return failure?.code === "EPIPE" ||
    failure?.code === "ERR_STREAM_DESTROYED" ||
    failure?.name === "BrokenPipe";
}

/**
 * The process's own streams. Under Deno they are written through Deno's
 * handles: `process.stdout` would build Node's stream machinery first,
 * which costs a Deno run about as much as the whole `get` command.
 *
 * @returns The io for a real run.
 *
 * @example Run with the process's streams
 * ```ts ignore
 * import { main, processIo } from "@harmony/config/cli";
 *
 * await main(["--help"], processIo());
 * ```
 */
export function processIo(): CliIo {
  const readStdin = async (): Promise<string> =>
    (await import("./stdin.ts")).readAll(process.stdin);
  if (deno !== undefined) {
    return {
      stdout: denoSink(deno.stdout),
      stderr: denoSink(deno.stderr),
      readStdin,
      stdoutIsTerminal: deno.stdout.isTerminal(),
      cwd: process.cwd(),
    };
  }
  return {
    stdout: streamSink(process.stdout),
    stderr: streamSink(process.stderr),
    readStdin,
    stdoutIsTerminal: process.stdout.isTTY === true,
    cwd: process.cwd(),
  };
}
