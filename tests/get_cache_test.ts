/**
 * `ConfigManager.get`'s cache: what proves a snapshot still holds, what is
 * never cached, and how the cached object is kept from being corrupted.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { z } from "zod";
import {
  ConfigManager,
  type ConfigSource,
  defineConfig,
  EnvSource,
  MemorySource,
  SourceUnavailableError,
} from "../mod.ts";

const Db = defineConfig({
  key: "Db",
  schema: z.object({
    host: z.string(),
    tags: z.array(z.string()).default([]),
  }),
});

/** A memory source that counts its reads and whose stamp can be withheld. */
class CountingSource implements ConfigSource {
  readonly name = "counting";
  readonly persists = true;
  readonly memory: MemorySource;
  reads = 0;
  stamps = true;
  /** Runs after a read, before it returns: a write racing the read. */
  afterRead: (() => void) | undefined;

  constructor(initial: Record<string, unknown>) {
    this.memory = new MemorySource(initial);
  }
  getSync(key: string): unknown {
    this.reads++;
    const value = this.memory.getSync(key);
    const race = this.afterRead;
    this.afterRead = undefined;
    race?.();
    return value;
  }
  get(key: string): Promise<unknown> {
    try {
      return Promise.resolve(this.getSync(key));
    } catch (error) {
      return Promise.reject(error);
    }
  }
  set(key: string, value: unknown): Promise<void> {
    return this.memory.set(key, value);
  }
  delete(key: string): Promise<boolean> {
    return this.memory.delete(key);
  }
  keys(): Promise<string[]> {
    return this.memory.keys();
  }
  stamp(): number | undefined {
    return this.stamps ? this.memory.stamp() : undefined;
  }
}

describe("get's cache", () => {
  test("answers from the snapshot while every source it depended on proves nothing changed", async () => {
    const env: Record<string, string | undefined> = {};
    const store = new CountingSource({ Db: { host: "a" } });
    await using manager = new ConfigManager([new EnvSource({ env }), store]);
    const first = await manager.get(Db);
    assert.equal(await manager.get(Db), first);
    assert.equal(await manager.get(Db), first);
    assert.equal(store.reads, 1);
    // A change above the answering source: the env var now answers.
    env.HARMONY_CONFIG_Db = '{"host":"env"}';
    assert.equal((await manager.get(Db)).host, "env");
    delete env.HARMONY_CONFIG_Db;
    assert.equal((await manager.get(Db)).host, "a");
    // A change of the answering source, by anyone.
    await store.memory.set("Db", { host: "b" });
    assert.equal((await manager.get(Db)).host, "b");
  });

  test("a write that races a read is never hidden: stamps are taken before the read", async () => {
    const store = new CountingSource({ Db: { host: "old" } });
    await using manager = new ConfigManager([store]);
    store.afterRead = () => void store.memory.set("Db", { host: "new" });
    assert.equal((await manager.get(Db)).host, "old"); // what the read saw
    assert.equal((await manager.get(Db)).host, "new");
  });

  test("a source without a stamp is read at every get", async () => {
    const store = new CountingSource({ Db: { host: "a" } });
    store.stamps = false;
    await using manager = new ConfigManager([store]);
    await manager.get(Db);
    await manager.get(Db);
    assert.equal(store.reads, 2);
  });

  test("once a source that can stamp answers again, above one that cannot, answers are cached again", async () => {
    const above = new CountingSource({});
    const below = new CountingSource({ Db: { host: "below" } });
    // No stamp at all, as a third-party source without one.
    Object.defineProperty(below, "stamp", { value: undefined });
    await using manager = new ConfigManager([above, below]);
    assert.equal((await manager.get(Db)).host, "below");
    assert.equal((await manager.get(Db)).host, "below");
    assert.equal(below.reads, 2);
    await above.memory.set("Db", { host: "above" });
    assert.equal((await manager.get(Db)).host, "above");
    assert.equal((await manager.get(Db)).host, "above");
    const reads = above.reads;
    assert.equal((await manager.get(Db)).host, "above");
    assert.equal(above.reads, reads, "answered from the snapshot");
  });

  test("an answer that fell through an unavailable source is not kept", async () => {
    let down = true;
    const team: ConfigSource = {
      name: "team",
      persists: false,
      get: () =>
        down
          ? Promise.reject(new SourceUnavailableError("team", "refused"))
          : Promise.resolve({ host: "team" }),
      stamp: () => 1, // claims nothing changes: it must not matter
      set: () => Promise.resolve(),
      delete: () => Promise.resolve(false),
      keys: () => Promise.resolve([]),
    };
    const store = new CountingSource({ Db: { host: "local" } });
    await using manager = new ConfigManager([team, store]);
    assert.equal((await manager.get(Db)).host, "local");
    down = false;
    assert.equal((await manager.get(Db)).host, "team");
  });

  test("the value is deep-frozen, so no caller can change it for the others", async () => {
    await using manager = new ConfigManager([
      new MemorySource({ Db: { host: "a", tags: ["x"] } }),
    ]);
    const value = await manager.get(Db);
    assert.ok(Object.isFrozen(value));
    assert.ok(Object.isFrozen(value.tags));
    assert.throws(() => value.tags.push("y"), TypeError);
    assert.deepEqual((await manager.get(Db)).tags, ["x"]);
  });

  test("freezing a snapshot leaves the objects of the schema's own .default() alone", async () => {
    const DEFAULTS = { hosts: ["a"], pool: { max: 1 } };
    const WithDefault = defineConfig({
      key: "WithDefault",
      schema: z.object({
        hosts: z.array(z.string()),
        pool: z.object({ max: z.number() }),
      }).default(DEFAULTS),
    });
    await using manager = new ConfigManager([new MemorySource()]);
    const first = await manager.get(WithDefault);
    assert.deepEqual(first, DEFAULTS);
    assert.ok(Object.isFrozen(first.hosts) && Object.isFrozen(first.pool));
    assert.equal(await manager.get(WithDefault), first, "still cached");
    assert.ok(
      !Object.isFrozen(DEFAULTS.hosts),
      "the caller's default array was frozen",
    );
    assert.ok(
      !Object.isFrozen(DEFAULTS.pool),
      "the caller's default object was frozen",
    );
    DEFAULTS.pool.max = 2; // still the caller's to change
  });

  test("freezing a snapshot leaves alone what a transform returns, and what z.unknown() passes through from a source", async () => {
    const SHARED = { region: "eu", zones: ["a", "b"] };
    const Region = defineConfig({
      key: "Region",
      schema: z.string().transform(() => SHARED),
    });
    const held = { nested: { list: [1, 2] } };
    const source: ConfigSource = {
      name: "own",
      persists: false,
      get: (key) => Promise.resolve(key === "Loose" ? held : "x"),
      getSync: (key) => key === "Loose" ? held : "x",
      set: () => Promise.reject(new Error("read-only")),
      delete: () => Promise.resolve(false),
      keys: () => Promise.resolve(["Loose", "Region"]),
      stamp: () => 1,
    };
    const Loose = defineConfig({ key: "Loose", schema: z.unknown() });
    await using manager = new ConfigManager([source]);
    const region = await manager.get(Region);
    assert.deepEqual(region, SHARED);
    assert.ok(Object.isFrozen(region));
    assert.ok(!Object.isFrozen(SHARED) && !Object.isFrozen(SHARED.zones));
    const loose = await manager.get(Loose);
    assert.deepEqual(loose, held);
    assert.ok(Object.isFrozen(loose));
    assert.ok(!Object.isFrozen(held) && !Object.isFrozen(held.nested.list));
    for await (const event of manager.watch(Loose)) {
      assert.equal(event.kind, "value");
      break;
    }
    assert.ok(!Object.isFrozen(held.nested), "a watch event froze it");
  });

  test("a value with a Date or a class instance is parsed anew at every get, and is the caller's own", async () => {
    const When = defineConfig({
      key: "When",
      schema: z.object({
        at: z.coerce.date(),
        url: z.string().transform((s) => new URL(s)),
      }),
    });
    const store = new CountingSource({
      When: { at: "2025-01-02T03:04:05Z", url: "https://example.com/" },
    });
    await using manager = new ConfigManager([store]);
    const first = await manager.get(When);
    first.at.setFullYear(1999);
    const second = await manager.get(When);
    assert.notEqual(second, first);
    assert.equal(second.at.getUTCFullYear(), 2025);
    assert.equal(Object.isFrozen(second), false);
    assert.equal(store.reads, 2);
  });

  test("a definition with the same key but another schema is never answered from the other's snapshot", async () => {
    const AsText = defineConfig({ key: "Db", schema: z.unknown() });
    await using manager = new ConfigManager([
      new MemorySource({ Db: { host: "a" } }),
    ]);
    assert.deepEqual(await manager.get(Db), { host: "a", tags: [] });
    assert.deepEqual(await manager.get(AsText), { host: "a" });
    assert.deepEqual(await manager.get(Db), { host: "a", tags: [] });
  });
});

describe("get's cache with field-level layering", () => {
  test("a per-field env var that changes between two gets is seen by the second", async () => {
    const Layered = defineConfig({
      key: "Layered",
      layering: "fields",
      schema: z.object({ host: z.string(), port: z.number() }),
    });
    const env: Record<string, string> = {};
    const memory = new MemorySource({ Layered: { host: "db", port: 5432 } });
    await using manager = new ConfigManager([new EnvSource({ env }), memory]);
    assert.deepEqual(await manager.get(Layered), { host: "db", port: 5432 });
    assert.deepEqual(await manager.get(Layered), { host: "db", port: 5432 });
    // The whole-value variable stays unset, so its stamp does not change.
    env.HARMONY_CONFIG_Layered__port = "6543";
    assert.deepEqual(await manager.get(Layered), { host: "db", port: 6543 });
    env.HARMONY_CONFIG_Layered__host = "replica";
    assert.deepEqual(await manager.get(Layered), {
      host: "replica",
      port: 6543,
    });
  });

  test("a change in a lower source is seen too", async () => {
    const Layered = defineConfig({
      key: "Layered",
      layering: "fields",
      schema: z.object({ host: z.string(), port: z.number() }),
    });
    const top = new MemorySource({ Layered: { host: "top" } });
    const bottom = new MemorySource({ Layered: { port: 1 } });
    await using manager = new ConfigManager([top, bottom]);
    assert.deepEqual(await manager.get(Layered), { host: "top", port: 1 });
    await bottom.set("Layered", { port: 2 });
    assert.deepEqual(await manager.get(Layered), { host: "top", port: 2 });
  });
});
