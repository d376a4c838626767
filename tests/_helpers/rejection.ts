/**
 * Awaiting a promise that must reject, to assert on the error it gives.
 *
 * @module
 */
import assert from "node:assert/strict";

/** Resolves to the error `promise` rejects with; fails the test if it resolves. */
export async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  assert.fail("expected a rejection");
}
