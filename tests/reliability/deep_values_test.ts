/**
 * Values nested deeper than the call stack allows: reading one is a typed
 * error with the real reason, `explain()` never throws for what a value
 * is, and writing one says it is too deep (at most 127 levels of arrays
 * and objects, what the Rust crate's serde_json reads), never "a cycle".
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, test } from "node:test";
import { z } from "zod";
import {
  ConfigManager,
  ConfigSourceError,
  ConfigValidationError,
  defineConfig,
  EnvSource,
  LocalFileSource,
  MemorySource,
  REDACTED,
  SqliteSource,
} from "../../mod.ts";
import { rejection } from "../_helpers/rejection.ts";
import { tempDir } from "../_helpers/temp.ts";

type Nested = Nested[];
const NestedList: z.ZodType<Nested> = z.lazy(() => z.array(NestedList));
const Tree = defineConfig({ key: "Tree", schema: NestedList });
const Anything = defineConfig({ key: "Anything", schema: z.any() });

/** `[[[…]]]`, `levels` arrays deep, as JSON text. */
function nestedText(levels: number): string {
  return "[".repeat(levels) + "]".repeat(levels);
}

function nested(levels: number): Nested {
  return JSON.parse(nestedText(levels)) as Nested;
}

/** Whether zod validates `levels` of nesting here, rather than running out of stack. */
function validates(levels: number): boolean {
  try {
    return NestedList.safeParse(nested(levels)).success;
  } catch {
    return false;
  }
}

describe("deep values", () => {
  test("100,000 levels from env under a recursive z.lazy schema: get is a typed error with the real reason", async () => {
    const manager = new ConfigManager([
      new EnvSource({ env: { HARMONY_CONFIG_Tree: nestedText(100_000) } }),
      new MemorySource(),
    ]);
    const error = await rejection(manager.get(Tree));
    assert.ok(error instanceof ConfigValidationError, String(error));
    assert.equal(error.key, "Tree");
    assert.equal(error.source, "HARMONY_CONFIG_Tree");
    assert.deepEqual(error.issues, [{
      path: "",
      message:
        "Nested too deeply to check against the schema (the call stack ran out)",
    }]);
    assert.match(error.message, /change HARMONY_CONFIG_Tree/);
  });

  test("explain never throws for what a value is: it reports the too-deep value as invalid", async () => {
    const manager = new ConfigManager([
      new EnvSource({ env: { HARMONY_CONFIG_Tree: nestedText(100_000) } }),
      new MemorySource({ Tree: [] }),
    ]);
    const explained = await manager.explain(Tree);
    assert.equal(explained.answeredBy, undefined);
    assert.equal(explained.steps[0]?.status, "invalid");
    assert.match(explained.error ?? "", /Nested too deeply to check/);
    assert.equal(explained.steps[1]?.status, "hit");
  });

  test("explain never throws for a value that passes the schema but is too deep to walk for secrets: it shows it redacted whole", async () => {
    // The deepest value zod still validates here, found by bisection; four
    // fifths of it, so explain's own frames fit too. Walking it for secrets
    // takes more stack than validating it.
    let low = 100;
    let high = 100_000;
    while (high - low > 50) {
      const mid = Math.floor((low + high) / 2);
      if (validates(mid)) low = mid;
      else high = mid;
    }
    const levels = Math.floor(low * 0.8);
    const manager = new ConfigManager([
      new EnvSource({ env: { HARMONY_CONFIG_Tree: nestedText(levels) } }),
    ]);
    const explained = await manager.explain(Tree);
    assert.equal(explained.answeredBy, "env", explained.error);
    const shown = explained.value;
    assert.ok(shown === REDACTED || Array.isArray(shown));
    assert.equal(explained.steps[0]?.value, shown);
  });

  test("set of a value deeper than 127 levels is refused, saying so; 127 levels store and read back", async () => {
    const manager = new ConfigManager([new MemorySource()]);
    const tooDeep = await rejection(manager.set(Anything, nested(128)));
    assert.ok(tooDeep instanceof ConfigValidationError);
    assert.deepEqual(tooDeep.issues.map((issue) => issue.path), [""]);
    assert.match(
      tooDeep.message,
      /more than 127 levels of nested arrays and objects/i,
    );
    assert.doesNotMatch(tooDeep.message, /cycle|bigint|function/);
    await manager.set(Anything, nested(127));
    assert.deepEqual(await manager.get(Anything), nested(127));
    // Too deep for zod itself: the same typed error as on a read.
    const zodTooDeep = await rejection(manager.set(Tree, nested(100_000)));
    assert.ok(zodTooDeep instanceof ConfigValidationError);
    assert.match(zodTooDeep.message, /Nested too deeply to check/);
  });

  test("a source given a value nested 100,000 deep refuses it with that reason, not 'undefined, a function, a bigint or a cycle'", async () => {
    await using dir = await tempDir();
    using sqlite = await SqliteSource.open(join(dir.path, "config.db"));
    for (
      const source of [
        new LocalFileSource(dir.path),
        new MemorySource(),
        sqlite,
      ]
    ) {
      const error = await rejection(source.set("Tree", nested(100_000)));
      assert.ok(error instanceof ConfigSourceError, `${source.name}: ${error}`);
      assert.match(
        error.message,
        /more than 127 levels of nested arrays and objects/,
      );
      assert.doesNotMatch(error.message, /cycle/);
      assert.equal(await source.get("Tree"), undefined);
    }
  });
});
