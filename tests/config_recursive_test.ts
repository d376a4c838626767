/**
 * Recursive schemas: defineConfig() and get() finish, in bounded memory,
 * whatever shape the recursion takes, including a z.lazy() that builds a
 * new schema at every level (no walk over it ever meets a node twice).
 * Run in a child with a small heap: running out of memory ends a process.
 * The other walks of such schemas (validate, redact, the prompt's fields
 * and skeleton) end too, with a safe answer where they stop early.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { runFixture } from "./_helpers/subprocess.ts";

const FRESH_LAZY = new URL(
  "./_fixtures/config_fresh_lazy.ts",
  import.meta.url,
);

describe("recursive schemas", () => {
  test(
    "a z.lazy() that builds a new schema at every level is refused by defineConfig() with a ConfigError naming the key, and every other walk of it ends, without running out of memory",
    async () => {
      const result = await runFixture(FRESH_LAZY, [], {
        denoFlags: ["--v8-flags=--max-old-space-size=192"],
        nodeFlags: ["--max-old-space-size=192"],
        timeoutMs: 30_000,
      });
      assert.equal(result.code, 0, result.stderr.slice(0, 2000));
      assert.match(result.stdout, /^(read \{"name":"a"|refused ConfigError)/);
      const lines = result.stdout.trim().split("\n");
      // The check of every node cannot finish: refused, naming the key.
      assert.match(lines[0]!, /defineConfig\(\{ key: "Tree" \}\)/);
      assert.match(lines[0]!, /build the recursive schema once/);
      assert.equal(lines[1], "secret() refused ConfigError");
      // Walks that may stop early end, with the real answer or a safe one.
      assert.equal(
        lines[2],
        'validate {"ok":false,"issues":[{"path":"child.name","message":"Invalid input: expected string, received number"}]}',
      );
      assert.equal(lines[3], 'redact {"name":"a","child":{"name":"b"}}');
      assert.match(lines[4]!, /^fields tree name:string,child\.name:string,/);
      assert.match(lines[5]!, /^skeleton tree \{"name":"<string>","child":/);
      // A union or an array that may hide a secret past the bound is
      // asked for masked, and shown as a secret.
      assert.deepEqual(lines.slice(6), [
        "fields choices Key:json",
        'skeleton choices "<secret>"',
        "fields arrays Key:json",
        'skeleton arrays "<secret>"',
      ]);
    },
  );
});
