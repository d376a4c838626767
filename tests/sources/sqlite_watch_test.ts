/**
 * SqliteSource seen from another process: commits by the `sqlite3` shell
 * (or plain node:sqlite in a child, as the Rust crate writes) and by
 * `harmony-config set` reach `watch` and the next `get` of this process.
 */
import assert from "node:assert/strict";
import { stat } from "node:fs/promises";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { describe, test } from "node:test";
import { z } from "zod";
import {
  ConfigError,
  ConfigManager,
  ConfigValidationError,
  defineConfig,
  EnvSource,
  MemorySource,
  SqliteSource,
} from "../../mod.ts";
import { ROOT, runCli, scopedFlags } from "../_helpers/cli.ts";
import {
  deleteInAnotherProcess,
  storeInAnotherProcess,
} from "../_helpers/other_process.ts";
import { sanitizedTest } from "../_helpers/sanitized.ts";
import { tempDir } from "../_helpers/temp.ts";
import { nextEvent, nextValue } from "../_helpers/watch.ts";

const Db = defineConfig({
  key: "Db",
  schema: z.object({ host: z.string(), port: z.number().default(5432) }),
});

/** A data dir with a SQLite store holding `Db`, opened through the default path. */
async function seeded(
  dataDir: string,
  host: string,
): Promise<{ path: string; sqlite: SqliteSource }> {
  const path = join(dataDir, "config", "config.db");
  const sqlite = await SqliteSource.open(path, { watchIntervalMs: 50 });
  await sqlite.set("Db", { host });
  return { path, sqlite };
}

describe("SqliteSource across processes", () => {
  test("the next get sees each commit of another process (sqlite3 shell, or plain node:sqlite)", async () => {
    await using dir = await tempDir();
    const { path, sqlite } = await seeded(dir.path, "h0");
    await using manager = new ConfigManager([
      new EnvSource({ env: {} }),
      sqlite,
    ]);
    assert.equal((await manager.get(Db)).host, "h0");
    for (let i = 1; i <= 6; i++) {
      // Every other write starts a new WAL (a checkpoint truncates it),
      // which rewrites the WAL index from the start.
      await storeInAnotherProcess(path, "Db", `{"host":"h${i}"}`, {
        checkpoint: i % 2 === 0,
      });
      assert.equal((await manager.get(Db)).host, `h${i}`, `after write ${i}`);
      assert.equal((await manager.get(Db)).host, `h${i}`, "and again");
    }
    await deleteInAnotherProcess(path, "Db");
    await assert.rejects(manager.get(Db), /No value for key "Db"/);
  });

  test("the next get sees a harmony-config set run in another process", async () => {
    await using data = await tempDir();
    const { sqlite } = await seeded(data.path, "before");
    await using manager = new ConfigManager([sqlite]);
    assert.equal((await manager.get(Db)).host, "before");
    const result = await runCli(scopedFlags(data.path, ROOT), [
      "set",
      "Db",
      '{"host":"after"}',
    ], { env: { HARMONY_DATA_DIR: data.path } });
    assert.equal(result.code, 0, result.stderr);
    assert.equal((await manager.get(Db)).host, "after");
  });

  test("stamp: the same while nothing is committed; new after a commit by another process, by another connection, or by this source", async () => {
    await using dir = await tempDir();
    const { path, sqlite } = await seeded(dir.path, "a");
    using _ = sqlite;
    const first = sqlite.stamp();
    assert.equal(typeof first, "number");
    await sqlite.get("Db");
    assert.equal(sqlite.stamp(), first, "a read changes nothing");
    await storeInAnotherProcess(path, "Other", "1");
    const afterProcess = sqlite.stamp();
    assert.notEqual(afterProcess, first);
    const other = new DatabaseSync(path);
    other.prepare("UPDATE config SET value = ? WHERE key = ?").run(
      '{"host":"b"}',
      "Db",
    );
    other.close();
    const afterConnection = sqlite.stamp();
    assert.notEqual(afterConnection, afterProcess);
    await sqlite.set("Db", { host: "c" });
    assert.notEqual(sqlite.stamp(), afterConnection);
  });

  test("watch: a commit by another process is one event; a delete is missing; a broken row is invalid", async () => {
    await using dir = await tempDir();
    const { path, sqlite } = await seeded(dir.path, "a");
    await using manager = new ConfigManager([
      new EnvSource({ env: {} }),
      sqlite,
    ]);
    await using watch = manager.watch(Db);
    assert.equal((await nextValue(watch, "start")).host, "a");
    await storeInAnotherProcess(path, "Db", '{"host":"b"}');
    assert.equal(
      (await nextValue(watch, "the other process's write")).host,
      "b",
    );
    // A commit to another key is not a change of this one.
    await storeInAnotherProcess(path, "Unrelated", "1");
    await storeInAnotherProcess(path, "Db", '{"host":"c"}');
    assert.equal((await nextValue(watch, "the next write")).host, "c");
    await storeInAnotherProcess(path, "Db", '{"host": 42}');
    const invalid = await nextEvent(watch, "the invalid row");
    assert.equal(invalid.kind, "invalid");
    assert.ok(invalid.error instanceof ConfigValidationError);
    assert.match(invalid.error.message, /config\.db#Db/);
    await deleteInAnotherProcess(path, "Db");
    assert.equal((await nextEvent(watch, "the delete")).kind, "missing");
  });

  test("watch: a change undone between two polls, which a read saw, is not missed", async () => {
    await using dir = await tempDir();
    const path = join(dir.path, "config.db");
    const sqlite = await SqliteSource.open(path, { watchIntervalMs: 1000 });
    await sqlite.set("Db", { host: "a" });
    const below = new MemorySource();
    await using manager = new ConfigManager([sqlite, below]);
    await using watch = manager.watch(Db);
    assert.equal((await nextValue(watch, "start")).host, "a");
    await storeInAnotherProcess(path, "Db", '{"host":"b"}');
    // A change below makes the watcher read the chain, and so b, before a
    // poll runs; then another process puts a back.
    await below.set("Db", { host: "below" });
    assert.equal((await nextValue(watch, "b, read early")).host, "b");
    await storeInAnotherProcess(path, "Db", '{"host":"a"}');
    assert.equal((await nextValue(watch, "a again")).host, "a");
  });

  test("watch: harmony-config set in another process reaches the watcher", async () => {
    await using data = await tempDir();
    const { sqlite } = await seeded(data.path, "before");
    await using manager = new ConfigManager([sqlite]);
    await using watch = manager.watch(Db);
    assert.equal((await nextValue(watch, "start")).host, "before");
    const result = await runCli(scopedFlags(data.path, ROOT), [
      "set",
      "Db",
      '{"host":"from the CLI","port":6432}',
    ], { env: { HARMONY_DATA_DIR: data.path } });
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(await nextValue(watch, "the CLI's write"), {
      host: "from the CLI",
      port: 6432,
    });
  });

  test("closing one of two sources of a database leaves the other seeing other processes' commits", async () => {
    await using dir = await tempDir();
    const { path, sqlite: first } = await seeded(dir.path, "a");
    const second = await SqliteSource.open(path);
    try {
      await using manager = new ConfigManager([second]);
      assert.equal((await manager.get(Db)).host, "a");
      first.close();
      // A new process opening the database now must find it in use.
      await storeInAnotherProcess(path, "Db", '{"host":"b"}', {
        checkpoint: true,
      });
      assert.equal((await manager.get(Db)).host, "b");
      await storeInAnotherProcess(path, "Db", '{"host":"c"}');
      assert.equal((await manager.get(Db)).host, "c");
    } finally {
      first.close();
      second.close();
    }
  });

  test("open refuses a watchIntervalMs a timer would turn into 1 ms (0, negative, NaN, Infinity), creating nothing", async () => {
    await using dir = await tempDir();
    const path = join(dir.path, "config.db");
    for (const watchIntervalMs of [0, -1, Number.NaN, Infinity, 2 ** 31]) {
      await assert.rejects(
        SqliteSource.open(path, { watchIntervalMs }),
        (error: unknown) =>
          error instanceof ConfigError &&
          /watchIntervalMs must be a number of ms above 0/.test(
            error.message,
          ) &&
          error.source === `sqlite:${path}`,
        String(watchIntervalMs),
      );
    }
    await assert.rejects(stat(path), { code: "ENOENT" });
  });
});

sanitizedTest(
  "SqliteSource: watching many keys and stopping leaves no timer or file open",
  async () => {
    await using dir = await tempDir();
    const { path, sqlite } = await seeded(dir.path, "a");
    const other = await SqliteSource.open(path);
    const manager = new ConfigManager([sqlite]);
    try {
      const watches = ["A", "B", "C", "Db"].map((key) =>
        manager.watch(defineConfig({ key, schema: z.unknown() }))
      );
      for (const watch of watches) await nextEvent(watch, "start");
      for (const watch of watches) await watch.close();
    } finally {
      await manager.close();
      other.close();
    }
  },
);
