/**
 * Where the CLI writes: human-readable text (coloured only on a terminal
 * without `NO_COLOR`), or one JSON document per command with `--json`.
 *
 * @module
 */
import { ConfigError } from "../errors.ts";
import { isValidKey } from "../_internal/key.ts";
import { stringifyWithBigints } from "../_internal/json_numbers.ts";

/**
 * A stream the CLI writes text to.
 *
 * @example Collect the CLI's output in memory
 * ```ts
 * import { main, type TextSink } from "@harmony/config/cli";
 * import assert from "node:assert/strict";
 *
 * class Collected implements TextSink {
 *   text = "";
 *   write(text: string): Promise<void> {
 *     this.text += text;
 *     return Promise.resolve();
 *   }
 * }
 *
 * const stdout = new Collected();
 * const stderr = new Collected();
 * const code = await main(["--help"], {
 *   stdout,
 *   stderr,
 *   readStdin: () => Promise.resolve(""),
 *   stdoutIsTerminal: false,
 *   cwd: ".",
 * });
 * assert.equal(code, 0);
 * assert.match(stdout.text, /explain/);
 * assert.equal(stderr.text, "");
 * ```
 */
export interface TextSink {
  /** Writes the text; resolves once it has been handed to the stream. */
  write(text: string): Promise<void>;
}

/**
 * The reader of an output stream has gone, as when `harmony-config list`
 * is piped into `head -1`: the run stops quietly.
 */
export class OutputClosedError extends ConfigError {
  constructor() {
    super(
      "The output stream was closed by its reader: nothing more is written",
    );
    this.name = "OutputClosedError";
  }
}

/** Where a run of the CLI writes, and how. */
export interface OutputOptions {
  /** Standard output. */
  stdout: TextSink;
  /** Standard error. */
  stderr: TextSink;
  /** Whether ANSI colours may be used. */
  color: boolean;
  /** Whether `--json` was given. */
  json: boolean;
}

const STYLES = {
  bold: [1, 22],
  dim: [2, 22],
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  cyan: [36, 39],
} as const;

/** A named text style. */
export type Style = keyof typeof STYLES;

/** Writes the CLI's results and diagnostics. */
export class Output {
  /** Whether `--json` was given. */
  readonly json: boolean;
  readonly #options: OutputOptions;

  /** @param options The streams and the mode. */
  constructor(options: OutputOptions) {
    this.#options = options;
    this.json = options.json;
  }

  /**
   * Wraps text in a style when colours are allowed.
   *
   * @param style The style.
   * @param text The text.
   * @returns The styled text, or the text unchanged.
   */
  style(style: Style, text: string): string {
    if (!this.#options.color) return text;
    const [open, close] = STYLES[style];
    return `\x1b[${open}m${text}\x1b[${close}m`;
  }

  /**
   * Writes lines to stdout.
   *
   * @param lines The lines, without their newlines.
   */
  async line(...lines: string[]): Promise<void> {
    await this.#options.stdout.write(lines.map((l) => l + "\n").join(""));
  }

  /**
   * Writes a note for people to stderr; silent with `--json`, whose stdout
   * must hold nothing but the document.
   *
   * @param text The note.
   */
  async note(text: string): Promise<void> {
    if (this.json) return;
    await this.#options.stderr.write(this.style("dim", text) + "\n");
  }

  /**
   * Writes one JSON document to stdout.
   *
   * @param document The document.
   */
  async document(document: unknown): Promise<void> {
    await this.#options.stdout.write(
      stringifyWithBigints(document, 2) + "\n",
    );
  }

  /**
   * Writes text to stderr as it is.
   *
   * @param text The text, with its newlines.
   */
  async error(text: string): Promise<void> {
    await this.#options.stderr.write(text);
  }
}

/**
 * Formats a JSON value for a person: compact on one line when short,
 * indented otherwise.
 *
 * @param value The value.
 * @returns JSON text.
 */
export function formatJson(value: unknown): string {
  // A bigint (an integer past 2^53, or a z.coerce.bigint() field) is shown
  // as the JSON integer it is.
  const compact = stringifyWithBigints(value);
  if (compact === undefined) return "null";
  return compact.length <= 80 ? compact : stringifyWithBigints(value, 2)!;
}

/**
 * A key as it may be printed: an identifier as it is; anything else (a key
 * another tool wrote) quoted, with control characters escaped so it cannot
 * move the cursor or recolour the terminal.
 *
 * @param key The key.
 * @returns Text safe to print.
 */
export function shownKey(key: string): string {
  if (isValidKey(key)) return key;
  return JSON.stringify(key).replace(
    /[\u007f-\u009f\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}
