import assert from "node:assert/strict";
import { readdir, readFile, stat, writeFile } from "node:fs/promises";
import { delimiter, join } from "node:path";
import process from "node:process";
import { fileURLToPath, pathToFileURL } from "node:url";
import { DatabaseSync } from "node:sqlite";
import { describe, test } from "node:test";
import { ConfigSourceError, InvalidKeyError, SqliteSource } from "../../mod.ts";
import { assertCompareAndSet } from "../_helpers/compare_and_set.ts";
import { isDeno, run, runDeno } from "../_helpers/subprocess.ts";
import { tempDir } from "../_helpers/temp.ts";
import { rejection } from "../_helpers/rejection.ts";
import { insertRows, RUST_TABLE } from "../_helpers/sqlite_rows.ts";

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
    insertRows(path, [["PostgresConfig", '{"host":"rust-db","port":6432}']], {
      createTable: true,
    });
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

  test("a database file removed or replaced after open refuses writes, which no other process could read", async () => {
    await using dir = await tempDir();
    const configDir = join(dir.path, "config");
    const path = join(configDir, "config.db");
    using source = await SqliteSource.open(path);
    await source.set("Db", { host: "before" });
    // A cleanup of the data dir by another process, then a tool that
    // makes the database anew at the same path.
    const removed = await run("rm", ["-r", configDir]);
    assert.equal(removed.code, 0, removed.stderr);
    await assert.rejects(
      source.set("Db", { host: "lost" }),
      (error: unknown) =>
        error instanceof ConfigSourceError && error.key === "Db" &&
        error.message.includes(
          `${path} was removed after this SqliteSource opened it`,
        ),
    );
    {
      using other = await SqliteSource.open(path);
      await other.set("Db", { host: "new file" });
    }
    for (
      const write of [
        () => source.set("Db", { host: "lost" }),
        () => source.delete("Db"),
        () => source.compareAndSet("Db", { host: "before" }, { host: "lost" }),
        () => source.deleteRow("Db"),
      ]
    ) {
      await assert.rejects(
        write(),
        /was replaced by another file .*open a new SqliteSource/,
      );
    }
    using reopened = await SqliteSource.open(path);
    assert.deepEqual(await reopened.get("Db"), { host: "new file" });
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
    insertRows(path, [["Bad", "{not json CANARY-ROW"]]);
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

describe("SqliteSource never writes what it only meant to read", () => {
  /** A rollback-journal database with the Rust crate's table and enough rows for several pages. */
  function rollbackDatabase(path: string): void {
    const db = new DatabaseSync(path);
    db.exec("PRAGMA journal_mode = DELETE");
    db.exec(RUST_TABLE);
    const insert = db.prepare("INSERT INTO config (key, value) VALUES (?, ?)");
    for (let i = 0; i < 200; i++) {
      insert.run(`K${i}`, JSON.stringify("x".repeat(100)));
    }
    db.close();
  }

  test("a corrupt database in rollback-journal mode is reported and left byte for byte as it was", async () => {
    await using dir = await tempDir();
    const path = join(dir.path, "config.db");
    rollbackDatabase(path);
    const image = await readFile(path);
    // Page 2 (the table's first page) gets an impossible page type: the
    // header still says SQLite, so only a check of the pages finds it.
    image.fill(0xff, 4096, 4096 + 16);
    await writeFile(path, image);
    await assert.rejects(SqliteSource.open(path), (error) => {
      assert.ok(error instanceof ConfigSourceError);
      assert.equal(error.source, `sqlite:${path}`);
      assert.match(error.message, /is a corrupt SQLite database/);
      assert.match(error.message, /left untouched/);
      return true;
    });
    assert.deepEqual(await readFile(path), image);
    assert.deepEqual(await readdir(dir.path), ["config.db"]);
  });

  test("a healthy rollback-journal database (as the Rust crate may leave it) is checked, then switched to WAL", async () => {
    await using dir = await tempDir();
    const path = join(dir.path, "config.db");
    rollbackDatabase(path);
    assert.equal((await readFile(path))[18], 1);
    using source = await SqliteSource.open(path);
    assert.equal(await source.get("K7"), "x".repeat(100));
    assert.equal((await readFile(path))[18], 2, "the header says WAL");
  });

  test("opening and reading a database that is already set up changes no byte of it", async () => {
    await using dir = await tempDir();
    const path = join(dir.path, "config.db");
    {
      using source = await SqliteSource.open(path);
      await source.set("K", { a: 1 });
    }
    const before = await readFile(path);
    {
      using source = await SqliteSource.open(path);
      assert.deepEqual(await source.get("K"), { a: 1 });
      assert.deepEqual(await source.keys(), ["K"]);
    }
    assert.deepEqual(await readFile(path), before);
  });
});

describe("SqliteSource text and compare-and-set", () => {
  test("a row that starts with a UTF-8 byte order mark reads; an empty row says it is empty, naming the row", async () => {
    await using dir = await tempDir();
    const path = join(dir.path, "c.db");
    using source = await SqliteSource.open(path);
    insertRows(path, [
      ["Bom", '\uFEFF{"host":"db"}'],
      ["Empty", ""],
      ["Blank", " \n\t"],
    ]);
    assert.deepEqual(await source.get("Bom"), { host: "db" });
    for (const key of ["Empty", "Blank"]) {
      await assert.rejects(source.get(key), (error: Error) => {
        assert.equal(error.name, "ConfigValidationError");
        assert.match(error.message, /Empty: no JSON text/);
        assert.ok(error.message.includes(`${path}#${key}`));
        return true;
      });
    }
  });

  test("compareAndSet writes only while the row holds what was read, compared as JSON, not as text", async () => {
    await using dir = await tempDir();
    const path = join(dir.path, "c.db");
    using source = await SqliteSource.open(path);
    // The Rust crate's serde_json may space or order text differently.
    insertRows(path, [["K", '{ "b": [1, 2], "a": "x" }']]);
    await assertCompareAndSet(source);
  });
});

/** A `node` of major version `major` on PATH (not the one running the tests), if any. */
async function nodeOnPath(major: number): Promise<string | undefined> {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    const candidate = join(dir, "node");
    const version = await run(candidate, ["--version"]).catch(() => undefined);
    if (version?.code === 0 && version.stdout.startsWith(`v${major}.`)) {
      return candidate;
    }
  }
  return undefined;
}

const node20 = await nodeOnPath(20);

describe("on a runtime without node:sqlite", () => {
  test(
    "Node 20: importing the package works, and SqliteSource.open says it needs Node ≥ 22.13",
    { skip: node20 === undefined ? "no Node 20 on PATH" : false },
    async () => {
      await using dir = await tempDir();
      // Under Deno, the sources bundled into one ES module Node can load;
      // under Node, the packed build the suite runs against.
      let url = new URL("../../mod.js", import.meta.url).href;
      if (isDeno) {
        const bundle = join(dir.path, "mod.js");
        const built = await runDeno([
          "bundle",
          "--quiet",
          "--platform=deno",
          "-o",
          bundle,
          fileURLToPath(new URL("../../mod.ts", import.meta.url)),
        ]);
        assert.equal(built.code, 0, built.stderr);
        url = pathToFileURL(bundle).href;
      }
      const result = await run(node20!, [
        "--input-type=module",
        "-e",
        `const [url, dir] = process.argv.slice(1);
        const mod = await import(url);
        const memory = await new mod.MemorySource({ Port: 8080 }).get("Port");
        let open;
        try {
          await mod.SqliteSource.open(dir + "/config.db");
          open = "opened";
        } catch (error) {
          open = { name: error.name, message: error.message, typed: error instanceof mod.ConfigError };
        }
        console.log(JSON.stringify({ memory, open }));`,
        url,
        dir.path,
      ]);
      assert.equal(result.code, 0, result.stderr);
      const { memory, open } = JSON.parse(result.stdout);
      assert.equal(memory, 8080);
      assert.equal(open.name, "ConfigSourceError");
      assert.equal(open.typed, true);
      assert.match(
        open.message,
        /^SqliteSource needs Node ≥ 22\.13 \(node:sqlite\)/,
      );
      assert.deepEqual(await readdir(dir.path), isDeno ? ["mod.js"] : []);
    },
  );
});

describe("SqliteSource on a database damaged after it was set up", () => {
  test("a read or write of a corrupt table names the file, says it is corrupt and what to do", async () => {
    await using dir = await tempDir();
    const path = join(dir.path, "c.db");
    {
      using source = await SqliteSource.open(path);
      for (let i = 0; i < 20; i++) await source.set(`K${i}`, "x".repeat(3000));
    }
    // Every page but the first (the header and the schema) is overwritten.
    const bytes = await readFile(path);
    const pageSize = bytes.readUInt16BE(16);
    bytes.fill(0xab, pageSize);
    await writeFile(path, bytes);
    using source = await SqliteSource.open(path);
    for (
      const attempt of [() => source.get("K1"), () => source.set("K1", "y")]
    ) {
      const error = await rejection(attempt());
      assert.ok(error instanceof ConfigSourceError, String(error));
      assert.equal(error.key, "K1");
      assert.ok(error.message.includes(`${path} is corrupt`), error.message);
      assert.match(error.message, /restore it from a backup/);
    }
  });
});
