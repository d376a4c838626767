import assert from "node:assert/strict";
import { readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { describe, test } from "node:test";
import { ConfigSourceError, InvalidKeyError, SqliteSource } from "../../mod.ts";
import { tempDir } from "../_helpers/temp.ts";

describe("SqliteSource", () => {
  test("round-trips a value and creates missing directories 0700 and the file 0600", async () => {
    await using dir = await tempDir();
    const path = join(dir.path, "a", "config", "config.db");
    using source = await SqliteSource.open(path);
    await source.set("PostgresConfig", { host: "db", port: 5432 });
    assert.deepEqual(await source.get("PostgresConfig"), {
      host: "db",
      port: 5432,
    });
    assert.equal((await stat(path)).mode & 0o777, 0o600);
    assert.equal(
      (await stat(join(dir.path, "a", "config"))).mode & 0o777,
      0o700,
    );
    assert.equal((await stat(join(dir.path, "a"))).mode & 0o777, 0o700);
  });

  test("a missing key is absent", async () => {
    await using dir = await tempDir();
    using source = await SqliteSource.open(join(dir.path, "c.db"));
    assert.equal(await source.get("Nothing"), undefined);
    assert.equal(await source.entry("Nothing"), undefined);
  });

  test("set twice: the latest value wins and updated_at is refreshed", async () => {
    await using dir = await tempDir();
    const path = join(dir.path, "c.db");
    using source = await SqliteSource.open(path);
    await source.set("K", 1);
    // Backdate the row, as if written long ago, to see the upsert refresh it.
    const raw = new DatabaseSync(path);
    raw.prepare("UPDATE config SET updated_at = '2000-01-01 00:00:00'").run();
    raw.close();
    await source.set("K", 2);
    const entry = await source.entry("K");
    assert.equal(entry?.value, 2);
    assert.notEqual(entry?.updatedAt, "2000-01-01 00:00:00");
    assert.match(entry?.updatedAt ?? "", /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
  });

  test("uses exactly the Rust crate's table and compact JSON text", async () => {
    await using dir = await tempDir();
    const path = join(dir.path, "c.db");
    using source = await SqliteSource.open(path);
    await source.set("Obj", { b: [1, "two"], a: null });
    const raw = new DatabaseSync(path);
    try {
      const table = raw
        .prepare("SELECT sql FROM sqlite_master WHERE name = 'config'")
        .get() as { sql: string };
      assert.match(table.sql, /key TEXT PRIMARY KEY/);
      assert.match(table.sql, /value TEXT NOT NULL/);
      assert.match(
        table.sql,
        /updated_at TEXT NOT NULL DEFAULT \(datetime\('now'\)\)/,
      );
      const row = raw.prepare("SELECT value FROM config WHERE key = 'Obj'")
        .get() as { value: string };
      assert.equal(row.value, '{"b":[1,"two"],"a":null}');
    } finally {
      raw.close();
    }
  });

  test("reads a row written the way the Rust crate writes it", async () => {
    await using dir = await tempDir();
    const path = join(dir.path, "c.db");
    const rust = new DatabaseSync(path);
    rust.exec(
      "CREATE TABLE config (key TEXT PRIMARY KEY, value TEXT NOT NULL, updated_at TEXT NOT NULL DEFAULT (datetime('now')))",
    );
    rust.prepare("INSERT INTO config (key, value) VALUES (?, ?)").run(
      "PostgresConfig",
      '{"host":"rust-db","port":6432}',
    );
    rust.close();
    using source = await SqliteSource.open(path);
    assert.deepEqual(await source.get("PostgresConfig"), {
      host: "rust-db",
      port: 6432,
    });
  });

  test("two writers on different keys, through two connections, both land", async () => {
    await using dir = await tempDir();
    const path = join(dir.path, "c.db");
    using a = await SqliteSource.open(path);
    using b = await SqliteSource.open(path);
    await Promise.all(
      Array.from({ length: 50 }, (_, i) => [
        a.set(`A${i}`, i),
        b.set(`B${i}`, -i),
      ]).flat(),
    );
    const keys = await a.keys();
    assert.equal(keys.length, 100);
    assert.equal(await b.get("A49"), 49);
    assert.equal(await a.get("B49"), -49);
  });

  test("keys, list and delete", async () => {
    await using dir = await tempDir();
    using source = await SqliteSource.open(join(dir.path, "c.db"));
    await source.set("B", 1);
    await source.set("A", 2);
    assert.deepEqual(await source.keys(), ["A", "B"]);
    const listed = await source.list();
    assert.deepEqual(listed.map((info) => info.key), ["A", "B"]);
    assert.ok(listed.every((info) => info.updatedAt.length === 19));
    assert.equal(await source.delete("A"), true);
    assert.equal(await source.delete("A"), false);
    assert.deepEqual(await source.keys(), ["B"]);
  });

  test("a file that is not a SQLite database is reported and left untouched", async () => {
    await using dir = await tempDir();
    const path = join(dir.path, "config.db");
    const content = "these are somebody's notes, not a database\n".repeat(200);
    await writeFile(path, content);
    await assert.rejects(SqliteSource.open(path), (error) => {
      assert.ok(error instanceof ConfigSourceError);
      assert.equal(error.source, `sqlite:${path}`);
      assert.match(error.message, /not a SQLite database/);
      assert.ok(error.message.includes(path));
      return true;
    });
    assert.equal(await readFile(path, "utf8"), content);
  });

  test("a corrupt row gives a ConfigValidationError naming the row, not its text", async () => {
    await using dir = await tempDir();
    const path = join(dir.path, "c.db");
    using source = await SqliteSource.open(path);
    const raw = new DatabaseSync(path);
    raw.prepare("INSERT INTO config (key, value) VALUES ('Bad', ?)").run(
      "{not json CANARY-ROW",
    );
    raw.close();
    await assert.rejects(source.get("Bad"), (error: Error) => {
      assert.equal(error.name, "ConfigValidationError");
      assert.ok(error.message.includes(`${path}#Bad`));
      assert.ok(!error.message.includes("CANARY-ROW"));
      return true;
    });
  });

  test("a write lock held past the busy timeout is a typed error, never SQLITE_BUSY", async () => {
    await using dir = await tempDir();
    const path = join(dir.path, "c.db");
    using source = await SqliteSource.open(path, { busyTimeoutMs: 20 });
    await source.set("K", 1);
    // Another process holds the write lock and does not let go.
    const holder = new DatabaseSync(path);
    try {
      holder.exec("BEGIN IMMEDIATE");
      await assert.rejects(source.set("K", 2), (error) => {
        assert.ok(error instanceof ConfigSourceError);
        assert.equal(error.key, "K");
        assert.equal(error.source, `sqlite:${path}`);
        assert.match(error.message, /stayed locked by another process/);
        return true;
      });
      // Readers are never blocked in WAL mode.
      assert.equal(await source.get("K"), 1);
    } finally {
      holder.exec("ROLLBACK");
      holder.close();
    }
    await source.set("K", 3);
    assert.equal(await source.get("K"), 3);
  });

  test("rejects invalid keys and closed handles with typed errors", async () => {
    await using dir = await tempDir();
    const source = await SqliteSource.open(join(dir.path, "c.db"));
    await assert.rejects(source.set("../x", 1), InvalidKeyError);
    await assert.rejects(source.get("a b"), InvalidKeyError);
    source.close();
    source.close();
    await assert.rejects(source.get("A"), ConfigSourceError);
  });

  test("reports read and write access to the database's directory", async () => {
    await using dir = await tempDir();
    using source = await SqliteSource.open(join(dir.path, "c.db"));
    assert.deepEqual(source.permissions(), [
      { name: "read", path: dir.path },
      { name: "write", path: dir.path },
    ]);
    assert.equal(source.name, `sqlite:${join(dir.path, "c.db")}`);
  });

  test("close releases the database: the last connection removes the WAL", async () => {
    await using dir = await tempDir();
    const path = join(dir.path, "c.db");
    const source = await SqliteSource.open(path);
    await source.set("K", 1);
    assert.ok((await stat(`${path}-wal`)).isFile());
    source.close();
    source.close();
    await assert.rejects(stat(`${path}-wal`), { code: "ENOENT" });
  });
});
