/**
 * The contract every source's `compareAndSet` keeps, asserted the same way
 * for each.
 *
 * @module
 */
import assert from "node:assert/strict";
import type { ConfigSource } from "../../mod.ts";

/** What the caller stored under "K", in whatever text its store keeps. */
export const STORED = { a: "x", b: [1, 2] };

/**
 * Asserts that `compareAndSet` writes while "K" holds {@linkcode STORED}
 * (compared as JSON, not as text), writes nothing once it holds something
 * else, and nothing for a key that is absent.
 */
export async function assertCompareAndSet(source: ConfigSource): Promise<void> {
  const compareAndSet = source.compareAndSet!.bind(source);
  assert.equal(await compareAndSet("K", STORED, 1), true);
  assert.equal(await source.get("K"), 1);
  assert.equal(await compareAndSet("K", STORED, 2), false);
  assert.equal(await source.get("K"), 1);
  assert.equal(await compareAndSet("Missing", 1, 2), false);
  assert.equal(await source.get("Missing"), undefined);
}
