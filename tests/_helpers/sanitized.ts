/**
 * A test that fails when it leaves a timer, a file watcher, a socket or an
 * op running. Under Deno it is a `Deno.test` with the ops and resources
 * sanitizers on (node:test's `test` runs without them under Deno); under
 * Node it compares `process.getActiveResourcesInfo()` before and after.
 *
 * @module
 */
import assert from "node:assert/strict";
import process from "node:process";
import { test } from "node:test";
import { isDeno } from "./subprocess.ts";

interface DenoTestApi {
  test(definition: {
    name: string;
    fn: () => Promise<void>;
    sanitizeOps: boolean;
    sanitizeResources: boolean;
  }): void;
}

/** Registers `fn` as a test that must release everything it started. */
export function sanitizedTest(name: string, fn: () => Promise<void>): void {
  if (isDeno) {
    (globalThis as unknown as { Deno: DenoTestApi }).Deno.test({
      name,
      fn,
      sanitizeOps: true,
      sanitizeResources: true,
    });
    return;
  }
  test(name, async () => {
    const before = counts(process.getActiveResourcesInfo());
    await fn();
    // Handles closed in the test are released in the next turns.
    await new Promise((done) => setImmediate(done));
    const after = counts(process.getActiveResourcesInfo());
    for (const [kind, count] of after) {
      assert.ok(
        count <= (before.get(kind) ?? 0),
        `${kind}: ${count} left running, ${before.get(kind) ?? 0} before`,
      );
    }
  });
}

function counts(kinds: readonly string[]): Map<string, number> {
  const byKind = new Map<string, number>();
  for (const kind of kinds) byKind.set(kind, (byKind.get(kind) ?? 0) + 1);
  return byKind;
}
