/**
 * Reading a whole input stream, for `set KEY -`.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import type { Readable } from "node:stream";
import { strictUtf8Text } from "../_internal/bounded_read.ts";
import { UsageError } from "./errors.ts";

/**
 * Reads a stream to its end as UTF-8 text.
 *
 * @param stream The stream, such as `process.stdin`.
 * @returns Everything it held.
 * @throws {UsageError} When the bytes are not UTF-8 (Latin-1 text, say):
 * read as U+FFFD, they would store a different value than the one given.
 */
export async function readAll(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) {
    chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk);
  }
  const text = strictUtf8Text(Buffer.concat(chunks));
  if (text === undefined) {
    throw new UsageError(
      "The input read from stdin is not valid UTF-8 text, so nothing was stored: pass the JSON in UTF-8 (iconv -f latin1 -t utf-8 converts Latin-1 text)",
    );
  }
  return text;
}
