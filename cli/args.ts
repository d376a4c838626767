/**
 * The command line: which command, its arguments and its options, parsed
 * with `node:util` `parseArgs`.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { UsageError } from "./errors.ts";

/** The commands `harmony-config` knows. */
export const COMMANDS = [
  "get",
  "set",
  "unset",
  "list",
  "explain",
  "path",
  "doctor",
  "schema",
  "docs",
] as const;

/** One of {@linkcode COMMANDS}. */
export type CommandName = typeof COMMANDS[number];

/** The options every command accepts. */
const COMMON = ["help", "json", "debug", "file"] as const;

/** Which options each command accepts, beyond {@linkcode COMMON}. */
const COMMAND_OPTIONS: Record<CommandName, readonly string[]> = {
  get: ["reveal", "prompt", "schema"],
  set: ["source", "schema"],
  unset: ["source"],
  list: ["schema"],
  explain: ["reveal", "schema"],
  path: [],
  doctor: ["schema", "prompt"],
  schema: ["schema"],
  docs: ["schema"],
};

/** How many positional arguments each command takes: [min, max]. */
const ARITY: Record<CommandName, readonly [number, number]> = {
  get: [0, 1],
  set: [1, 2],
  unset: [1, 1],
  list: [0, 0],
  explain: [0, 1],
  path: [0, 0],
  doctor: [0, 0],
  schema: [0, 1],
  docs: [0, 0],
};

/** The parsed options; absent ones are `undefined`. */
export interface CliOptions {
  /** `--help`, `-h`. */
  readonly help: boolean;
  /** `--version`, `-V`. */
  readonly version: boolean;
  /** `--json`: machine output. */
  readonly json: boolean;
  /** `--debug`: stack traces on errors. */
  readonly debug: boolean;
  /** `--reveal`: show secret values. */
  readonly reveal: boolean;
  /** `--prompt`: ask in the terminal when the key has no value. */
  readonly prompt: boolean;
  /** `--schema ./module.ts` (every definition it exports) or `./module.ts#Export`. */
  readonly schema: string | undefined;
  /** `--file DIR`, repeatable: adds a LocalFileSource per directory. */
  readonly file: readonly string[];
  /** `--source sqlite|file:DIR|openbao`: the source `set` and `unset` use. */
  readonly source: string | undefined;
}

/** A parsed command line. */
export interface ParsedCommandLine {
  /** The command, or `undefined` for a bare `--help` or `--version`. */
  readonly command: CommandName | undefined;
  /** The command's positional arguments. */
  readonly args: readonly string[];
  /** The options. */
  readonly options: CliOptions;
}

/**
 * Parses the arguments after the program name.
 *
 * @param argv The arguments, such as `["get", "Db", "--json"]`.
 * @returns The command, its arguments and the options.
 * @throws {UsageError} For an unknown command or option, a missing or extra
 * argument, or an option the command does not take.
 */
export function parseCommandLine(argv: readonly string[]): ParsedCommandLine {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        help: { type: "boolean", short: "h" },
        version: { type: "boolean", short: "V" },
        json: { type: "boolean" },
        debug: { type: "boolean" },
        reveal: { type: "boolean" },
        prompt: { type: "boolean" },
        schema: { type: "string" },
        file: { type: "string", multiple: true },
        source: { type: "string" },
      },
    });
  } catch (error) {
    throw new UsageError(describeParseFailure(error));
  }
  const values = parsed.values;
  const options: CliOptions = {
    help: values.help ?? false,
    version: values.version ?? false,
    json: values.json ?? false,
    debug: values.debug ?? false,
    reveal: values.reveal ?? false,
    prompt: values.prompt ?? false,
    schema: values.schema,
    file: values.file ?? [],
    source: values.source,
  };
  const [first, ...args] = parsed.positionals;
  if (first === undefined) {
    if (options.help || options.version) {
      return { command: undefined, args: [], options };
    }
    throw new UsageError(
      "Missing a command: run harmony-config --help to see them",
    );
  }
  if (!isCommand(first)) {
    throw new UsageError(
      `Unknown command: use one of ${COMMANDS.join(", ")}`,
    );
  }
  if (options.help) return { command: first, args, options };
  checkOptions(first, values);
  const [min, max] = ARITY[first];
  if (args.length < min) {
    throw new UsageError(
      `${first} needs ${
        min === 1 ? "a KEY" : "KEY and VALUE"
      }: run harmony-config ${first} --help`,
    );
  }
  if (args.length > max) {
    // Only set takes a JSON value, which an unquoted shell word splits.
    const advice = first === "set"
      ? "quote a JSON value as one argument, or run"
      : "run";
    throw new UsageError(
      `${first} takes ${
        max === 0
          ? "no arguments"
          : `at most ${max} argument${max === 1 ? "" : "s"}`
      }, got ${args.length}: ${advice} harmony-config ${first} --help`,
    );
  }
  return { command: first, args, options };
}

function isCommand(word: string): word is CommandName {
  return (COMMANDS as readonly string[]).includes(word);
}

function checkOptions(
  command: CommandName,
  values: Record<string, unknown>,
): void {
  const allowed = new Set<string>([...COMMON, ...COMMAND_OPTIONS[command]]);
  for (const [name, value] of Object.entries(values)) {
    if (value === undefined || name === "version") continue;
    if (!allowed.has(name)) {
      throw new UsageError(
        `${command} does not take --${name}: run harmony-config ${command} --help`,
      );
    }
  }
}

/**
 * Turns a parseArgs failure into advice. Its message quotes the offending
 * argument, which may be a value such as `-1`, so the argument is repeated
 * only when it looks like a long option name (a short one may be the first
 * character of a value).
 */
function describeParseFailure(error: unknown): string {
  const message = error instanceof Error ? error.message : "";
  const quoted = /'([^']*)'/.exec(message)?.[1]?.split(" ")[0] ?? "";
  const shown = /^--[A-Za-z][A-Za-z-]*$/.test(quoted) ? ` ${quoted}` : "";
  const code = (error as { code?: unknown } | null)?.code;
  if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE") {
    return `Option${shown} needs a value: run harmony-config --help`;
  }
  return `Unknown option${shown}: run harmony-config --help (a value that starts with - goes after --, as in set Port -- -1)`;
}
