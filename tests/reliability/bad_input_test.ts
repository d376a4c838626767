import assert from "node:assert/strict";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import process from "node:process";
import { describe, test } from "node:test";
import { z } from "zod";
import {
  ConfigError,
  ConfigManager,
  ConfigSourceError,
  ConfigValidationError,
  defineConfig,
  EnvSource,
  InvalidKeyError,
  LocalFileSource,
  MemorySource,
  SqliteSource,
} from "../../mod.ts";
import type { ConfigSource } from "../../mod.ts";
import { rejection } from "../_helpers/rejection.ts";
import { insertRows, storedText } from "../_helpers/sqlite_rows.ts";
import { isDeno, runDeno } from "../_helpers/subprocess.ts";
import { tempDir } from "../_helpers/temp.ts";

const Db = defineConfig({
  key: "Db",
  schema: z.object({ host: z.string(), port: z.number().int() }),
});
const good = { host: "db", port: 5432 };

/** Asserts a typed error naming the key and the source. */
function assertTyped(
  error: unknown,
  type: abstract new (...args: never[]) => ConfigError,
  key: string | undefined,
  source: string,
): void {
  assert.ok(error instanceof type, `expected ${type.name}, got ${error}`);
  assert.ok(error instanceof ConfigError);
  if (key !== undefined) {
    assert.equal(error.key, key);
    assert.ok(error.message.includes(`"${key}"`), error.message);
  }
  assert.ok(
    error.source === source || error.message.includes(source),
    `${error.message} does not name ${source}`,
  );
}

describe("bad input gives a typed error and overwrites nothing", () => {
  test("malformed JSON in env, in a file and in a DB row", async () => {
    await using dir = await tempDir();
    const dbPath = join(dir.path, "config.db");
    using sqlite = await SqliteSource.open(dbPath);
    await sqlite.set("Db", good);
    const env = { HARMONY_CONFIG_Db: '{"host": "db", ' };
    await using fromEnv = new ConfigManager([new EnvSource({ env }), sqlite]);
    assertTyped(
      await rejection(fromEnv.get(Db)),
      ConfigValidationError,
      "Db",
      "HARMONY_CONFIG_Db",
    );
    assert.equal(env.HARMONY_CONFIG_Db, '{"host": "db", ');
    assert.deepEqual(await sqlite.get("Db"), good);

    const files = join(dir.path, "files");
    await mkdir(files);
    await writeFile(join(files, "Db.json"), "{ not json");
    const fileSource = new LocalFileSource(files);
    assertTyped(
      await rejection(new ConfigManager([fileSource]).get(Db)),
      ConfigValidationError,
      "Db",
      join(files, "Db.json"),
    );
    assert.equal(await readFile(join(files, "Db.json"), "utf8"), "{ not json");

    insertRows(dbPath, [["Db", "[1,"]]);
    assertTyped(
      await rejection(new ConfigManager([sqlite]).get(Db)),
      ConfigValidationError,
      "Db",
      `${dbPath}#Db`,
    );
    assert.equal(storedText(dbPath, "Db"), "[1,");
  });

  test("wrong shapes in every source name the failing path", async () => {
    await using dir = await tempDir();
    const wrong = { host: 1, port: "5432" };
    const dbPath = join(dir.path, "config.db");
    using sqlite = await SqliteSource.open(dbPath);
    await sqlite.set("Db", wrong);
    const files = new LocalFileSource(join(dir.path, "files"));
    await files.set("Db", wrong);
    const fileText = await readFile(files.locate("Db"), "utf8");
    const cases: [ConfigSource, string][] = [
      [
        new EnvSource({ env: { HARMONY_CONFIG_Db: JSON.stringify(wrong) } }),
        "HARMONY_CONFIG_Db",
      ],
      [files, files.locate("Db")],
      [sqlite, `${dbPath}#Db`],
      [new MemorySource({ Db: wrong }), "memory:Db"],
    ];
    for (const [source, locator] of cases) {
      const error = await rejection(new ConfigManager([source]).get(Db));
      assertTyped(error, ConfigValidationError, "Db", locator);
      assert.deepEqual(
        (error as ConfigValidationError).issues.map((i) => i.path).sort(),
        ["host", "port"],
      );
      assert.deepEqual(await source.get("Db"), wrong, `${source.name} changed`);
    }
    assert.equal(await readFile(files.locate("Db"), "utf8"), fileText);
    // set() refuses a wrong shape before writing anything.
    const error = await rejection(
      new ConfigManager([sqlite]).set(Db, wrong as unknown as typeof good),
    );
    assert.ok(error instanceof ConfigValidationError);
    assert.equal(error.key, "Db");
    assert.deepEqual(await sqlite.get("Db"), wrong);
  });

  test("10 MB values round-trip through every source, and one that fails its schema is reported without the value", async () => {
    await using dir = await tempDir();
    const big = { blob: "v".repeat(10 * 1024 * 1024), list: [1, 2, 3] };
    using sqlite = await SqliteSource.open(join(dir.path, "config.db"));
    const sources: ConfigSource[] = [
      new EnvSource({ env: {} }),
      new LocalFileSource(join(dir.path, "files")),
      sqlite,
      new MemorySource(),
    ];
    const Big = defineConfig({
      key: "Big",
      schema: z.object({ blob: z.string(), list: z.array(z.number()) }),
    });
    const Small = defineConfig({
      key: "Big",
      schema: z.object({
        blob: z.string().max(1000),
        list: z.array(z.number()),
      }),
    });
    for (const source of sources) {
      await source.set("Big", big);
      const value = await new ConfigManager([source]).get(Big);
      assert.equal(value.blob.length, big.blob.length, source.name);
      assert.ok(value.blob === big.blob, source.name);
      const error = await rejection(new ConfigManager([source]).get(Small));
      assert.ok(error instanceof ConfigValidationError, source.name);
      assert.equal(error.key, "Big");
      assert.ok(error.message.length < 1000, "the message holds the value");
    }
  });

  test("invalid keys are refused by defineConfig and by every source, and nothing is created", async () => {
    await using dir = await tempDir();
    const files = join(dir.path, "files");
    const dbPath = join(dir.path, "config.db");
    using sqlite = await SqliteSource.open(dbPath);
    const env: Record<string, string> = {};
    const sources: ConfigSource[] = [
      new EnvSource({ env }),
      new LocalFileSource(files),
      sqlite,
      new MemorySource(),
    ];
    const keys = [
      "../x",
      "/etc/passwd",
      "a\0b",
      "",
      "k".repeat(1000),
      "ключ",
      "a.b",
      "a/b",
      "a b",
    ];
    for (const key of keys) {
      assert.throws(
        () => defineConfig({ key, schema: z.string() }),
        InvalidKeyError,
      );
      for (const source of sources) {
        for (
          const op of [
            () => source.get(key),
            () => source.set(key, "value"),
            () => source.delete(key),
          ]
        ) {
          let error: unknown;
          try {
            await op();
          } catch (e) {
            error = e;
          }
          assert.ok(
            error instanceof InvalidKeyError,
            `${source.name} ${JSON.stringify(key)}`,
          );
          assert.equal(error.source, source.name);
          // Printable keys are named; control and non-ASCII ones are
          // described instead, so they cannot forge terminal output.
          if (/^[\x20-\x7e]{1,128}$/.test(key)) {
            assert.ok(
              error.message.includes(JSON.stringify(key)),
              error.message,
            );
          } else if (key.length > 128) {
            assert.match(error.message, /1000 characters/);
          } else if (key !== "") {
            assert.match(error.message, /control or non-ASCII/);
            assert.ok(!error.message.includes(key));
          }
        }
      }
    }
    assert.deepEqual(Object.keys(env), []);
    assert.deepEqual(await sqlite.keys(), []);
    // Nothing was created beside the DB: no files dir, no x.json, no passwd.
    assert.deepEqual(
      (await readdir(dir.path)).filter((name) => !name.startsWith("config.db")),
      [],
    );
  });

  test("a file at the DB path that is not SQLite is reported and left untouched", async () => {
    await using dir = await tempDir();
    const path = join(dir.path, "config.db");
    const content = "these are my notes, not a database\n".repeat(200);
    await writeFile(path, content);
    const error = await rejection(SqliteSource.open(path));
    assertTyped(error, ConfigSourceError, undefined, `sqlite:${path}`);
    assert.equal((error as ConfigError).source, `sqlite:${path}`);
    assert.equal(await readFile(path, "utf8"), content);
    assert.deepEqual((await readdir(dir.path)).sort(), ["config.db"]);
  });

  test(
    "a directory this process may not write: typed errors naming the flag, the file untouched",
    {
      skip: isDeno
        ? false
        : "needs Deno's permission model (tests run as root, which ignores chmod)",
    },
    async () => {
      await using dir = await tempDir();
      await using elsewhere = await tempDir();
      const locked = join(dir.path, "locked");
      await mkdir(locked);
      await writeFile(join(locked, "Existing.json"), '{"kept":true}\n');
      // Root ignores a 0500 directory, so the read-only directory is made
      // with Deno's permissions: write access is granted to another path.
      const result = await runDeno([
        "run",
        "--quiet",
        "--allow-read",
        `--allow-write=${elsewhere.path}`,
        "--allow-env",
        new URL("../_fixtures/reliability_denied_write.ts", import.meta.url)
          .pathname,
        locked,
      ]);
      assert.equal(result.code, 0, result.stderr);
      const out = JSON.parse(result.stdout);
      assert.equal(out.file.name, "ConfigPermissionError");
      assert.equal(out.file.key, "Existing");
      assert.equal(out.file.source, `file:${locked}`);
      assert.equal(out.file.flag, `--allow-write=${locked}`);
      assert.equal(out.sqlite.name, "ConfigPermissionError");
      assert.equal(out.sqlite.source, `sqlite:${join(locked, "config.db")}`);
      assert.match(out.sqlite.flag, new RegExp(`--allow-write=${locked}`));
      assert.equal(
        await readFile(join(locked, "Existing.json"), "utf8"),
        '{"kept":true}\n',
      );
      assert.deepEqual(await readdir(locked), ["Existing.json"]);
    },
  );

  test(
    "a read-only directory (chmod 0500) for a user that is not root",
    {
      skip: typeof process.getuid === "function" && process.getuid() === 0
        ? "runs as root, which ignores directory modes; the permission-model case covers it"
        : false,
    },
    async () => {
      const { chmod } = await import("node:fs/promises");
      await using dir = await tempDir();
      const locked = join(dir.path, "locked");
      await mkdir(locked);
      await writeFile(join(locked, "Existing.json"), '{"kept":true}\n');
      await chmod(locked, 0o500);
      try {
        const error = await rejection(
          new LocalFileSource(locked).set("Existing", { replaced: true }),
        );
        assertTyped(error, ConfigSourceError, "Existing", `file:${locked}`);
        assert.ok(
          await rejection(
            SqliteSource.open(join(locked, "config.db")),
          ) instanceof
            ConfigError,
        );
        assert.equal(
          await readFile(join(locked, "Existing.json"), "utf8"),
          '{"kept":true}\n',
        );
      } finally {
        await chmod(locked, 0o700);
      }
    },
  );
});
