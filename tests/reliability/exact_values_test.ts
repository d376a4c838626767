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
import { cliCommand, runCli } from "../_helpers/cli.ts";
import { baseEnv, run } from "../_helpers/subprocess.ts";
import { RUST_TABLE, storedText } from "../_helpers/sqlite_rows.ts";
import { tempDir } from "../_helpers/temp.ts";
import { rejection } from "../_helpers/rejection.ts";

/** `"café"` in Latin-1: the é is the lone byte 0xE9, which is not UTF-8. */
const LATIN1_JSON = new Uint8Array([0x22, 0x63, 0x61, 0x66, 0xe9, 0x22]);

const Name = defineConfig({ key: "Name", schema: z.string() });

/** Creates the Rust crate's table in a new database at `path`. */
function rustDatabase(path: string): DatabaseSync {
  const db = new DatabaseSync(path);
  db.exec(RUST_TABLE);
  return db;
}

describe("bytes that are not UTF-8", () => {
  test(
    "in a key's file: a ConfigValidationError naming the file, not U+FFFD in the value",
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

describe("text that is UTF-8", () => {
  test("a real U+FFFD, or a byte order mark, in a file or a row reads as it is", async () => {
    await using dir = await tempDir();
    const text = '"caf\uFFFD"';
    await writeFile(join(dir.path, "Name.json"), "\uFEFF" + text);
    const path = join(dir.path, "c.db");
    const db = rustDatabase(path);
    db.prepare("INSERT INTO config(key, value) VALUES (?, ?)").run(
      "Name",
      text,
    );
    db.close();
    using sqlite = await SqliteSource.open(path);
    assert.equal(await sqlite.get("Name"), "caf\uFFFD");
    assert.deepEqual(
      await sqlite.entry("Name").then((e) => e?.value),
      "caf\uFFFD",
    );
    const files = new LocalFileSource(dir.path);
    assert.equal(await files.get("Name"), "caf\uFFFD");
  });
});

describe("JSON numbers a JavaScript number cannot hold", () => {
  test(
    "a u64 the Rust crate stored is refused with its path, never rounded, under z.number() and z.coerce.bigint()",
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

  test("the rule: an integer no double equals reads as the exact bigint, and a bigint is stored as the JSON integer the Rust crate writes", async () => {
    await using dir = await tempDir();
    const path = join(dir.path, "c.db");
    const db = rustDatabase(path);
    const rows = db.prepare("INSERT INTO config(key, value) VALUES (?, ?)");
    rows.run("Ids", '{"id":18446744073709551615,"big":18014398509481984}');
    db.close();
    const source = await SqliteSource.open(path);
    const manager = new ConfigManager([source]);
    await using _ = manager;
    // 2^54 is a double exactly, so it stays a number.
    assert.deepEqual(await source.get("Ids"), {
      id: 18446744073709551615n,
      big: 18014398509481984,
    });
    const Exact = defineConfig({
      key: "Ids",
      schema: z.object({ id: z.coerce.bigint(), big: z.coerce.bigint() }),
    });
    assert.deepEqual(await manager.get(Exact), {
      id: 18446744073709551615n,
      big: 18014398509481984n,
    });
    const AsNumbers = defineConfig({
      key: "Ids",
      schema: z.object({ id: z.number(), big: z.number() }),
    });
    const refused = await rejection(manager.get(AsNumbers));
    assert.ok(refused instanceof ConfigValidationError);
    assert.deepEqual(refused.issues.map((issue) => issue.path), ["id"]);

    // Written back as JSON integers: the text the Rust crate reads as u64.
    await manager.set(Exact, { id: 18446744073709551614n, big: 5n });
    assert.equal(
      storedText(path, "Ids"),
      '{"id":18446744073709551614,"big":5}',
    );
    assert.deepEqual(await manager.get(Exact), {
      id: 18446744073709551614n,
      big: 5n,
    });
    // A bigint a double holds reads back as a number: only a schema that
    // coerces takes it back, so z.bigint() and z.any() refuse to store one.
    for (const schema of [z.bigint(), z.any()]) {
      const Small = defineConfig({ key: "Small", schema });
      const error = await rejection(manager.set(Small, 5n));
      assert.ok(error instanceof ConfigValidationError, String(error));
      assert.match(error.message, /reads back as a number.*z\.coerce\.bigint/);
    }
    assert.equal(await source.get("Small"), undefined);
  });

  test("the CLI stores an integer past 2^53 exactly, prints it exactly, and refuses 1e400", async () => {
    await using dir = await tempDir();
    const flags = ["--allow-env", "--allow-read", "--allow-write"];
    const env = { HARMONY_DATA_DIR: dir.path };
    const set = await runCli(flags, [
      "set",
      "Ids",
      '{"id":18446744073709551615}',
    ], { env });
    assert.equal(set.code, 0, set.stderr);
    const get = await runCli(flags, ["get", "Ids", "--reveal", "--json"], {
      env,
    });
    assert.equal(get.code, 0, get.stderr);
    assert.match(get.stdout, /"id": 18446744073709551615\b/);
    assert.equal(
      storedText(join(dir.path, "config", "config.db"), "Ids"),
      '{"id":18446744073709551615}',
    );
    const huge = await runCli(flags, ["set", "Huge", '{"n":[1e400]}'], {
      env,
    });
    assert.equal(huge.code, 1, huge.stderr);
    assert.match(huge.stderr, /\*\[0\]: NaN or Infinity/);
  });

  test(
    "a number past the double range (1e400) is refused, not read as Infinity (get) and null (explain)",
    async () => {
      await using dir = await tempDir();
      await writeFile(join(dir.path, "Huge.json"), "1e400");
      await writeFile(join(dir.path, "Deep.json"), '{"a":{"b":[1,-1e999]}}');
      const Huge = defineConfig({ key: "Huge", schema: z.any() });
      const manager = new ConfigManager([new LocalFileSource(dir.path)]);
      const error = await rejection(manager.get(Huge));
      assert.ok(error instanceof ConfigValidationError, String(error));
      assert.match(error.message, /Huge\.json/);
      assert.equal((await manager.explain(Huge)).steps[0]?.status, "invalid");
      // Where it is; object keys masked, as without the schema any could be data.
      const Deep = defineConfig({ key: "Deep", schema: z.any() });
      const deep = await rejection(manager.get(Deep));
      assert.ok(deep instanceof ConfigValidationError, String(deep));
      assert.deepEqual(deep.issues.map((issue) => issue.path), ["*.*[1]"]);
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
