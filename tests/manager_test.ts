import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, test } from "node:test";
import { z } from "zod";
import {
  ConfigManager,
  ConfigNotFoundError,
  type ConfigSource,
  ConfigSourceError,
  ConfigValidationError,
  defineConfig,
  EnvSource,
  LocalFileSource,
  MemorySource,
  PromptSource,
  secret,
  SourceUnavailableError,
  SqliteSource,
} from "../mod.ts";
import { tempDir } from "./_helpers/temp.ts";

const Postgres = defineConfig({
  key: "PostgresConfig",
  schema: z.object({
    host: z.string(),
    port: z.number().int().default(5432),
    password: secret(z.string()),
  }),
});

/** A source that is down, as an OpenBao behind a dead network would be. */
class DownSource implements ConfigSource {
  readonly name = "store:down";
  readonly persists = true;
  calls = 0;
  get(): Promise<unknown> {
    this.calls++;
    return Promise.reject(
      new SourceUnavailableError(this.name, "connection refused"),
    );
  }
  set(): Promise<void> {
    return Promise.reject(
      new SourceUnavailableError(this.name, "connection refused"),
    );
  }
  delete(): Promise<boolean> {
    return Promise.resolve(false);
  }
  keys(): Promise<string[]> {
    return Promise.resolve([]);
  }
}

describe("ConfigManager", () => {
  test("env overrides SQLite; SQLite answers when env has nothing", async () => {
    await using dir = await tempDir();
    const env: Record<string, string | undefined> = {};
    await using manager = new ConfigManager([
      new EnvSource({ env }),
      await SqliteSource.open(join(dir.path, "c.db")),
    ]);
    await manager.set(Postgres, { host: "sqlite-db", password: "p" });
    assert.equal((await manager.get(Postgres)).host, "sqlite-db");
    env.HARMONY_CONFIG_PostgresConfig = '{"host":"env-db","password":"e"}';
    assert.deepEqual(await manager.get(Postgres), {
      host: "env-db",
      port: 5432,
      password: "e",
    });
  });

  test("the first source answers with its whole value; fields are never merged", async () => {
    await using manager = new ConfigManager([
      new MemorySource({ PostgresConfig: { host: "first", password: "1" } }),
      new MemorySource({
        PostgresConfig: { host: "second", port: 1, password: "2" },
      }),
    ]);
    assert.deepEqual(await manager.get(Postgres), {
      host: "first",
      port: 5432,
      password: "1",
    });
  });

  test("a missing key throws ConfigNotFoundError naming the key, env var and sources", async () => {
    await using manager = new ConfigManager([
      new EnvSource({ env: {} }),
      new MemorySource(),
    ]);
    await assert.rejects(manager.get(Postgres), (error) => {
      assert.ok(error instanceof ConfigNotFoundError);
      assert.equal(error.key, "PostgresConfig");
      assert.deepEqual(error.searched, ["env", "memory"]);
      assert.match(error.message, /set HARMONY_CONFIG_PostgresConfig/);
      return true;
    });
  });

  test("an old stored shape is a ConfigValidationError, never skipped (branch switching)", async () => {
    await using dir = await tempDir();
    await using manager = new ConfigManager([
      await SqliteSource.open(join(dir.path, "c.db")),
      new MemorySource({ PostgresConfig: { host: "fallback", password: "f" } }),
    ]);
    const sqlite = manager.sources[0]!;
    await sqlite.set("PostgresConfig", {
      hostname: "old-shape",
      port: "5432",
      pass: "CANARY-OLD",
    });
    await assert.rejects(manager.get(Postgres), (error) => {
      assert.ok(error instanceof ConfigValidationError);
      assert.equal(error.source, `${join(dir.path, "c.db")}#PostgresConfig`);
      assert.deepEqual(
        error.issues.map((issue) => issue.path).sort(),
        ["host", "password", "port"],
      );
      assert.ok(!error.message.includes("CANARY-OLD"));
      assert.ok(!error.message.includes("old-shape"));
      return true;
    });
  });

  test("the fix fits the source: change an env var, correct a stored value; custom prefixes are named", async () => {
    const Port = defineConfig({ key: "Port", schema: z.number() });
    await using fromEnv = new ConfigManager([
      new EnvSource({ prefix: "APP_", env: { APP_Port: '"x"' } }),
    ]);
    await assert.rejects(
      fromEnv.get(Port),
      /: change APP_Port to match the schema$/,
    );
    await using fromStore = new ConfigManager([
      new MemorySource({ Port: "x" }),
    ]);
    await assert.rejects(
      fromStore.get(Port),
      /correct or delete the value at memory:Port, or add a migrate\(\) to the definition of "Port"$/,
    );
    await using empty = new ConfigManager([
      new EnvSource({ prefix: "APP_", env: {} }),
    ]);
    // The fix is built from the chain: no PromptSource, no getOrPrompt hint.
    await assert.rejects(empty.get(Port), /: set APP_Port$/);
    await using prompting = new ConfigManager([
      new EnvSource({ prefix: "APP_", env: {} }),
      new MemorySource(),
      new PromptSource(),
    ]);
    await assert.rejects(
      prompting.get(Port),
      /: set APP_Port, store one with set\(\) or run getOrPrompt in a terminal$/,
    );
    await using memoryOnly = new ConfigManager([new MemorySource()]);
    await assert.rejects(memoryOnly.get(Port), /: store one with set\(\)$/);
  });

  test("migrate upgrades an old shape; get writes it back, explain only reports it", async () => {
    const Server = defineConfig({
      key: "Server",
      schema: z.object({ url: z.string().url() }),
      migrate: (old) => {
        const { host, port } = old as { host: string; port: number };
        return { url: `http://${host}:${port}` };
      },
    });
    const store = new MemorySource({ Server: { host: "a", port: 80 } });
    await using manager = new ConfigManager([store]);
    const before = await manager.explain(Server);
    assert.equal(before.steps[0]?.status, "migrated");
    assert.equal(before.steps[0]?.reason, "migrated; get() writes it back");
    assert.equal(before.answeredBy, "memory");
    assert.deepEqual(await store.get("Server"), { host: "a", port: 80 });
    assert.deepEqual(await manager.get(Server), { url: "http://a:80" });
    assert.deepEqual(await store.get("Server"), { url: "http://a:80" });
    assert.equal((await manager.explain(Server)).steps[0]?.status, "hit");
  });

  test("a write-back that fails never fails the read; the next read migrates again", async () => {
    const Port = defineConfig({
      key: "Port",
      schema: z.number(),
      migrate: (old) => Number(old),
    });
    const inner = new MemorySource({ Port: "80" });
    const readOnly: ConfigSource = {
      name: "read-only",
      persists: true,
      get: (key) => inner.get(key),
      set: () =>
        Promise.reject(new ConfigSourceError("read-only refuses writes")),
      delete: () => Promise.resolve(false),
      keys: () => inner.keys(),
    };
    await using manager = new ConfigManager([readOnly]);
    assert.equal(await manager.get(Port), 80);
    assert.equal(await manager.get(Port), 80);
    assert.equal(await inner.get("Port"), "80");
  });

  test("explain says when migrate() threw or returned an invalid value", async () => {
    const Throws = defineConfig({
      key: "Throws",
      schema: z.number(),
      migrate: () => {
        throw new TypeError("CANARY-MIGRATE cannot read");
      },
    });
    const Wrong = defineConfig({
      key: "Wrong",
      schema: z.number(),
      migrate: () => "still text",
    });
    await using manager = new ConfigManager([
      new MemorySource({ Throws: "x", Wrong: "x" }),
    ]);
    const threw = await manager.explain(Throws);
    assert.equal(threw.steps[0]?.status, "invalid");
    assert.equal(threw.steps[0]?.reason, "migrate() threw TypeError");
    assert.ok(!JSON.stringify(threw).includes("CANARY"));
    const wrong = await manager.explain(Wrong);
    assert.equal(
      wrong.steps[0]?.reason,
      "migrate() returned a value that fails the schema too",
    );
  });

  test("set stores what the schema reads back, even through a transform", async () => {
    const Db = defineConfig({
      key: "Db",
      schema: z.object({
        port: z.string().transform(Number),
        host: z.string().default("localhost"),
      }),
    });
    const store = new MemorySource();
    await using manager = new ConfigManager([store]);
    assert.deepEqual(await manager.set(Db, { port: "5432" }), {
      port: 5432,
      host: "localhost",
    });
    assert.deepEqual(await store.get("Db"), { port: "5432" });
    assert.deepEqual(await manager.get(Db), { port: 5432, host: "localhost" });
    // Without a transform, the parsed value, defaults filled, is what is stored.
    await manager.set(Postgres, { host: "h", password: "p" });
    assert.deepEqual(await store.get("PostgresConfig"), {
      host: "h",
      port: 5432,
      password: "p",
    });
  });

  test("a source that fails to close gives a typed error naming how many", async () => {
    const failing: ConfigSource = {
      name: "failing",
      persists: false,
      get: () => Promise.resolve(undefined),
      set: () => Promise.resolve(),
      delete: () => Promise.resolve(false),
      keys: () => Promise.resolve([]),
      close: () => Promise.reject(new Error("handle stuck")),
    };
    const manager = new ConfigManager([failing, new MemorySource()]);
    await assert.rejects(manager.close(), (error) => {
      assert.ok(error instanceof ConfigSourceError);
      assert.match(error.message, /^1 of 2 sources failed to close/);
      return true;
    });
  });

  test("a migration that fails leaves the original error and the stored value", async () => {
    const Strict = defineConfig({
      key: "Strict",
      schema: z.number(),
      migrate: () => {
        throw new Error("cannot migrate");
      },
    });
    const store = new MemorySource({ Strict: "not a number" });
    await using manager = new ConfigManager([store]);
    await assert.rejects(manager.get(Strict), ConfigValidationError);
    assert.equal(await store.get("Strict"), "not a number");
  });

  test("a config with full defaults needs no setup, and explain says defaults answered", async () => {
    const Ui = defineConfig({
      key: "Ui",
      schema: z.object({
        theme: z.string().default("dark"),
        size: z.number().default(3),
      }),
    });
    const WholeDefault = defineConfig({
      key: "Whole",
      schema: z.string().default("x"),
    });
    await using manager = new ConfigManager([new EnvSource({ env: {} })]);
    assert.deepEqual(await manager.get(Ui), { theme: "dark", size: 3 });
    assert.equal(await manager.get(WholeDefault), "x");
    const how = await manager.explain(Ui);
    assert.equal(how.answeredBy, "defaults");
    assert.deepEqual(how.steps.map((s) => s.status), ["miss"]);
  });

  test("set validates first, then writes the parsed value to the first source that persists", async () => {
    const env: Record<string, string | undefined> = {};
    const first = new MemorySource();
    const second = new MemorySource();
    await using manager = new ConfigManager([
      new EnvSource({ env }),
      first,
      second,
    ]);
    const stored = await manager.set(Postgres, { host: "h", password: "p" });
    assert.deepEqual(stored, { host: "h", port: 5432, password: "p" });
    assert.deepEqual(await first.get("PostgresConfig"), stored);
    assert.equal(await second.get("PostgresConfig"), undefined);
    assert.equal(env.HARMONY_CONFIG_PostgresConfig, undefined);
    await assert.rejects(
      manager.set(Postgres, { host: 1, password: "CANARY-SET" } as never),
      (error) => {
        assert.ok(error instanceof ConfigValidationError);
        assert.ok(!error.message.includes("CANARY-SET"));
        return true;
      },
    );
    assert.deepEqual(await first.get("PostgresConfig"), stored);
  });

  test("set with no persisting source throws a typed error naming the chain", async () => {
    await using manager = new ConfigManager([new EnvSource({ env: {} })]);
    await assert.rejects(
      manager.set(Postgres, { host: "h", password: "p" }),
      (error) => {
        assert.ok(error instanceof ConfigSourceError);
        assert.match(error.message, /no source in the chain \[env\] persists/);
        return true;
      },
    );
  });

  test("delete removes the key from every source that persists", async () => {
    await using dir = await tempDir();
    const file = new LocalFileSource(dir.path);
    const memory = new MemorySource();
    await using manager = new ConfigManager([memory, file]);
    await file.set("PostgresConfig", { host: "f", password: "p" });
    await memory.set("PostgresConfig", { host: "m", password: "p" });
    assert.equal(await manager.delete(Postgres), true);
    assert.equal(await file.get("PostgresConfig"), undefined);
    assert.equal(await memory.get("PostgresConfig"), undefined);
    assert.equal(await manager.delete(Postgres), false);
  });

  test("explain reports every source in order, the winner, and redacts secrets", async () => {
    await using dir = await tempDir();
    const env = {
      HARMONY_CONFIG_PostgresConfig: '{"host":"e","password":"CANARY-E"}',
    };
    const sqlite = await SqliteSource.open(join(dir.path, "c.db"));
    await sqlite.set("PostgresConfig", { host: "s", password: "CANARY-S" });
    await using manager = new ConfigManager([
      new EnvSource({ env }),
      sqlite,
      new LocalFileSource(dir.path),
    ]);
    const how = await manager.explain(Postgres);
    assert.equal(how.answeredBy, "env");
    assert.deepEqual(how.steps.map((s) => [s.status, s.winner]), [
      ["hit", true],
      ["hit", false],
      ["miss", false],
    ]);
    assert.equal(how.steps[0]?.locator, "HARMONY_CONFIG_PostgresConfig");
    assert.equal(
      how.steps[1]?.locator,
      `${join(dir.path, "c.db")}#PostgresConfig`,
    );
    assert.match(how.steps[1]?.updatedAt ?? "", /^\d{4}-/);
    assert.equal(how.steps[2]?.locator, join(dir.path, "PostgresConfig.json"));
    const text = JSON.stringify(how);
    assert.ok(!text.includes("CANARY"));
    assert.deepEqual(how.value, {
      host: "e",
      port: 5432,
      password: "<redacted>",
    });
  });

  test("explain never throws for what a source says; it reports the error get would throw", async () => {
    await using manager = new ConfigManager([
      new EnvSource({ env: { HARMONY_CONFIG_PostgresConfig: "{bad CANARY" } }),
      new MemorySource({ PostgresConfig: { host: "m", password: "p" } }),
    ]);
    const how = await manager.explain(Postgres);
    assert.equal(how.answeredBy, undefined);
    assert.match(how.error ?? "", /Invalid JSON/);
    assert.deepEqual(how.steps.map((s) => s.status), ["invalid", "hit"]);
    assert.ok(!JSON.stringify(how).includes("CANARY"));
  });

  test("an unavailable source falls through, and both explain and the error say so", async () => {
    const down = new DownSource();
    await using manager = new ConfigManager([
      down,
      new MemorySource({ PostgresConfig: { host: "local", password: "p" } }),
    ]);
    assert.equal((await manager.get(Postgres)).host, "local");
    const how = await manager.explain(Postgres);
    assert.deepEqual(how.steps[0], {
      source: "store:down",
      status: "unavailable",
      reason: "connection refused",
      winner: false,
    });
    await using empty = new ConfigManager([down]);
    await assert.rejects(empty.get(Postgres), (error) => {
      assert.ok(error instanceof ConfigNotFoundError);
      assert.match(
        error.message,
        /store:down is unavailable: connection refused/,
      );
      return true;
    });
  });

  test("any other source failure is thrown, not skipped", async () => {
    const broken: ConfigSource = {
      name: "broken",
      persists: false,
      get: () =>
        Promise.reject(
          new ConfigSourceError("broken failed", { source: "broken" }),
        ),
      set: () => Promise.resolve(),
      delete: () => Promise.resolve(false),
      keys: () => Promise.resolve([]),
    };
    await using manager = new ConfigManager([broken, new MemorySource()]);
    await assert.rejects(manager.get(Postgres), ConfigSourceError);
  });

  test("close closes every source once, and a closed manager refuses work", async () => {
    await using dir = await tempDir();
    const sqlite = await SqliteSource.open(join(dir.path, "c.db"));
    const manager = new ConfigManager([sqlite]);
    await manager.close();
    await manager.close();
    await assert.rejects(sqlite.get("A"), /closed/);
    await assert.rejects(manager.get(Postgres), /closed/);
  });

  test("get's synchronous path and the full path agree on every outcome", async () => {
    /** A source that only reads asynchronously, as a network store does. */
    const asyncOnly = (initial: Record<string, unknown>): ConfigSource => {
      const inner = new MemorySource(initial);
      return {
        name: "async-only",
        persists: false,
        get: (key) => inner.get(key),
        set: (key, value) => inner.set(key, value),
        delete: (key) => inner.delete(key),
        keys: () => inner.keys(),
      };
    };
    const Port = defineConfig({ key: "Port", schema: z.number().int() });
    const value = { Port: 1 };
    const chains: [string, ConfigSource[]][] = [
      ["sync sources only", [
        new EnvSource({ env: {} }),
        new MemorySource(value),
      ]],
      ["an async source first", [asyncOnly({}), new MemorySource(value)]],
      ["an async source answering", [
        new EnvSource({ env: {} }),
        asyncOnly(value),
      ]],
    ];
    for (const [name, sources] of chains) {
      await using manager = new ConfigManager(sources);
      assert.equal(await manager.get(Port), 1, name);
      assert.equal((await manager.explain(Port)).value, 1, name);
    }
    // Outcomes the synchronous path leaves to the full one.
    await using invalid = new ConfigManager([new MemorySource({ Port: 1.5 })]);
    await assert.rejects(invalid.get(Port), ConfigValidationError);
    await using missing = new ConfigManager([new MemorySource()]);
    await assert.rejects(missing.get(Port), ConfigNotFoundError);
    // Errors reject the promise; nothing is thrown synchronously.
    const pending = missing.get(
      defineConfig({ key: "Other", schema: z.string() }),
    );
    assert.ok(pending instanceof Promise);
    await assert.rejects(pending, ConfigNotFoundError);
    await missing.close();
    const closed = missing.get(Port);
    await assert.rejects(closed, /closed/);
  });

  test("async refinements and transforms validate", async () => {
    const Url = defineConfig({
      key: "Url",
      schema: z.string().refine(
        (s) => Promise.resolve(s.startsWith("https://")),
        "must use https",
      )
        .transform((s) => new URL(s).host),
    });
    await using manager = new ConfigManager([
      new MemorySource({ Url: "https://example.test/x" }),
    ]);
    assert.equal(await manager.get(Url), "example.test");
  });
});
