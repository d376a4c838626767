import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ConfigSourceError, MemorySource } from "../../mod.ts";
import { assertCompareAndSet, STORED } from "../_helpers/compare_and_set.ts";

describe("MemorySource", () => {
  test("round-trips copies of JSON values and persists", async () => {
    const value = { a: [1, { b: null }] };
    const source = new MemorySource({ Initial: "x" });
    assert.equal(source.persists, true);
    await source.set("Obj", value);
    value.a.push(2);
    assert.deepEqual(await source.get("Obj"), { a: [1, { b: null }] });
    assert.equal(await source.get("Initial"), "x");
    assert.deepEqual(await source.keys(), ["Initial", "Obj"]);
    assert.equal(await source.delete("Obj"), true);
    assert.equal(await source.get("Obj"), undefined);
  });

  test("an invalid key rejects the promise rather than throwing", async () => {
    const pending = new MemorySource().get("../x");
    assert.ok(pending instanceof Promise);
    await assert.rejects(pending, /Invalid key/);
  });

  test("rejects what JSON cannot hold, as a real store would", async () => {
    const source = new MemorySource();
    await assert.rejects(source.set("U", undefined), ConfigSourceError);
    await assert.rejects(source.set("B", 1n), ConfigSourceError);
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    await assert.rejects(source.set("C", cycle), ConfigSourceError);
  });

  test("rejects what JSON would change, not only what it cannot hold: NaN, a Date, a Map, an undefined field", async () => {
    const source = new MemorySource();
    for (
      const value of [NaN, new Date(0), new Map(), { a: undefined }, [1, , 3]]
    ) {
      await assert.rejects(source.set("K", value), (error: Error) => {
        assert.ok(error instanceof ConfigSourceError);
        assert.match(error.message, /the value holds .*: pass plain JSON data/);
        return true;
      });
    }
    assert.deepEqual(await source.keys(), []);
  });

  test("compareAndSet writes only while the key holds what was read", async () => {
    await assertCompareAndSet(new MemorySource({ K: STORED }));
  });

  test("stamp changes with every write and never with a read; onChange hears this key's writes at once", async () => {
    const source = new MemorySource({ K: 1 });
    const heard: string[] = [];
    const stop = source.onChange("K", () => heard.push("K"));
    const stamp = source.stamp();
    await source.get("K");
    assert.equal(source.stamp(), stamp);
    await source.set("K", 2);
    assert.deepEqual(heard, ["K"], "told before set() resolved");
    assert.notEqual(source.stamp(), stamp);
    await source.set("Other", 1);
    assert.deepEqual(heard, ["K"], "another key's write is not this key's");
    const afterOther = source.stamp();
    assert.equal(await source.compareAndSet("K", 2, 3), true);
    assert.notEqual(source.stamp(), afterOther);
    assert.equal(await source.compareAndSet("K", 2, 4), false);
    await source.delete("K");
    assert.deepEqual(heard, ["K", "K", "K"]);
    stop();
    await source.set("K", 5);
    assert.deepEqual(heard, ["K", "K", "K"], "nothing after the stop");
  });
});
