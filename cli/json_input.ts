/**
 * The JSON value a person gives `set`, as an argument or on stdin: a byte
 * order mark at its start is dropped (editors on Windows write one), empty
 * input is called that, and a syntax error says where it is without
 * repeating the text, which may be a secret.
 *
 * @module
 */
import { parseJson } from "../_internal/json.ts";
import { holdsUnsafeNumber } from "../_internal/json_numbers.ts";
import { UsageError } from "./errors.ts";

const BYTE_ORDER_MARK = "\uFEFF";

/**
 * Parses the value text of `set KEY JSON` or `set KEY -`.
 *
 * @param text The text as given.
 * @param key The key it is for, named in errors.
 * @param origin Where it came from, for errors: `"stdin"` or `"argument"`.
 * @returns The parsed value.
 * @throws {UsageError} For empty input or invalid JSON; the message gives
 * the line and column, never the text.
 */
export function parseJsonInput(
  text: string,
  key: string,
  origin: "stdin" | "argument",
): unknown {
  const body = text.startsWith(BYTE_ORDER_MARK) ? text.slice(1) : text;
  const what = `The value for key "${key}"${
    origin === "stdin" ? " read from stdin" : ""
  }`;
  if (body.trim() === "") {
    throw new UsageError(
      `${what} is empty input: pass a JSON value, such as '"text"', 8080 or '{"host":"db"}'`,
      { key },
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch (error) {
    throw new UsageError(
      `${what} is not valid JSON${where(body, error)}: ${advice(body)}`,
      { key },
    );
  }
  if (!holdsUnsafeNumber(value)) return value;
  // An integer past 2^53 is kept exactly (and stored as the JSON integer
  // it is). A number past the double range is left as Infinity, which
  // set() refuses with the path in the schema's terms.
  const exact = parseJson(body);
  return exact.ok ? exact.value : value;
}

/**
 * ` (line L, column C)` from the position in the parser's message, which
 * otherwise quotes the text it choked on; or ` (it ends too early)`.
 */
function where(text: string, error: unknown): string {
  const message = error instanceof Error ? error.message : "";
  if (/end of JSON input/.test(message)) return " (it ends too early)";
  const position = /at position (\d+)/.exec(message)?.[1];
  if (position === undefined) return "";
  const before = text.slice(0, Number(position));
  const line = before.split("\n").length;
  const column = Number(position) - before.lastIndexOf("\n");
  return ` (line ${line}, column ${column})`;
}

/** What to do: quote a bare word, else fix the syntax. */
function advice(text: string): string {
  return /^\s*[A-Za-z_]/.test(text) && !/^\s*(true|false|null)\b/.test(text)
    ? `a string needs quotes, as in '"text"'`
    : "fix the JSON there";
}
