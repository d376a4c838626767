/**
 * Every stored value reads back as it was set: `get` after `set(def,
 * input)` returns `def.schema.parse(input)`, on the same manager and on a
 * fresh one, over memory, real files and a real SQLite file; what JSON
 * cannot hold is refused before anything is written.
 */
import assert from "node:assert/strict";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, test } from "node:test";
import { z } from "zod";
import {
  type ConfigDefinition,
  ConfigManager,
  type ConfigSource,
  ConfigValidationError,
  defineConfig,
  LocalFileSource,
  MemorySource,
  PromptUnavailableError,
  SqliteSource,
} from "../../mod.ts";
import { ScriptedPromptSource } from "../../testing.ts";
import { rejection } from "../_helpers/rejection.ts";
import { BROAD_FLAGS, runCli } from "../_helpers/cli.ts";
import { isDeno } from "../_helpers/subprocess.ts";
import { type TempDir, tempDir } from "../_helpers/temp.ts";

/** A persisting source of each kind, and how to open a fresh one on the same storage. */
interface Store extends AsyncDisposable {
  readonly name: string;
  readonly source: ConfigSource;
  fresh(): Promise<ConfigSource>;
}

async function stores(): Promise<Store[]> {
  const memory = new MemorySource();
  const filesDir: TempDir = await tempDir();
  const files = new LocalFileSource(filesDir.path);
  const sqliteDir: TempDir = await tempDir();
  const dbPath = join(sqliteDir.path, "config.db");
  const sqlite = await SqliteSource.open(dbPath);
  const opened: SqliteSource[] = [sqlite];
  return [
    {
      name: "memory",
      source: memory,
      fresh: () => Promise.resolve(memory),
      [Symbol.asyncDispose]: () => Promise.resolve(),
    },
    {
      name: "files",
      source: files,
      fresh: () => Promise.resolve(new LocalFileSource(filesDir.path)),
      [Symbol.asyncDispose]: () => filesDir[Symbol.asyncDispose](),
    },
    {
      name: "sqlite",
      source: sqlite,
      fresh: async () => {
        const again = await SqliteSource.open(dbPath);
        opened.push(again);
        return again;
      },
      [Symbol.asyncDispose]: async () => {
        for (const source of opened) source.close();
        await sqliteDir[Symbol.asyncDispose]();
      },
    },
  ];
}

async function eachStore(
  check: (store: Store) => Promise<void>,
): Promise<void> {
  for (const store of await stores()) {
    await using _ = store;
    try {
      await check(store);
    } catch (error) {
      (error as Error).message = `${store.name}: ${(error as Error).message}`;
      throw error;
    }
  }
}

/** set, then get on the same manager and on a fresh one over fresh sources; both must equal parse(input). */
async function assertReadsBack<T, I>(
  store: Store,
  def: ConfigDefinition<T, I>,
  input: I,
): Promise<void> {
  const expected = def.schema.parse(input);
  const manager = new ConfigManager([store.source]);
  await manager.set(def, input);
  assert.deepStrictEqual(await manager.get(def), expected, "same manager");
  const fresh = new ConfigManager([await store.fresh()]);
  assert.deepStrictEqual(await fresh.get(def), expected, "fresh manager");
  assert.deepStrictEqual(await fresh.get(def), expected, "read twice");
}

describe("a transform runs once per read, never again on what was stored", () => {
  test("z.number().transform(n => n * 1000): set { sec: 5 } reads back { sec: 5000 }", async () => {
    const Timeout = defineConfig({
      key: "Timeout",
      schema: z.object({ sec: z.number().transform((n) => n * 1000) }),
    });
    await eachStore((store) => assertReadsBack(store, Timeout, { sec: 5 }));
  });

  test('z.string().transform(s => "https://" + s) adds the scheme once', async () => {
    const Url = defineConfig({
      key: "Url",
      schema: z.string().transform((s) => "https://" + s),
    });
    await eachStore((store) => assertReadsBack(store, Url, "example.com"));
  });

  test("without a transform the parsed value is stored, defaults filled, as the Rust crate stores a struct", async () => {
    const Db = defineConfig({
      key: "Db",
      schema: z.object({ host: z.string(), port: z.number().default(5432) }),
    });
    await eachStore(async (store) => {
      await assertReadsBack(store, Db, { host: "db" });
      assert.deepStrictEqual(await store.source.get("Db"), {
        host: "db",
        port: 5432,
      });
    });
  });

  test("a codec stores its encoded (input) side: z.encode, read back through the decoder", async () => {
    const Count = defineConfig({
      key: "Count",
      schema: z.codec(z.string().regex(/^\d+$/), z.number(), {
        decode: Number,
        encode: String,
      }),
    });
    const isoDate = z.codec(z.iso.datetime(), z.date(), {
      decode: (text) => new Date(text),
      encode: (date) => date.toISOString(),
    });
    const Event = defineConfig({
      key: "Event",
      schema: z.object({ at: isoDate, repeat: z.number().default(1) }),
    });
    await eachStore(async (store) => {
      await assertReadsBack(store, Count, "42");
      assert.equal(await store.source.get("Count"), "42");
      await assertReadsBack(store, Event, { at: "2024-05-06T07:08:09.000Z" });
      assert.deepStrictEqual(await store.source.get("Event"), {
        at: "2024-05-06T07:08:09.000Z",
        repeat: 1,
      });
    });
  });

  test("getOrPrompt's saved answer reads back as parse(answer)", async () => {
    const Timeout = defineConfig({
      key: "Timeout",
      schema: z.object({ sec: z.number().transform((n) => n * 1000) }),
    });
    await eachStore(async (store) => {
      const manager = new ConfigManager([
        store.source,
        new ScriptedPromptSource({ Timeout: { sec: 5 } }),
      ]);
      assert.deepStrictEqual(await manager.getOrPrompt(Timeout), { sec: 5000 });
      const fresh = new ConfigManager([await store.fresh()]);
      assert.deepStrictEqual(await fresh.get(Timeout), { sec: 5000 });
    });
  });

  test("a migration's write-back of a transformed schema reads back as parse(migrated)", async () => {
    const Timeout = defineConfig({
      key: "Timeout",
      schema: z.object({ sec: z.number().transform((n) => n * 1000) }),
      migrate: (old) => ({ sec: Number(old) }),
    });
    await eachStore(async (store) => {
      await store.source.set("Timeout", "5");
      const manager = new ConfigManager([store.source]);
      assert.deepStrictEqual(await manager.get(Timeout), { sec: 5000 });
      assert.deepStrictEqual(await store.source.get("Timeout"), { sec: 5 });
      const fresh = new ConfigManager([await store.fresh()]);
      assert.deepStrictEqual(await fresh.get(Timeout), { sec: 5000 });
      assert.equal((await fresh.explain(Timeout)).steps[0]?.status, "hit");
    });
  });

  test("the CLI's set --schema stores what reads back as parse(input)", async () => {
    await using data = await tempDir();
    const schema = fileURLToPath(
      new URL(
        `../_fixtures/round_trip_schema.${isDeno ? "ts" : "js"}`,
        import.meta.url,
      ),
    ) + "#Timeout";
    const cli = (args: string[]) =>
      runCli(BROAD_FLAGS, args, { env: { HARMONY_DATA_DIR: data.path } });
    const stored = await cli(["set", "--schema", schema, '{"sec":5}']);
    assert.equal(stored.code, 0, stored.stderr);
    const got = await cli(["get", "--schema", schema, "--json"]);
    assert.equal(got.code, 0, got.stderr);
    assert.deepEqual(JSON.parse(got.stdout).value, { sec: 5000 });
  });
});

describe("a value JSON cannot hold is refused before anything is written", () => {
  test("z.map() and z.set(): JSON would store {}", async () => {
    await assertRefused(
      z.map(z.string(), z.number()),
      new Map([["a", 1]]),
      "",
      /Map, which JSON writes as \{\}.*use z\.record\(\)/,
    );
    await assertRefused(
      z.object({ tags: z.set(z.string()) }),
      { tags: new Set(["a"]) },
      "tags",
      /Set, which JSON writes as \{\}.*use z\.array\(\)/,
    );
  });

  test("z.date(): refused, naming z.coerce.date() and an ISO-string codec; z.coerce.date() reads back", async () => {
    await assertRefused(
      z.object({ when: z.date() }),
      { when: new Date(0) },
      "when",
      /Date, which JSON writes as an ISO string.*z\.coerce\.date\(\).*codec/,
    );
    // Without a terminal, the hint never offers a "<date>" that cannot validate.
    const Plain = defineConfig({
      key: "Plain",
      schema: z.object({ when: z.date() }),
    });
    const noTerminal = await rejection(
      new ConfigManager([
        new MemorySource(),
        new ScriptedPromptSource({}, { interactive: false }),
      ]).getOrPrompt(Plain),
    );
    assert.ok(noTerminal instanceof PromptUnavailableError);
    assert.match(noTerminal.skeleton, /needs z\.coerce\.date\(\)/);
    const Coerced = defineConfig({
      key: "Coerced",
      schema: z.object({ when: z.coerce.date() }),
    });
    await eachStore((store) =>
      assertReadsBack(store, Coerced, { when: new Date(86_400_000) })
    );
  });

  test("under z.any() and z.record(): NaN, Infinity, undefined and a Date; record keys never shown", async () => {
    await assertRefused(z.any(), NaN, "", /NaN or Infinity.*finite number/);
    await assertRefused(z.any(), [1, Infinity], "[1]", /NaN or Infinity/);
    await assertRefused(z.any(), undefined, "", /undefined.*delete\(\)/i);
    await assertRefused(z.any(), [undefined], "[0]", /undefined in an array/i);
    await assertRefused(z.any(), new Date(0), "", /Date/);
    await assertRefused(
      z.record(z.string(), z.any()),
      { "secret-name": { inner: undefined } },
      "*.*",
      /a field set to undefined, which JSON leaves out/i,
    );
  });

  test("a field the schema declares optional may be undefined: it is stored as left out", async () => {
    const Optional = defineConfig({
      key: "Optional",
      schema: z.object({ host: z.string(), port: z.number().optional() }),
    });
    await eachStore(async (store) => {
      const manager = new ConfigManager([store.source]);
      await manager.set(Optional, { host: "db", port: undefined });
      assert.deepStrictEqual(await manager.get(Optional), { host: "db" });
      assert.deepStrictEqual(await store.source.get("Optional"), {
        host: "db",
      });
    });
  });

  test("a transform that gives another result each time is refused rather than stored", async () => {
    let calls = 0;
    await assertRefused(
      z.string().transform((text) => `${text}-${++calls}`),
      "a",
      "",
      /Reads back as a different value.*deterministic.*z\.codec/,
    );
  });

  test("the CLI: set Num 1e400 fails and stores nothing, where it printed Stored and wrote null", async () => {
    await using data = await tempDir();
    const result = await runCli(BROAD_FLAGS, ["set", "Num", "1e400"], {
      env: { HARMONY_DATA_DIR: data.path },
    });
    assert.equal(result.code, 1, result.stdout);
    assert.doesNotMatch(result.stdout, /Stored/);
    assert.match(result.stderr, /NaN or Infinity.*finite number/);
    using sqlite = await SqliteSource.open(
      join(data.path, "config", "config.db"),
    );
    assert.deepEqual(await sqlite.keys(), []);
  });

  test("nothing of a refused value reaches a file: no key file, no temp file", async () => {
    await using dir = await tempDir();
    const manager = new ConfigManager([new LocalFileSource(dir.path)]);
    const Tags = defineConfig({ key: "Tags", schema: z.set(z.string()) });
    await assert.rejects(manager.set(Tags, new Set(["a"])));
    assert.deepEqual(await readdir(dir.path), []);
  });
});

describe("z.coerce.bigint()", () => {
  test('"12345678901234567890" is stored as the JSON integer 12345678901234567890 and reads back as the bigint', async () => {
    const Big = defineConfig({ key: "Big", schema: z.coerce.bigint() });
    await eachStore(async (store) => {
      await assertReadsBack(store, Big, "12345678901234567890");
      assert.equal(await store.source.get("Big"), 12345678901234567890n);
    });
  });

  test("a bigint itself is stored as its JSON integer (as the Rust crate stores a u64) and reads back exactly", async () => {
    const Big = defineConfig({ key: "Big", schema: z.coerce.bigint() });
    await eachStore(async (store) => {
      for (const value of [12345678901234567890n, 5n, -(2n ** 64n) - 1n]) {
        await assertReadsBack(store, Big, value);
      }
      assert.equal(await store.source.get("Big"), -(2n ** 64n) - 1n);
      // One a double holds is stored as that number.
      await assertReadsBack(store, Big, 5n);
      assert.equal(await store.source.get("Big"), 5);
    });
  });

  test("a bigint a double holds is refused under z.bigint(), which would read it back as a number, with what to use instead", async () => {
    await assertRefused(
      z.bigint(),
      5n,
      "",
      /bigint that a JavaScript number holds exactly, which JSON reads back as a number.*use z\.coerce\.bigint\(\)/,
    );
  });
});

/** set must throw a ConfigValidationError naming `path` and `advice`, and every source must stay empty. */
async function assertRefused(
  schema: z.ZodType,
  value: unknown,
  path: string,
  advice: RegExp,
): Promise<void> {
  await eachStore(async (store) => {
    const def = defineConfig({ key: "Refused", schema });
    const manager = new ConfigManager([store.source]);
    const error = await rejection(manager.set(def, value as never));
    assert.ok(error instanceof ConfigValidationError, String(error));
    assert.equal(error.key, "Refused");
    assert.deepEqual(error.issues.map((issue) => issue.path), [path]);
    assert.match(error.message, advice);
    assert.match(error.message, /nothing was stored/);
    assert.equal(await store.source.get("Refused"), undefined);
    assert.deepEqual(await store.source.keys(), []);
  });
}
