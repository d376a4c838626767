/**
 * Field-level layering (`defineConfig({ …, layering: "fields" })`) over
 * real sources: the process environment, files in a temp dir, a SQLite
 * file and OpenBao (the in-process server), in one chain. Covers the traps
 * peers fell into: arrays merged by index or concatenated, defaults that
 * hide a missing required field, env key case lost, and a field of one
 * source copied into another on write.
 */
import assert from "node:assert/strict";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import process from "node:process";
import { after, before, describe, it } from "node:test";
import { z } from "zod";
import {
  ConfigError,
  ConfigManager,
  type ConfigSource,
  ConfigValidationError,
  defineConfig,
  EnvSource,
  type FieldEntry,
  type FieldSpec,
  LocalFileSource,
  MemorySource,
  secret,
  SourceUnavailableError,
  SqliteSource,
  StoreSource,
} from "../mod.ts";
import { type FakeTerminal, KEY as KEYS } from "./_helpers/fake_terminal.ts";
import { promptingManager } from "./_helpers/prompting.ts";
import {
  type FakeOpenBao,
  startFakeOpenBao,
} from "./_helpers/openbao_server.ts";
import { store as baoStore } from "./_helpers/openbao_store.ts";
import { storedText } from "./_helpers/sqlite_rows.ts";
import { type TempDir, tempDir } from "./_helpers/temp.ts";

const KEY = "LayeredPg";
const PREFIX = `HARMONY_CONFIG_${KEY}`;

const Pg = defineConfig({
  key: KEY,
  schema: z.object({
    host: z.string(),
    port: z.number().int().default(5432),
    user: z.string(),
    password: secret(z.string()),
    ssl: z.boolean().default(true),
    tags: z.array(z.string()).default([]),
    pool: z.object({ max: z.number().int(), idle: z.number() }).optional(),
  }),
  layering: "fields",
});

/** The same schema, whole-value layered: the first source answers alone. */
const WholePg = defineConfig({ key: KEY, schema: Pg.schema });

/** The chain of the issue: env, a file, SQLite, OpenBao. */
interface Chain {
  readonly dir: TempDir;
  readonly bao: FakeOpenBao;
  readonly env: EnvSource;
  readonly file: LocalFileSource;
  readonly sqlite: SqliteSource;
  readonly openbao: StoreSource;
  readonly manager: ConfigManager;
  readonly dbPath: string;
  /** The row SQLite holds for the key, as text, read with SQL. */
  row(): string | undefined;
  [Symbol.asyncDispose](): Promise<void>;
}

const setVariables = new Set<string>();

/** Sets a variable of the real process environment for this test file. */
function setEnv(name: string, value: string): void {
  setVariables.add(name);
  process.env[name] = value;
}

function clearEnv(): void {
  for (const name of setVariables) delete process.env[name];
  setVariables.clear();
}

async function openChain(): Promise<Chain> {
  const dir = await tempDir();
  const bao = await startFakeOpenBao();
  const files = join(dir.path, "files");
  await mkdir(files);
  const dbPath = join(dir.path, "config.db");
  const env = new EnvSource();
  const file = new LocalFileSource(files);
  const sqlite = await SqliteSource.open(dbPath);
  const openbao = new StoreSource(baoStore(bao, { sessionFile: false }));
  const manager = new ConfigManager([env, file, sqlite, openbao]);
  return {
    dir,
    bao,
    env,
    file,
    sqlite,
    openbao,
    manager,
    dbPath,
    row: () => storedText(dbPath, KEY),
    async [Symbol.asyncDispose](): Promise<void> {
      clearEnv();
      await manager.close();
      await bao.close();
      await dir[Symbol.asyncDispose]();
    },
  };
}

/** Fills the chain as the issue's example: each source holds some fields. */
async function fill(chain: Chain): Promise<void> {
  setEnv(`${PREFIX}__host`, "replica.internal"); // a string: text as it is
  await writeFile(
    chain.file.locate(KEY),
    JSON.stringify({ port: 6432, tags: ["f1", "f2", "f3"] }),
  );
  await chain.sqlite.set(KEY, {
    host: "primary.internal",
    user: "app",
    tags: ["s1"],
    pool: { max: 20 },
  });
  await chain.openbao.set(KEY, {
    password: "bao-secret-password",
    pool: { max: 99, idle: 30 },
  });
}

/**
 * Answers each question in turn; on a question that never comes, presses
 * Ctrl-C so the prompt ends, and fails with what the screen showed.
 */
async function answered<T>(
  term: FakeTerminal,
  pending: Promise<T>,
  answers: readonly (readonly [string, string])[],
): Promise<T> {
  const settled = pending.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  try {
    for (const [question, text] of answers) await term.answer(question, text);
  } catch (error) {
    term.type(KEYS.ctrlC);
    await settled;
    assert.fail(`${(error as Error).message}; the screen: ${term.text}`);
  }
  const outcome = await settled;
  if ("error" in outcome) throw outcome.error;
  return outcome.value;
}

/** [env, SQLite, OpenBao, a prompt on a fake terminal], from `chain`. */
function promptChain(
  chain: Chain,
): { term: FakeTerminal; manager: ConfigManager } {
  return promptingManager(chain.env, chain.sqlite, chain.openbao);
}

describe("field-level layering", () => {
  before(clearEnv);
  after(clearEnv);

  it("resolves each field from env, a file, SQLite and OpenBao in one chain, and explain names the source of each", async () => {
    await using chain = await openChain();
    await fill(chain);
    assert.deepEqual(await chain.manager.get(Pg), {
      host: "replica.internal", // env over SQLite's
      port: 6432, // the file's, not the default
      user: "app", // SQLite
      password: "bao-secret-password", // OpenBao
      ssl: true, // the default: no source has it
      tags: ["f1", "f2", "f3"], // the file's array, whole
      pool: { max: 20, idle: 30 }, // objects merge: SQLite's max, OpenBao's idle
    });
    const how = await chain.manager.explain(Pg);
    assert.equal(how.answeredBy, "env");
    assert.deepEqual(
      how.steps.map((s) => [s.source, s.status, s.winner]),
      [
        ["env", "hit", true],
        [chain.file.name, "hit", true],
        [chain.sqlite.name, "hit", true],
        [chain.openbao.name, "hit", true],
      ],
    );
    assert.equal(how.steps[0]?.locator, `${PREFIX}__host`);
    const bao = chain.openbao.locate(KEY);
    assert.deepEqual(how.leaves, [
      {
        path: "host",
        source: "env",
        locator: `${PREFIX}__host`,
        value: "replica.internal",
      },
      {
        path: "port",
        source: chain.file.name,
        locator: chain.file.locate(KEY),
        value: 6432,
      },
      {
        path: "user",
        source: chain.sqlite.name,
        locator: chain.sqlite.locate(KEY),
        value: "app",
      },
      {
        path: "password",
        source: chain.openbao.name,
        locator: bao,
        value: "<redacted>",
      },
      { path: "ssl", source: "defaults", value: true },
      {
        path: "tags",
        source: chain.file.name,
        locator: chain.file.locate(KEY),
        value: ["f1", "f2", "f3"],
      },
      {
        path: "pool.max",
        source: chain.sqlite.name,
        locator: chain.sqlite.locate(KEY),
        value: 20,
      },
      {
        path: "pool.idle",
        source: chain.openbao.name,
        locator: bao,
        value: 30,
      },
    ]);
    // The secret appears nowhere in the report, redacted or not.
    assert.ok(!JSON.stringify(how).includes("bao-secret-password"));
    // Every source was read, and the resolution says so (for a cache).
    const resolution = await chain.manager.resolve(Pg);
    assert.equal(resolution.kind, "found");
    assert.deepEqual(resolution.readFrom, chain.manager.sources);
  });

  it("replaces an array whole: never merged by index, never concatenated", async () => {
    await using chain = await openChain();
    await fill(chain);
    setEnv(`${PREFIX}__tags`, '["e1"]'); // not a string field: JSON
    const value = await chain.manager.get(Pg);
    assert.deepEqual(value.tags, ["e1"]); // not ["e1","f2","f3"], not ["e1","f1",…]
    setEnv(`${PREFIX}__tags`, "[]");
    assert.deepEqual((await chain.manager.get(Pg)).tags, []);
  });

  it("applies the schema's defaults after the merge: a later source beats a default, and a missing required field is an error naming it", async () => {
    await using chain = await openChain();
    // Only SQLite has the port; env (asked first) has other fields. A
    // default filled per source would hide SQLite's 7000.
    setEnv(`${PREFIX}__host`, "h");
    setEnv(`${PREFIX}__user`, "u");
    setEnv(`${PREFIX}__password`, "p");
    await chain.sqlite.set(KEY, { port: 7000 });
    assert.equal((await chain.manager.get(Pg)).port, 7000);

    // Without the password anywhere, no default stands in for it.
    delete process.env[`${PREFIX}__password`];
    const error = await chain.manager.get(Pg).then(
      () => assert.fail("resolved without a password"),
      (e: unknown) => e,
    );
    assert.ok(error instanceof ConfigValidationError);
    assert.deepEqual(
      error.issues.map((i) => [i.path, i.source]),
      [["password", "no source"]],
    );
    assert.match(
      error.message,
      new RegExp(`give password a value: set ${PREFIX}__password`),
    );
    // An object present in one source is not filled from its default:
    // env gives pool.idle, so pool.max is missing.
    setEnv(`${PREFIX}__password`, "p");
    setEnv(`${PREFIX}__pool__idle`, "5");
    const pool = await chain.manager.resolve(Pg);
    assert.equal(pool.kind, "invalid");
    assert.deepEqual(
      pool.kind === "invalid" ? pool.issues.map((i) => i.path) : [],
      ["pool.max"],
    );
  });

  it("keeps the case of the key and of every field name exactly", async () => {
    await using chain = await openChain();
    await fill(chain);
    setEnv(`${PREFIX}__Host`, "wrong-case-field");
    setEnv(`HARMONY_CONFIG_layeredpg__host`, "wrong-case-key");
    setEnv(`HARMONY_CONFIG_LAYEREDPG__host`, "wrong-case-key");
    assert.equal((await chain.manager.get(Pg)).host, "replica.internal");

    const Cased = defineConfig({
      key: "Cased",
      schema: z.object({ host: z.string(), Host: z.string() }),
      layering: "fields",
    });
    const env = new EnvSource({
      env: {
        HARMONY_CONFIG_Cased__host: "lower",
        HARMONY_CONFIG_Cased__Host: "upper",
      },
    });
    assert.deepEqual(await new ConfigManager([env]).get(Cased), {
      host: "lower",
      Host: "upper",
    });
  });

  it("takes a string field's text as it is and any other field as JSON, naming the variable of one that is not JSON", async () => {
    const Typed = defineConfig({
      key: "Typed",
      schema: z.object({
        name: z.string(),
        mode: z.enum(["a", "b"]),
        when: z.codec(z.iso.datetime(), z.date(), {
          decode: (s) => new Date(s),
          encode: (d) => d.toISOString(),
        }),
        count: z.number(),
        on: z.boolean(),
        nothing: z.null(),
        labels: z.record(z.string(), z.string()),
      }),
      layering: "fields",
    });
    const vars: Record<string, string> = {
      HARMONY_CONFIG_Typed__name: '"quoted" stays',
      HARMONY_CONFIG_Typed__mode: "b",
      HARMONY_CONFIG_Typed__when: "2024-05-01T00:00:00Z",
      HARMONY_CONFIG_Typed__count: "42",
      HARMONY_CONFIG_Typed__on: "false",
      HARMONY_CONFIG_Typed__nothing: "null",
      HARMONY_CONFIG_Typed__labels: '{"team":"core"}',
    };
    const manager = new ConfigManager([new EnvSource({ env: vars })]);
    assert.deepEqual(await manager.get(Typed), {
      name: '"quoted" stays',
      mode: "b",
      when: new Date("2024-05-01T00:00:00Z"),
      count: 42,
      on: false,
      nothing: null,
      labels: { team: "core" },
    });
    vars.HARMONY_CONFIG_Typed__count = "forty-two-canary";
    const error = await manager.get(Typed).then(
      () => assert.fail("read a number from text"),
      (e: unknown) => e,
    );
    assert.ok(error instanceof ConfigValidationError);
    assert.match(
      error.message,
      /HARMONY_CONFIG_Typed__count: count: Invalid JSON/,
    );
    assert.ok(!error.message.includes("forty-two-canary"));
    vars.HARMONY_CONFIG_Typed__count = '"42"'; // JSON, but a string
    const wrong = await manager.resolve(Typed);
    assert.equal(wrong.kind, "invalid");
    assert.deepEqual(
      wrong.kind === "invalid"
        ? wrong.issues.map((i) => [i.path, i.source])
        : [],
      [["count", "HARMONY_CONFIG_Typed__count"]],
    );
  });

  it("reads a field whose schema is a union that recurses on itself, taking its variable as text, as every option is text", async () => {
    const Name: z.ZodType<string> = z.union([z.string(), z.lazy(() => Name)]);
    const Recursive = defineConfig({
      key: "Recursive",
      schema: z.object({ name: Name }),
      layering: "fields",
    });
    const manager = new ConfigManager([
      new EnvSource({ env: { HARMONY_CONFIG_Recursive__name: "plain text" } }),
    ]);
    assert.deepEqual(await manager.get(Recursive), { name: "plain text" });
  });

  it("lets per-field variables override the whole-value variable, the more specific one winning", async () => {
    const env = new EnvSource({
      env: {
        [PREFIX]: JSON.stringify({
          host: "whole",
          user: "whole-user",
          password: "pw",
          pool: { max: 1, idle: 1 },
        }),
        [`${PREFIX}__host`]: "field",
        [`${PREFIX}__pool`]: '{"max":2,"idle":2}',
        [`${PREFIX}__pool__idle`]: "3",
      },
    });
    const manager = new ConfigManager([env]);
    const value = await manager.get(Pg);
    assert.deepEqual(
      [value.host, value.user, value.pool],
      ["field", "whole-user", { max: 2, idle: 3 }],
    );
    const leaves = (await manager.explain(Pg)).leaves ?? [];
    assert.deepEqual(
      Object.fromEntries(leaves.map((l) => [l.path, l.locator])),
      {
        host: `${PREFIX}__host`,
        port: undefined,
        user: PREFIX,
        password: PREFIX,
        ssl: undefined,
        tags: undefined,
        "pool.max": `${PREFIX}__pool`,
        "pool.idle": `${PREFIX}__pool__idle`,
      },
    );
  });

  it("reaches a field whose name holds __, and refuses a variable two fields share", async () => {
    const Odd = defineConfig({
      key: "Odd",
      schema: z.object({
        a__b: z.string(),
        c: z.object({ d: z.string() }),
        c__d: z.string().optional(),
      }),
      layering: "fields",
    });
    const vars: Record<string, string> = {
      HARMONY_CONFIG_Odd__a__b: "reached",
      HARMONY_CONFIG_Odd: '{"c":{"d":"from-whole"}}',
    };
    const manager = new ConfigManager([new EnvSource({ env: vars })]);
    assert.deepEqual(await manager.get(Odd), {
      a__b: "reached",
      c: { d: "from-whole" },
    });
    vars.HARMONY_CONFIG_Odd__c__d = "ambiguous";
    await assert.rejects(
      manager.get(Odd),
      (error: unknown) =>
        error instanceof ConfigError &&
        /HARMONY_CONFIG_Odd__c__d names two fields of "Odd", c\.d and c__d/
          .test(error.message),
    );
  });

  it("is opt-in: a whole-mode definition ignores per-field variables and the first source answers whole", async () => {
    await using chain = await openChain();
    await fill(chain);
    // env has no whole value: the file answers whole, and fails (no host).
    const whole = await chain.manager.resolve(WholePg);
    assert.equal(whole.kind, "invalid");
    assert.equal(
      whole.kind === "invalid" ? whole.source : undefined,
      chain.file,
    );
    assert.equal(whole.readFrom, undefined);
    // And what a whole-mode set stores is the whole parsed value, as before.
    const Whole = defineConfig({
      key: "WholeOnly",
      schema: z.object({ a: z.string(), n: z.number().default(1) }),
    });
    await chain.manager.set(Whole, { a: "x" });
    assert.deepEqual(await chain.file.get("WholeOnly"), { a: "x", n: 1 });
  });

  it("set never copies a field from one source into another: a secret from OpenBao or an env var stays where it is", async () => {
    await using chain = await openChain();
    await fill(chain);
    // The common way to change one field: read, change, write back.
    const current = await chain.manager.get(Pg);
    await chain.manager.set(Pg, { ...current, user: "admin" }, {
      target: chain.sqlite,
    });
    const row = JSON.parse(chain.row() ?? "null");
    assert.deepEqual(row, {
      host: "primary.internal", // SQLite's own (shadowed) host, kept as it was
      user: "admin", // changed: stored
      tags: ["s1"], // its own (shadowed by the file's), kept
      pool: { max: 20 }, // its own, unchanged
    });
    assert.ok(!chain.row()!.includes("bao-secret-password"));
    assert.ok(!chain.row()!.includes("replica.internal"));
    assert.deepEqual(chain.bao.readKv("harmony/config/LayeredPg"), {
      password: "bao-secret-password",
      pool: { max: 99, idle: 30 },
    });
    const after = await chain.manager.get(Pg);
    assert.deepEqual(after, { ...current, user: "admin" });

    // The default target is the first source that persists (the file):
    // it keeps its own fields and gains only what changed.
    await chain.manager.set(Pg, { ...after, ssl: false });
    assert.deepEqual(await chain.file.get(KEY), {
      port: 6432,
      ssl: false,
      tags: ["f1", "f2", "f3"],
    });
  });

  it("set never copies a secret whose schema transforms it (trim, lower case, a transform) from env or a store below the target", async () => {
    const canary = "CANARY-SECRET-7f3a";
    const Trimmed = defineConfig({
      key: KEY,
      schema: z.object({
        host: z.string(),
        password: secret(z.string().trim()),
        token: secret(z.string().toLowerCase()),
        suffixed: secret(z.string().transform((s) => `${s}!`)),
        creds: z.array(z.object({ pw: secret(z.string().trim()) })),
        nested: z.object({ pw: secret(z.string().trim()) }),
      }),
      layering: "fields",
    });
    await using chain = await openChain();
    setEnv(`${PREFIX}__password`, `  ${canary}  `);
    setEnv(`${PREFIX}__token`, canary);
    setEnv(`${PREFIX}__suffixed`, canary);
    setEnv(`${PREFIX}__creds`, JSON.stringify([{ pw: ` ${canary}` }]));
    await chain.openbao.set(KEY, { nested: { pw: ` ${canary} ` } });
    await chain.sqlite.set(KEY, { host: "h" });
    const current = await chain.manager.get(Trimmed);
    assert.equal(current.password, canary);
    await chain.manager.set(Trimmed, { ...current, host: "changed" }, {
      target: chain.sqlite,
    });
    assert.deepEqual(JSON.parse(chain.row()!), { host: "changed" });
    assert.deepEqual(await chain.manager.get(Trimmed), {
      ...current,
      host: "changed",
    });
  });

  it("set stores a changed secret in the target, and drops what the value leaves out", async () => {
    await using chain = await openChain();
    await fill(chain);
    const current = await chain.manager.get(Pg);
    const { pool: _pool, ...withoutPool } = current;
    await chain.manager.set(Pg, { ...withoutPool, password: "new-password" }, {
      target: chain.sqlite,
    });
    // The changed password is stored where asked; pool, left out, is no
    // longer SQLite's (OpenBao still gives its own).
    assert.deepEqual(JSON.parse(chain.row()!), {
      host: "primary.internal",
      password: "new-password",
      user: "app",
      tags: ["s1"],
    });
    assert.deepEqual((await chain.manager.get(Pg)).pool, { max: 99, idle: 30 });
  });

  it("set stores nothing while a source that may hold a field is unavailable", async () => {
    await using chain = await openChain();
    await fill(chain);
    const current = await chain.manager.get(Pg);
    const before = chain.row();
    chain.bao.seal();
    await assert.rejects(
      chain.manager.set(Pg, { ...current, user: "x" }, {
        target: chain.sqlite,
      }),
      (error: unknown) =>
        error instanceof SourceUnavailableError &&
        /nothing was stored: it may hold fields of "LayeredPg"/.test(
          error.message,
        ),
    );
    assert.equal(chain.row(), before);
  });

  it("getOrPrompt asks only for the fields no source has, and stores only those", async () => {
    await using chain = await openChain();
    setEnv(`${PREFIX}__host`, "env-host");
    await chain.openbao.set(KEY, { password: "bao-secret-password" });
    const { term, manager } = promptChain(chain);
    const value = await answered(term, manager.getOrPrompt(Pg), [
      ["? port", "6543"],
      ["? user", "asked-user"],
      ["? ssl", ""],
      ["? tags", ""],
      ["? pool.max", ""],
      ["? pool.idle", ""],
    ]);
    assert.deepEqual(
      [value.host, value.port, value.user, value.password],
      ["env-host", 6543, "asked-user", "bao-secret-password"],
    );
    // Asked for none of what the sources hold.
    assert.doesNotMatch(term.text, /\? host|\? password/);
    assert.match(term.text, /the fields the sources hold are not asked/);
    // Stored: the answers only; never the env host or the OpenBao secret.
    const row = JSON.parse(chain.row()!);
    assert.equal(row.user, "asked-user");
    assert.equal(row.port, 6543);
    assert.equal(row.host, undefined);
    assert.equal(row.password, undefined);
    assert.deepEqual(await manager.get(Pg), value);
  });

  it("getOrPrompt asks for a field named like an Object.prototype member (constructor, toString) that no source holds", async () => {
    const Named = defineConfig({
      key: "ProtoNamed",
      schema: z.object({
        host: z.string(),
        constructor: z.string(),
        toString: z.string(),
      }),
      layering: "fields",
    });
    const memory = new MemorySource({ ProtoNamed: { host: "held-host" } });
    const { manager, term } = promptingManager(memory);
    await using _ = manager;
    const value = await answered(term, manager.getOrPrompt(Named), [
      ["? constructor", "built"],
      ["? toString", "text"],
    ]);
    assert.deepEqual(
      [value.host, value.constructor, value.toString],
      ["held-host", "built", "text"],
    );
    assert.doesNotMatch(term.text, /\? host/);
  });

  it("getOrPrompt asks again for a field stored in the write target that fails, and refuses one that fails elsewhere", async () => {
    await using chain = await openChain();
    setEnv(`${PREFIX}__host`, "env-host");
    await chain.openbao.set(KEY, { password: "bao-secret-password" });
    await chain.sqlite.set(KEY, { user: 42, port: 1 }); // user fails
    const { term, manager } = promptChain(chain);
    const value = await answered(term, manager.getOrPrompt(Pg), [
      ["? user", "fixed-user"],
      ["? ssl", ""],
      ["? tags", ""],
      ["? pool.max", ""],
      ["? pool.idle", ""],
    ]);
    assert.equal(value.user, "fixed-user");
    assert.doesNotMatch(term.text, /\? port|\? host|\? password/);
    assert.deepEqual(JSON.parse(chain.row()!), { user: "fixed-user", port: 1 });

    setEnv(`${PREFIX}__port`, '"not a number"');
    await assert.rejects(
      manager.getOrPrompt(Pg),
      (error: unknown) =>
        error instanceof ConfigValidationError &&
        error.issues.some((i) =>
          i.path === "port" && i.source === `${PREFIX}__port`
        ),
    );
  });

  it("works with a third-party source that reads fields asynchronously", async () => {
    class RemoteFields implements ConfigSource {
      readonly name = "remote";
      readonly persists = false;
      asked: readonly FieldSpec[] = [];
      get(): Promise<unknown> {
        return Promise.resolve(undefined);
      }
      readFields(
        key: string,
        fields: readonly FieldSpec[],
      ): Promise<readonly FieldEntry[]> {
        this.asked = fields;
        return Promise.resolve([
          {
            path: ["host"],
            value: "remote-host",
            locator: `remote:${key}/host`,
          },
        ]);
      }
      set(): Promise<void> {
        return Promise.resolve();
      }
      delete(): Promise<boolean> {
        return Promise.resolve(false);
      }
      keys(): Promise<string[]> {
        return Promise.resolve([]);
      }
    }
    const remote = new RemoteFields();
    const manager = new ConfigManager([
      remote,
      new MemorySource({ [KEY]: { host: "mem", user: "u", password: "p" } }),
    ]);
    assert.equal((await manager.get(Pg)).host, "remote-host");
    assert.deepEqual(
      remote.asked.map((f) => [f.path.join("."), f.text]),
      [
        ["host", true],
        ["port", false],
        ["user", true],
        ["password", true],
        ["ssl", false],
        ["tags", false],
        ["pool", false],
        ["pool.max", false],
        ["pool.idle", false],
      ],
    );
  });

  it("never changes a value a source hands out, however often it is merged", async () => {
    const deepFreeze = <T>(value: T): T => {
      if (typeof value === "object" && value !== null) {
        Object.values(value).forEach(deepFreeze);
        Object.freeze(value);
      }
      return value;
    };
    // A source that hands out the very objects it keeps, frozen.
    const kept = deepFreeze({ host: "kept", pool: { max: 1 } });
    const others = deepFreeze({ user: "u", password: "p", pool: { idle: 2 } });
    const source = (name: string, value: unknown): ConfigSource => ({
      name,
      persists: false,
      get: () => Promise.resolve(value),
      getSync: () => value,
      set: () => Promise.resolve(),
      delete: () => Promise.resolve(false),
      keys: () => Promise.resolve([]),
    });
    const manager = new ConfigManager([
      new EnvSource({ env: { [`${PREFIX}__pool__max`]: "7" } }),
      source("first", kept),
      source("second", others),
    ]);
    for (let i = 0; i < 3; i++) {
      assert.deepEqual((await manager.get(Pg)).pool, { max: 7, idle: 2 });
      assert.equal((await manager.explain(Pg)).answeredBy, "env");
    }
    assert.deepEqual(kept, { host: "kept", pool: { max: 1 } });
    assert.deepEqual(others, { user: "u", password: "p", pool: { idle: 2 } });
  });

  it("defineConfig refuses fields mode for a schema that is not an object, or with migrate", () => {
    assert.throws(
      () => defineConfig({ key: "N", schema: z.number(), layering: "fields" }),
      /layering: "fields" \}\): the schema must be a z\.object\(\)/,
    );
    assert.throws(
      () =>
        defineConfig({
          key: "S",
          schema: secret(z.object({ a: z.string() })),
          layering: "fields",
        }),
      /marked secret as a whole/,
    );
    assert.throws(
      () =>
        defineConfig({
          key: "M",
          schema: z.object({ a: z.string() }),
          layering: "fields",
          migrate: (old) => old,
        }),
      /migrate\(\) upgrades one stored whole value/,
    );
    assert.equal(
      defineConfig({ key: "W", schema: z.number() }).layering,
      "whole",
    );
  });

  it("answers with the defaults when no source has anything, and says which field each default set", async () => {
    const Limits = defineConfig({
      key: "Limits",
      schema: z.object({
        retries: z.number().default(3),
        token: secret(z.string().default("dev")),
      }),
      layering: "fields",
    });
    const manager = new ConfigManager([
      new EnvSource({ env: {} }),
      new MemorySource(),
    ]);
    assert.deepEqual(await manager.get(Limits), { retries: 3, token: "dev" });
    const how = await manager.explain(Limits);
    assert.equal(how.answeredBy, "defaults");
    assert.deepEqual(how.leaves, [
      { path: "retries", source: "defaults", value: 3 },
      { path: "token", source: "defaults", value: "<redacted>" },
    ]);
    assert.deepEqual((await manager.resolve(Limits)).readFrom, manager.sources);
  });
});
