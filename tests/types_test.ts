/**
 * `ConfigDefinition<T>` as people write it (tests/_fixtures/definition_types.ts):
 * this file's type check is the test (`deno test` checks it; the same
 * fixture goes through `tsc --strict` in scripts/smoke_npm.ts), and the
 * run shows the inferred output has its defaults filled.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { all, annotated, ports } from "./_fixtures/definition_types.ts";

describe("ConfigDefinition<T>", () => {
  it("takes a definition whose input differs, and a generic function infers the output", async () => {
    assert.deepEqual(await ports(), [5432, 5432]);
    assert.equal(annotated.key, "Postgres");
    assert.equal(all.length, 2);
  });
});
