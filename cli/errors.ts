/**
 * Errors the CLI raises itself, and the exit code of every error.
 *
 * @module
 */
import {
  ConfigError,
  ConfigNotFoundError,
  InvalidKeyError,
} from "../errors.ts";
import type { Situation } from "../_internal/resolver.ts";
import { describeError } from "../_internal/safe_error.ts";

/** Exit codes of `harmony-config`. */
export const ExitCode = {
  /** The command did what was asked. */
  Ok: 0,
  /** A source, a permission or a value failed. */
  Error: 1,
  /** The command line is wrong: unknown command or option, missing argument, bad JSON. */
  Usage: 2,
  /** The key has no value anywhere, or was not there to remove. */
  NotFound: 3,
} as const;

/** One of the {@linkcode ExitCode} values. */
export type ExitCodeValue = typeof ExitCode[keyof typeof ExitCode];

/**
 * The command line is wrong. The message says what to type instead and never
 * quotes a value argument (it may be a secret).
 */
export class UsageError extends ConfigError {
  /**
   * @param message What is wrong and what to type instead.
   * @param options The key, when the error is about one.
   */
  constructor(message: string, options?: { key?: string }) {
    super(message, options);
    this.name = "UsageError";
  }
}

/**
 * A key that no source holds, for commands other than `get` (such as
 * `unset` of an absent key).
 */
export class KeyAbsentError extends ConfigError {
  /**
   * @param message What is absent, and where it was looked for.
   * @param key The key.
   */
  constructor(message: string, key: string) {
    super(message, { key });
    this.name = "KeyAbsentError";
  }
}

/**
 * Maps an error to the exit code the CLI ends with.
 *
 * @param error What was thrown.
 * @returns 2 for usage errors, 3 for a key that is not there, else 1.
 */
export function exitCodeFor(error: unknown): ExitCodeValue {
  if (error instanceof UsageError || error instanceof InvalidKeyError) {
    return ExitCode.Usage;
  }
  if (error instanceof ConfigNotFoundError || error instanceof KeyAbsentError) {
    return ExitCode.NotFound;
  }
  return ExitCode.Error;
}

/**
 * The message the CLI prints for an error, without ever showing a value:
 * see `_internal/safe_error.ts` for what may be shown of an error; an
 * unexpected one also says how to see more.
 *
 * @param error What was thrown.
 * @returns A one-line description.
 */
export function cliErrorMessage(error: unknown): string {
  if (error instanceof ConfigError || error instanceof AggregateError) {
    return describeError(error);
  }
  if (!(error instanceof Error)) return "Unexpected failure";
  return `Unexpected ${
    describeError(error)
  }: rerun with --debug to see the details`;
}

/**
 * How a CLI user gives `key` a value, for the advice of "no value" errors:
 * `harmony-config set`, and with a schema `get --prompt` in a terminal
 * (the library's own words would be `set()` and `getOrPrompt`).
 *
 * @param key The key.
 * @param schema The `--schema` argument, if one was given.
 * @param defined Whether a definition of the key is known (from `--schema`
 * or the project's schema module), so `get --prompt` can ask for it.
 * @returns The situation the resolver words its advice for.
 */
export function cliSituation(
  key: string,
  schema?: string,
  defined: boolean = schema !== undefined,
): Situation {
  const withSchema = schema === undefined ? "" : ` --schema ${schema}`;
  return {
    store: `run harmony-config set ${key} '<json>'${withSchema}`,
    ...(defined
      ? {
        ask:
          `run harmony-config get ${key} --prompt${withSchema} in a terminal`,
      }
      : {}),
  };
}
