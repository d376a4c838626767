/**
 * A stored value that cannot be read exactly is an error that names where
 * it is, never a silently different value: bytes that are not UTF-8 (as
 * the README already rules for env vars) in a file, a database row or the
 * CLI's stdin, and JSON numbers that a JavaScript number cannot hold (a
 * u64 the Rust crate stored, or one past the double range).
 */
import assert from "node:assert/strict";
import { readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { describe, test } from "node:test";
import { z } from "zod";
import {
  ConfigManager,
  ConfigValidationError,
  defineConfig,
  LocalFileSource,
  SqliteSource,
} from "../../mod.ts";
import { cliCommand } from "../_helpers/cli.ts";
import { baseEnv, run } from "../_helpers/subprocess.ts";
import { tempDir } from "../_helpers/temp.ts";
import { rejection } from "../_helpers/rejection.ts";

/** `"café"` in Latin-1: the é is the lone byte 0xE9, which is not UTF-8. */
const LATIN1_JSON = new Uint8Array([0x22, 0x63, 0x61, 0x66, 0xe9, 0x22]);

const Name = defineConfig({ key: "Name", schema: z.string() });

/** Creates the Rust crate's table in a new database at `path`. */
function rustDatabase(path: string): DatabaseSync {
  const db = new DatabaseSync(path);
  db.exec(
    "CREATE TABLE config(key TEXT PRIMARY KEY, value TEXT NOT NULL, updated_at TEXT NOT NULL DEFAULT (datetime('now')))",
  );
  return db;
}

describe("bytes that are not UTF-8", () => {
  test(
    "in a key's file: a ConfigValidationError naming the file, not U+FFFD in the value",
    {
      todo:
        "finding 10: readTextCapped decodes with a non-fatal TextDecoder (_internal/bounded_read.ts utf8Text), so 0xE9 reads as U+FFFD",
    },
    async () => {
      await using dir = await tempDir();
      await writeFile(join(dir.path, "Name.json"), LATIN1_JSON);
      const manager = new ConfigManager([new LocalFileSource(dir.path)]);
      const error = await rejection(manager.get(Name));
      assert.ok(error instanceof ConfigValidationError, String(error));
      assert.match(error.message, /Name\.json/);
      assert.match(error.message, /UTF-8/);
    },
  );

  test(
    "in a database row: a ConfigValidationError naming the row, not U+FFFD in the value",
    {
      todo:
        "finding 10: node:sqlite decodes TEXT lossily; SqliteSource reads the value as text and never sees the bad byte",
    },
    async () => {
      await using dir = await tempDir();
      const path = join(dir.path, "c.db");
      const db = rustDatabase(path);
      db.prepare("INSERT INTO config(key, value) VALUES (?, CAST(? AS TEXT))")
        .run("Name", LATIN1_JSON);
      db.close();
      using source = await SqliteSource.open(path);
      const error = await rejection(source.get("Name"));
      assert.ok(error instanceof ConfigValidationError, String(error));
      assert.match(error.message, /c\.db#Name/);
      assert.match(error.message, /UTF-8/);
    },
  );

  test(
    "on the CLI's stdin: set KEY - stores nothing and says the input is not UTF-8",
    {
      todo:
        "finding 10: cli/stdin.ts readAll decodes with Buffer.toString('utf8'), which replaces the bad byte",
    },
    async () => {
      await using dir = await tempDir();
      const cli = cliCommand(["--allow-env", "--allow-read", "--allow-write"])
        .map((arg) => `'${arg}'`).join(" ");
      const env = baseEnv({ HARMONY_DATA_DIR: dir.path });
      const set = await run("bash", [
        "-c",
        `printf '"caf\\xe9"' | ${cli} set Name -`,
      ], { env });
      assert.equal(set.code, 2, set.stdout + set.stderr);
      assert.match(set.stderr, /UTF-8/);
      const get = await run("bash", ["-c", `${cli} get Name --reveal`], {
        env,
      });
      assert.equal(get.code, 3, "nothing was stored");
    },
  );
});

describe("JSON numbers a JavaScript number cannot hold", () => {
  test(
    "a u64 the Rust crate stored is refused with its path, never rounded, under z.number() and z.coerce.bigint()",
    {
      todo:
        "finding 11: parseJson (_internal/json.ts) uses plain JSON.parse, which rounds 18446744073709551615 to 18446744073709551616 before the schema sees it",
    },
    async () => {
      await using dir = await tempDir();
      const path = join(dir.path, "c.db");
      const db = rustDatabase(path);
      db.prepare("INSERT INTO config(key, value) VALUES (?, ?)")
        .run("Ids", '{"id":18446744073709551615}');
      db.close();
      const manager = new ConfigManager([await SqliteSource.open(path)]);
      await using _ = manager;
      for (
        const schema of [
          z.object({ id: z.number() }),
          z.object({ id: z.coerce.bigint() }),
        ]
      ) {
        const Ids = defineConfig({ key: "Ids", schema });
        const read = await manager.get(Ids).then(
          (value) => ({ value }),
          (error: unknown) => ({ error }),
        );
        if ("value" in read) {
          // Exact, or not at all.
          assert.equal(String(read.value.id), "18446744073709551615");
        } else {
          assert.ok(read.error instanceof ConfigValidationError);
          assert.match(read.error.message, /\bid\b/);
        }
      }
    },
  );

  test(
    "a number past the double range (1e400) is refused, not read as Infinity (get) and null (explain)",
    {
      todo:
        "finding 11: JSON.parse reads 1e400 as Infinity; under z.any() get() returns Infinity while explain() shows null",
    },
    async () => {
      await using dir = await tempDir();
      await writeFile(join(dir.path, "Huge.json"), "1e400");
      const Huge = defineConfig({ key: "Huge", schema: z.any() });
      const manager = new ConfigManager([new LocalFileSource(dir.path)]);
      const error = await rejection(manager.get(Huge));
      assert.ok(error instanceof ConfigValidationError, String(error));
      assert.equal((await manager.explain(Huge)).steps[0]?.status, "invalid");
    },
  );
});

describe("what JSON would drop from a value passed to set()", () => {
  test(
    "a symbol-keyed property, or a named property on an array, under z.any(): refused, not silently dropped",
    async () => {
      await using dir = await tempDir();
      const Any = defineConfig({ key: "Any", schema: z.any() });
      const manager = new ConfigManager([new LocalFileSource(dir.path)]);
      const tagged = { a: 1, [Symbol("tag")]: 2 };
      const list = Object.assign([1, 2], { total: 3 });
      for (
        const [value, what] of [
          [tagged, /symbol key, which JSON leaves out/],
          [list, /named property on an array .*, which JSON leaves out/],
        ] as const
      ) {
        const error = await rejection(manager.set(Any, value));
        assert.ok(error instanceof ConfigValidationError, String(error));
        assert.match(error.message, what);
      }
      assert.deepEqual(await readdir(dir.path), [], "nothing was written");
      // A schema that names its fields drops other keys itself: stored.
      const Point = defineConfig({
        key: "Point",
        schema: z.object({ x: z.number() }),
      });
      assert.deepEqual(
        await manager.set(Point, { x: 1, [Symbol("tag")]: 2 } as never),
        { x: 1 },
      );
    },
  );
});
