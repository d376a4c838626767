/**
 * `ConfigManager.watch` over sources in this process: what it delivers and
 * when it stops. Cross-process changes are in the sources' own watch tests.
 */
import assert from "node:assert/strict";
import { rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, test } from "node:test";
import { z } from "zod";
import {
  ConfigError,
  ConfigManager,
  ConfigNotFoundError,
  type ConfigSource,
  ConfigValidationError,
  defineConfig,
  EnvSource,
  LocalFileSource,
  MemorySource,
  secret,
  SqliteSource,
  type WatchEvent,
} from "../mod.ts";
import { everyChannel, leaks } from "./_helpers/openbao_store.ts";
import { sanitizedTest } from "./_helpers/sanitized.ts";
import { tempDir } from "./_helpers/temp.ts";
import { nextEvent, nextValue } from "./_helpers/watch.ts";

const Db = defineConfig({
  key: "Db",
  schema: z.object({
    host: z.string(),
    port: z.number().int().default(5432),
    password: secret(z.string()).optional(),
  }),
});
const Retries = defineConfig({ key: "Retries", schema: z.number().default(3) });

describe("ConfigManager.watch", () => {
  test("delivers the current value first, frozen, with the source that answered", async () => {
    const memory = new MemorySource({ Db: { host: "a" } });
    await using manager = new ConfigManager([
      new EnvSource({ env: {} }),
      memory,
    ]);
    await using watch = manager.watch(Db);
    const first = await nextEvent(watch, "the current value");
    assert.equal(first.kind, "value");
    assert.deepEqual(first.value, { host: "a", port: 5432 });
    assert.equal(first.source, memory);
    assert.ok(Object.isFrozen(first.value));
    assert.throws(() => {
      (first.value as { host: string }).host = "b";
    }, TypeError);
  });

  test("one event per real change: writing the same value again is no change", async () => {
    const memory = new MemorySource({ Db: { host: "a" } });
    await using manager = new ConfigManager([memory]);
    await using watch = manager.watch(Db);
    assert.equal((await nextValue(watch, "start")).host, "a");
    await memory.set("Db", { host: "b" });
    assert.equal((await nextValue(watch, "first change")).host, "b");
    // The same value, once as stored and once with its default spelled
    // out: both resolve to what was delivered, so neither is an event.
    await memory.set("Db", { host: "b" });
    await memory.set("Db", { host: "b", port: 5432 });
    await memory.set("Db", { host: "c" });
    assert.equal(
      (await nextValue(watch, "the next real change")).host,
      "c",
      "the rewrites of the same value gave no event",
    );
  });

  test("an invalid value is a typed error without the value; the watch goes on", async () => {
    const canary = "canary-7f3a9c-secret";
    const memory = new MemorySource({ Db: { host: "a" } });
    await using manager = new ConfigManager([memory]);
    await using watch = manager.watch(Db);
    await nextValue(watch, "start");
    await memory.set("Db", { host: 42, password: canary });
    const invalid = await nextEvent(watch, "the invalid value");
    assert.equal(invalid.kind, "invalid");
    assert.ok(invalid.error instanceof ConfigValidationError);
    assert.equal(invalid.error.key, "Db");
    assert.deepEqual(invalid.error.issues.map((issue) => issue.path), ["host"]);
    assert.ok(!("value" in invalid), "an invalid event carries no value");
    assert.deepEqual(leaks(everyChannel(invalid.error), [canary]), []);
    assert.ok(!JSON.stringify(invalid).includes(canary));
    // The same invalid value again is no change; a valid one is.
    await memory.set("Db", { host: 42, password: canary });
    await memory.set("Db", { host: "b" });
    assert.equal((await nextValue(watch, "the fix")).host, "b");
  });

  test("a key that disappears is a missing event; with defaults, the defaults answer", async () => {
    const memory = new MemorySource({ Db: { host: "a" }, Retries: 5 });
    await using manager = new ConfigManager([memory]);
    await using db = manager.watch(Db);
    await using retries = manager.watch(Retries);
    await nextValue(db, "start");
    assert.equal(await nextValue(retries, "start"), 5);
    await memory.delete("Db");
    await memory.delete("Retries");
    const missing = await nextEvent(db, "the delete");
    assert.equal(missing.kind, "missing");
    assert.ok(missing.error instanceof ConfigNotFoundError);
    const defaults = await nextEvent(retries, "the delete");
    assert.equal(defaults.kind, "value");
    assert.equal(defaults.value, 3);
    assert.equal(defaults.source, undefined);
  });

  test("a file that appears above another source takes over, and hands back when removed", async () => {
    await using dir = await tempDir();
    const memory = new MemorySource({ Db: { host: "memory" } });
    const files = new LocalFileSource(dir.path);
    await using manager = new ConfigManager([files, memory]);
    await using watch = manager.watch(Db);
    const first = await nextEvent(watch, "start");
    assert.equal(first.kind === "value" && first.source, memory);
    // Written behind the source's back, as another program would.
    await writeFile(join(dir.path, "Db.json"), '{"host":"file"}');
    const fromFile = await nextEvent(watch, "the file appearing");
    assert.equal(fromFile.kind === "value" && fromFile.source, files);
    assert.equal(fromFile.kind === "value" && fromFile.value.host, "file");
    await rm(join(dir.path, "Db.json"));
    const back = await nextEvent(watch, "the file going away");
    assert.equal(back.kind === "value" && back.source, memory);
  });

  test("a change while a read is in flight is not lost: the last write is delivered", async () => {
    const memory = new MemorySource({ Db: { host: "h0" } });
    await using manager = new ConfigManager([memory]);
    await using watch = manager.watch(Db);
    await nextValue(watch, "start");
    for (let i = 1; i <= 20; i++) await memory.set("Db", { host: `h${i}` });
    let host = "";
    while (host !== "h20") host = (await nextValue(watch, "h20")).host;
  });

  test("a source that fails is an error event; the watch reports the recovery", async () => {
    let broken = false;
    const memory = new MemorySource({ Db: { host: "a" } });
    const flaky: ConfigSource = {
      name: "flaky",
      persists: false,
      get: (key) =>
        broken
          ? Promise.reject(new ConfigError("flaky failed"))
          : memory.get(key),
      set: (key, value) => memory.set(key, value),
      delete: (key) => memory.delete(key),
      keys: () => memory.keys(),
      onChange: (key, listener) => memory.onChange(key, listener),
    };
    await using manager = new ConfigManager([flaky]);
    await using watch = manager.watch(Db);
    await nextValue(watch, "start");
    broken = true;
    await memory.set("Db", { host: "b" });
    const failed = await nextEvent(watch, "the failure");
    assert.equal(failed.kind, "error");
    assert.ok(failed.error instanceof ConfigError);
    broken = false;
    await memory.set("Db", { host: "c" });
    assert.equal((await nextValue(watch, "the recovery")).host, "c");
  });

  test("breaking out of the loop stops it: nothing is delivered after", async () => {
    const memory = new MemorySource({ Db: { host: "a" } });
    await using manager = new ConfigManager([memory]);
    const watch = manager.watch(Db);
    const seen: WatchEvent<z.infer<typeof Db.schema>>[] = [];
    for await (const event of watch) {
      seen.push(event);
      break;
    }
    await memory.set("Db", { host: "b" });
    assert.deepEqual(await watch.next(), { value: undefined, done: true });
    assert.equal(seen.length, 1);
  });

  test("aborting the signal ends the loop quietly; an aborted signal delivers nothing", async () => {
    const memory = new MemorySource({ Db: { host: "a" } });
    await using manager = new ConfigManager([memory]);
    const stop = new AbortController();
    let events = 0;
    for await (const _ of manager.watch(Db, { signal: stop.signal })) {
      events++;
      queueMicrotask(() => stop.abort());
    }
    assert.equal(events, 1);
    const none = manager.watch(Db, { signal: AbortSignal.abort() });
    assert.deepEqual(await none.next(), { value: undefined, done: true });
  });

  test("close() of the manager ends its watches, waiting or not, and refuses new ones", async () => {
    const manager = new ConfigManager([
      new MemorySource({ Db: { host: "a" } }),
    ]);
    const watch = manager.watch(Db);
    await nextValue(watch, "start");
    const pending = watch.next();
    await manager.close();
    assert.deepEqual(await pending, { value: undefined, done: true });
    assert.throws(() => manager.watch(Db), /closed/);
  });
});

sanitizedTest(
  "watch: starting and stopping watches on env, files and SQLite leaves no timer, watcher or op",
  async () => {
    await using dir = await tempDir();
    using sqlite = await SqliteSource.open(join(dir.path, "config.db"));
    await sqlite.set("Db", { host: "db" });
    const manager = new ConfigManager([
      new EnvSource({ env: {} }),
      new LocalFileSource(join(dir.path, "files")), // not there yet: polled
      new LocalFileSource(dir.path),
      sqlite,
    ]);
    try {
      const stop = new AbortController();
      const byBreak = manager.watch(Db);
      const bySignal = manager.watch(Db, { signal: stop.signal });
      const byClose = manager.watch(Db);
      for (const watch of [byBreak, bySignal, byClose]) {
        assert.equal((await nextValue(watch, "start")).host, "db");
      }
      await sqlite.set("Db", { host: "db2" });
      for (const watch of [byBreak, bySignal, byClose]) {
        assert.equal((await nextValue(watch, "own write")).host, "db2");
      }
      await byBreak.return();
      stop.abort();
      assert.deepEqual(await bySignal.next(), { value: undefined, done: true });
      await bySignal.close();
    } finally {
      // Stops byClose, and closes the sources.
      await manager.close();
    }
  },
);
