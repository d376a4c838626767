/**
 * Reading a whole input stream, for `set KEY -`.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import type { Readable } from "node:stream";

/**
 * Reads a stream to its end as UTF-8 text.
 *
 * @param stream The stream, such as `process.stdin`.
 * @returns Everything it held.
 */
export async function readAll(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) {
    chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}
