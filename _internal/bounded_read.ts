/**
 * Private: reading a value's bytes with a size cap, for files and HTTP
 * bodies alike, so a symlink to `/dev/zero` or a server that streams
 * forever costs at most the cap, never all the memory there is.
 *
 * @module
 */

/** The default cap on one stored value: 16 MiB. */
export const DEFAULT_MAX_VALUE_BYTES: number = 16 * 1024 * 1024;

/**
 * Collects `chunks` until they end, or stops reading (and cancels the
 * stream, through the iterator's `return`) as soon as more than `limit`
 * bytes have arrived.
 *
 * @param chunks A byte stream: a `ReadableStream`, a file reader.
 * @param limit The most bytes to accept.
 * @returns The bytes, or `undefined` when there were more than `limit`.
 *
 * @example
 * ```ts
 * import { readAtMost } from "./bounded_read.ts";
 * import assert from "node:assert/strict";
 *
 * const body = new Response("0123456789").body!;
 * assert.equal(await readAtMost(body, 4), undefined);
 * assert.equal((await readAtMost(new Response("0123").body!, 4))?.length, 4);
 * ```
 */
export async function readAtMost(
  chunks: AsyncIterable<Uint8Array>,
  limit: number,
): Promise<Uint8Array | undefined> {
  const parts: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of chunks) {
    total += chunk.byteLength;
    if (total > limit) return undefined; // leaving the loop cancels the stream
    parts.push(chunk);
  }
  if (parts.length === 1) return parts[0];
  const bytes = new Uint8Array(total);
  let at = 0;
  for (const part of parts) {
    bytes.set(part, at);
    at += part.byteLength;
  }
  return bytes;
}

/**
 * Decodes UTF-8 the way `Response.text()` and `readFile(…, "utf8")` do: a
 * leading byte order mark is dropped, and invalid sequences become U+FFFD.
 *
 * @param bytes The bytes.
 * @returns The text.
 */
export function utf8Text(bytes: Uint8Array): string {
  return new TextDecoder().decode(bytes);
}

const strictDecoder = new TextDecoder("utf-8", { fatal: true });

/**
 * Decodes UTF-8 as {@linkcode utf8Text} does, except that bytes that are
 * not UTF-8 (Latin-1 text, a binary file) are refused rather than read as
 * U+FFFD, which would be a different value than the one stored.
 *
 * @param bytes The bytes.
 * @returns The text, or `undefined` when the bytes are not UTF-8.
 *
 * @example
 * ```ts
 * import { strictUtf8Text } from "./bounded_read.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(strictUtf8Text(new TextEncoder().encode("café")), "café");
 * assert.equal(strictUtf8Text(new Uint8Array([0x63, 0x61, 0x66, 0xe9])), undefined);
 * ```
 */
export function strictUtf8Text(bytes: Uint8Array): string | undefined {
  try {
    return strictDecoder.decode(bytes);
  } catch {
    return undefined;
  }
}

/**
 * The cap as people read it: "16 MiB", or bytes below 1 MiB.
 *
 * @param bytes A size in bytes.
 * @returns The size in MiB (or bytes), for messages.
 */
export function formatSize(bytes: number): string {
  const mib = bytes / (1024 * 1024);
  return mib >= 1
    ? `${Number.isInteger(mib) ? mib : mib.toFixed(1)} MiB`
    : `${bytes} bytes`;
}
