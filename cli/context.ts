/**
 * What every command receives.
 *
 * @module
 */
import type { CliOptions } from "./args.ts";
import type { Output } from "./output.ts";

/** The arguments, options and streams of one command run. */
export interface CommandContext {
  /** The command's positional arguments. */
  readonly args: readonly string[];
  /** The parsed options. */
  readonly options: CliOptions;
  /** Where results and notes go. */
  readonly out: Output;
  /** The directory relative paths start from. */
  readonly cwd: string;
  /** Reads all of stdin, for `set KEY -`. */
  readStdin(): Promise<string>;
}

/** A command: does its work and returns the exit code. */
export type Command = (context: CommandContext) => Promise<number>;
