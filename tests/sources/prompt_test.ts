import assert from "node:assert/strict";
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
  MemorySource,
  PromptCancelledError,
  PromptSource,
  secret,
  SourceUnavailableError,
  SqliteSource,
} from "../../mod.ts";
import { describeFields } from "../../_internal/prompt/fields.ts";
import { skeleton } from "../../_internal/prompt/skeleton.ts";
import { FakeTerminal, KEY } from "../_helpers/fake_terminal.ts";
import { baseEnv, runFixture } from "../_helpers/subprocess.ts";
import { tempDir } from "../_helpers/temp.ts";
import { promptingManager } from "../_helpers/prompting.ts";
import { rejection } from "../_helpers/rejection.ts";

const noTtyFixture = new URL("../_fixtures/prompt_no_tty.ts", import.meta.url);

/** The least Deno permissions the no-terminal fixture needs. */
function noTtyFlags(dataDir: string): string[] {
  return [
    "--no-prompt",
    "--allow-env=HARMONY_*,XDG_DATA_HOME,HOME",
    `--allow-read=${dataDir}`,
    `--allow-write=${dataDir}`,
  ];
}

describe("PromptSource", () => {
  test("always returns none (Rust test_prompt_source_always_returns_none)", async () => {
    const source = new PromptSource();
    assert.equal(await source.get("Anything"), undefined);
    assert.equal(await source.get("PostgresConfig"), undefined);
  });

  test("set is a no-op (Rust test_prompt_source_set_is_noop)", async () => {
    const source = new PromptSource();
    await source.set("Key", { a: 1 });
    assert.equal(await source.get("Key"), undefined);
    assert.deepEqual(await source.keys(), []);
    assert.equal(await source.delete("Key"), false);
  });

  test("does not persist (Rust test_prompt_source_does_not_persist)", () => {
    assert.equal(new PromptSource().persists, false);
    assert.equal(new PromptSource().name, "prompt");
  });

  test("an injected input stream counts as a terminal", () => {
    const term = new FakeTerminal();
    assert.ok(new PromptSource({ input: term.input }).isInteractive());
  });
});

describe("getOrPrompt resolution", () => {
  test("an answer through a transform stores the typed input, which reads back", async () => {
    const Port = defineConfig({
      key: "Port",
      schema: z.object({ port: z.string().describe("Port").transform(Number) }),
    });
    const store = new MemorySource();
    const { manager, term } = promptingManager(store);
    await using _ = manager;
    const pending = manager.getOrPrompt(Port);
    await term.answer("port: Port", "8080");
    assert.deepEqual(await pending, { port: 8080 });
    assert.deepEqual(await store.get("Port"), { port: "8080" });
    assert.deepEqual(await manager.get(Port), { port: 8080 });
  });

  test("asks nothing when the source the answer would be saved to is unavailable", async () => {
    const Name = defineConfig({ key: "Name", schema: z.string() });
    const down: ConfigSource = {
      name: "store:down",
      persists: true,
      get: () =>
        Promise.reject(new SourceUnavailableError("store:down", "sealed")),
      set: () =>
        Promise.reject(new SourceUnavailableError("store:down", "sealed")),
      delete: () => Promise.resolve(false),
      keys: () => Promise.resolve([]),
    };
    const { manager, term } = promptingManager(down, new MemorySource());
    await using _ = manager;
    await assert.rejects(manager.getOrPrompt(Name), (error) => {
      assert.ok(error instanceof SourceUnavailableError);
      assert.equal(error.source, "store:down");
      assert.match(error.message, /sealed; nothing was asked/);
      return true;
    });
    assert.equal(term.raw, "");
  });

  test("full chain with PromptSource falls through to the prompt, persists to SQLite, and asks nothing next time (Rust chain test)", async () => {
    await using dir = await tempDir();
    const Server = defineConfig({
      key: "Server",
      schema: z.object({ host: z.string().describe("Server host") }),
    });
    const path = join(dir.path, "config.db");
    {
      const { manager, term } = promptingManager(
        new EnvSource({ env: {} }),
        await SqliteSource.open(path),
      );
      await using _ = manager;
      const pending = manager.getOrPrompt(Server);
      await term.answer("host: Server host", "example.org");
      assert.deepEqual(await pending, { host: "example.org" });
      assert.equal(
        (await manager.explain(Server)).answeredBy,
        `sqlite:${path}`,
      );
    }
    const { manager, term } = promptingManager(
      new EnvSource({ env: {} }),
      await SqliteSource.open(path),
    );
    await using _ = manager;
    assert.deepEqual(await manager.getOrPrompt(Server), {
      host: "example.org",
    });
    assert.equal(term.text, "", "nothing is asked on the second run");
  });

  test("an env var that is set answers first and nothing is asked", async () => {
    const Port = defineConfig({ key: "Port", schema: z.number() });
    const memory = new MemorySource();
    const { manager, term } = promptingManager(
      new EnvSource({ env: { HARMONY_CONFIG_Port: "9090" } }),
      memory,
    );
    assert.equal(await manager.getOrPrompt(Port), 9090);
    assert.equal(term.text, "");
    assert.deepEqual(await memory.keys(), [], "an env answer is not stored");
  });

  test("defaults that satisfy the schema answer without a prompt", async () => {
    const Ui = defineConfig({
      key: "Ui",
      schema: z.object({ theme: z.string().default("dark") }),
    });
    const { manager, term } = promptingManager(new MemorySource());
    assert.deepEqual(await manager.getOrPrompt(Ui), { theme: "dark" });
    assert.equal(term.text, "");
  });

  test("a chain without PromptSource throws ConfigNotFoundError", async () => {
    const Name = defineConfig({ key: "Name", schema: z.string() });
    const manager = new ConfigManager([new MemorySource()]);
    await assert.rejects(manager.getOrPrompt(Name), ConfigNotFoundError);
  });

  test("the answer is written to the first source that persists", async () => {
    const Name = defineConfig({ key: "Name", schema: z.string() });
    const first = new MemorySource();
    const second = new MemorySource();
    const { manager, term } = promptingManager(
      new EnvSource({ env: {} }),
      first,
      second,
    );
    const pending = manager.getOrPrompt(Name);
    await term.answer("Name", "harmony");
    assert.equal(await pending, "harmony");
    assert.equal(await first.get("Name"), "harmony");
    assert.equal(await second.get("Name"), undefined);
  });

  test("a migrate() that fixes the stored value means no prompt", async () => {
    const Server = defineConfig({
      key: "Server",
      schema: z.object({ url: z.string() }),
      migrate: (old) => ({ url: `http://${(old as { host: string }).host}` }),
    });
    const memory = new MemorySource({ Server: { host: "a" } });
    const { manager, term } = promptingManager(memory);
    assert.deepEqual(await manager.getOrPrompt(Server), { url: "http://a" });
    assert.equal(term.text, "");
  });
});

describe("prompts come from the schema", () => {
  test("string is an input, and the message comes from .describe()", async () => {
    const Name = defineConfig({
      key: "Name",
      schema: z.object({ name: z.string().describe("Your name") }),
    });
    const { manager, term } = promptingManager(new MemorySource());
    const pending = manager.getOrPrompt(Name);
    await term.answer("? name: Your name", "Ada");
    assert.deepEqual(await pending, { name: "Ada" });
  });

  test("the message comes from meta({ title, description }), else the field name", () => {
    const plan = describeFields(
      z.object({
        a: z.string().meta({ title: "Alpha", description: "The first" }),
        b: z.string().optional().describe("Outer"),
        c: z.string(),
      }),
      "K",
    );
    assert.deepEqual(plan.fields.map((f) => f.message), [
      "a: Alpha — The first",
      "b: Outer",
      "c",
    ]);
  });

  test("a schema that is not an object is one prompt labelled with the key", async () => {
    const Token = defineConfig({ key: "Token", schema: z.string().min(3) });
    const memory = new MemorySource();
    const { manager, term } = promptingManager(memory);
    const pending = manager.getOrPrompt(Token);
    await term.answer("? Token", "abcd");
    assert.equal(await pending, "abcd");
    assert.equal(await memory.get("Token"), "abcd");
  });

  test("number respects min and max, and int rejects fractions; each is asked again", async () => {
    const Pool = defineConfig({
      key: "Pool",
      schema: z.object({
        size: z.number().int().min(1).max(10),
        ratio: z.number().min(0).max(1),
      }),
    });
    const { manager, term } = promptingManager(new MemorySource());
    const pending = manager.getOrPrompt(Pool);
    await term.answer("? size", "11");
    await term.waitFor("between 1 and 10");
    term.type(KEY.backspace.repeat(2) + "2.5" + KEY.enter);
    await term.waitFor("multiple of 1");
    term.type(KEY.backspace.repeat(3) + "4" + KEY.enter);
    await term.answer("? ratio", "0.25");
    assert.deepEqual(await pending, { size: 4, ratio: 0.25 });
  });

  test("boolean is a confirm", async () => {
    const Flags = defineConfig({
      key: "Flags",
      schema: z.object({ debug: z.boolean(), quiet: z.boolean() }),
    });
    const { manager, term } = promptingManager(new MemorySource());
    const pending = manager.getOrPrompt(Flags);
    await term.answer("? debug (y/N)", "y");
    await term.answer("? quiet (y/N)", "n");
    assert.deepEqual(await pending, { debug: true, quiet: false });
  });

  test("enum and union of literals are selects", async () => {
    const Deploy = defineConfig({
      key: "Deploy",
      schema: z.object({
        env: z.enum(["dev", "staging", "prod"]),
        level: z.union([z.literal(1), z.literal(2), z.literal(3)]),
      }),
    });
    const { manager, term } = promptingManager(new MemorySource());
    const pending = manager.getOrPrompt(Deploy);
    await term.waitFor("? env");
    await term.waitFor("prod");
    term.type(KEY.down + KEY.down + KEY.enter);
    await term.waitFor("? level");
    await term.waitFor("3");
    term.type(KEY.down + KEY.enter);
    assert.deepEqual(await pending, { env: "prod", level: 2 });
  });

  test("optional fields may be left empty and are left out", async () => {
    const Profile = defineConfig({
      key: "Profile",
      schema: z.object({
        name: z.string(),
        nickname: z.string().optional(),
        age: z.number().int().optional(),
        tags: z.array(z.string()).optional(),
      }),
    });
    const { manager, term } = promptingManager(new MemorySource());
    const pending = manager.getOrPrompt(Profile);
    await term.answer("? name", "Ada");
    await term.answer("? nickname", "");
    await term.answer("? age", "");
    await term.answer("? tags", "");
    assert.deepEqual(await pending, { name: "Ada" });
  });

  test("a required field left empty is asked again", async () => {
    const Name = defineConfig({
      key: "Name",
      schema: z.object({ name: z.string() }),
    });
    const { manager, term } = promptingManager(new MemorySource());
    const pending = manager.getOrPrompt(Name);
    await term.answer("? name", "");
    await term.waitFor("A value is required");
    term.type("Ada" + KEY.enter);
    assert.deepEqual(await pending, { name: "Ada" });
  });

  test("defaults are pre-filled and Enter keeps them", async () => {
    const Db = defineConfig({
      key: "Db",
      schema: z.object({
        host: z.string().default("localhost"),
        port: z.number().int().default(5432),
        tls: z.boolean().default(true),
        mode: z.enum(["a", "b"]).default("b"),
        tags: z.array(z.string()).default(["x", "y"]),
        name: z.string(),
      }),
    });
    const { manager, term } = promptingManager(new MemorySource());
    const pending = manager.getOrPrompt(Db);
    await term.answer("? host (localhost)", "");
    await term.answer("? port (5432)", "");
    await term.answer("? tls (Y/n)", "");
    await term.waitFor("? mode");
    await term.waitFor("❯ b");
    term.type(KEY.enter);
    await term.answer("? tags (comma-separated) (x, y)", "");
    await term.answer("? name", "main");
    assert.deepEqual(await pending, {
      host: "localhost",
      port: 5432,
      tls: true,
      mode: "b",
      tags: ["x", "y"],
      name: "main",
    });
  });

  test("a secret is a masked password and never reaches the output stream", async () => {
    const Login = defineConfig({
      key: "Login",
      schema: z.object({
        user: z.string(),
        password: secret(z.string().min(12)).describe("Password"),
      }),
    });
    const memory = new MemorySource();
    const { manager, term } = promptingManager(memory);
    const pending = manager.getOrPrompt(Login);
    await term.answer("? user", "ada");
    await term.answer("? password: Password", "tooshort");
    await term.waitFor("Too small");
    term.type(KEY.backspace.repeat(8) + "correct-horse-battery" + KEY.enter);
    assert.deepEqual(await pending, {
      user: "ada",
      password: "correct-horse-battery",
    });
    assert.ok(term.text.includes("*****"), "typing shows a mask");
    for (const fragment of ["tooshort", "correct", "horse", "battery"]) {
      assert.ok(!term.raw.includes(fragment), `output holds "${fragment}"`);
    }
    // Ctrl-T would reveal a masked answer in inquirer; it is turned off.
    assert.ok(!term.text.includes("toggle visibility"));
  });

  test("nested objects are one prompt per field, labelled with the dotted path", async () => {
    const App = defineConfig({
      key: "App",
      schema: z.object({
        db: z.object({
          host: z.string(),
          auth: z.object({ user: z.string(), password: secret(z.string()) }),
        }),
        cache: z.object({ ttl: z.number() }).optional(),
      }),
    });
    const { manager, term } = promptingManager(new MemorySource());
    const pending = manager.getOrPrompt(App);
    await term.answer("? db.host", "h");
    await term.answer("? db.auth.user", "u");
    await term.answer("? db.auth.password", "p4ss");
    await term.answer("? cache.ttl", "");
    assert.deepEqual(await pending, {
      db: { host: "h", auth: { user: "u", password: "p4ss" } },
    });
  });

  test("arrays of primitives are comma-separated and validated per element", async () => {
    const Net = defineConfig({
      key: "Net",
      schema: z.object({
        ports: z.array(z.number().int().min(1)).min(1),
        names: z.array(z.string()),
        modes: z.array(z.enum(["r", "w"])),
      }),
    });
    const { manager, term } = promptingManager(new MemorySource());
    const pending = manager.getOrPrompt(Net);
    await term.answer("? ports (comma-separated)", "80, x");
    await term.waitFor("Item 2:");
    term.type(KEY.backspace.repeat(5) + "80, 443" + KEY.enter);
    await term.answer("? names (comma-separated)", "a,b , c");
    await term.answer("? modes (comma-separated)", "r, z");
    await term.waitFor("Item 2:");
    term.type(KEY.backspace + "w" + KEY.enter);
    assert.deepEqual(await pending, {
      ports: [80, 443],
      names: ["a", "b", "c"],
      modes: ["r", "w"],
    });
  });

  test("an answer that fails the field's schema is asked again with zod's message", async () => {
    const User = defineConfig({
      key: "User",
      schema: z.object({ email: z.email() }),
    });
    const { manager, term } = promptingManager(new MemorySource());
    const pending = manager.getOrPrompt(User);
    await term.answer("? email", "nope");
    await term.waitFor("Invalid email address");
    term.type(KEY.backspace.repeat(4) + "a@b.co" + KEY.enter);
    assert.deepEqual(await pending, { email: "a@b.co" });
  });

  test("the whole value is validated again, and the fields it names are asked again", async () => {
    const Range = defineConfig({
      key: "Range",
      schema: z.object({ low: z.number(), high: z.number() }).refine(
        (r) => r.low <= r.high,
        { message: "high must not be below low", path: ["high"] },
      ),
    });
    const memory = new MemorySource();
    const { manager, term } = promptingManager(memory);
    const pending = manager.getOrPrompt(Range);
    await term.answer("? low", "5");
    await term.answer("? high", "1");
    await term.waitFor("high must not be below low");
    await term.answer("? high", "9");
    assert.deepEqual(await pending, { low: 5, high: 9 });
    assert.deepEqual(await memory.get("Range"), { low: 5, high: 9 });
  });
});

describe("cancelling", () => {
  test("Ctrl-C throws PromptCancelledError and nothing is persisted", async () => {
    const Pair = defineConfig({
      key: "Pair",
      schema: z.object({ a: z.string(), b: z.string() }),
    });
    const memory = new MemorySource();
    const { manager, term } = promptingManager(memory);
    const pending = manager.getOrPrompt(Pair);
    await term.answer("? a", "first");
    await term.waitFor("? b");
    term.type(KEY.ctrlC);
    const error = await rejection(pending);
    assert.ok(error instanceof PromptCancelledError);
    assert.ok(error instanceof ConfigError);
    assert.equal(error.key, "Pair");
    assert.deepEqual(await memory.keys(), []);
  });

  test("closed input throws PromptCancelledError and nothing is persisted", async () => {
    const Pair = defineConfig({
      key: "Pair",
      schema: z.object({ a: z.string(), b: z.string() }),
    });
    const memory = new MemorySource();
    const { manager, term } = promptingManager(memory);
    const pending = manager.getOrPrompt(Pair);
    await term.waitFor("? a");
    term.input.end();
    await assert.rejects(pending, PromptCancelledError);
    assert.deepEqual(await memory.keys(), []);
  });
});

describe("a stored value that no longer matches the schema", () => {
  test("in a terminal: says which paths, asks again with still-valid fields as defaults, and overwrites where it was stored", async () => {
    await using dir = await tempDir();
    const Db = defineConfig({
      key: "Db",
      schema: z.object({
        host: z.string(),
        port: z.number().int(),
        password: secret(z.string()),
      }),
    });
    const sqlite = await SqliteSource.open(join(dir.path, "config.db"));
    // A branch switch left a string port behind; the secret is still valid.
    await sqlite.set("Db", {
      host: "db.internal",
      port: "fivefourthreetwo",
      password: "stored-secret-1",
    });
    const front = new MemorySource();
    const { manager, term } = promptingManager(
      new EnvSource({ env: {} }),
      front,
      sqlite,
    );
    await using _ = manager;
    const pending = manager.getOrPrompt(Db);
    await term.waitFor("no longer matches");
    await term.answer("? host (db.internal)", "");
    await term.answer("? port", "5432");
    await term.answer("keep the current value", "");
    assert.deepEqual(await pending, {
      host: "db.internal",
      port: 5432,
      password: "stored-secret-1",
    });
    const notice = term.text.split("\n").find((line) =>
      line.includes("no longer matches")
    );
    assert.ok(notice?.includes("port"), notice);
    for (
      const value of ["fivefourthreetwo", "stored-secret-1", "db.internal"]
    ) {
      assert.ok(!notice?.includes(value), "the notice names paths, not values");
    }
    assert.ok(!term.raw.includes("stored-secret-1"));
    assert.deepEqual(await sqlite.get("Db"), {
      host: "db.internal",
      port: 5432,
      password: "stored-secret-1",
    });
    assert.deepEqual(await front.keys(), [], "written where it was stored");
  });

  test("an invalid env var is not asked for: the env var must be fixed", async () => {
    const Port = defineConfig({ key: "Port", schema: z.number() });
    const { manager, term } = promptingManager(
      new EnvSource({ env: { HARMONY_CONFIG_Port: '"x"' } }),
      new MemorySource(),
    );
    await assert.rejects(manager.getOrPrompt(Port), {
      name: "ConfigValidationError",
    });
    assert.equal(term.text, "");
  });
});

describe("no terminal", () => {
  test("a missing value throws PromptUnavailableError naming the env var and a skeleton, without hanging", async () => {
    await using dir = await tempDir();
    const result = await runFixture(noTtyFixture, [], {
      denoFlags: noTtyFlags(dir.path),
      env: baseEnv({ HARMONY_DATA_DIR: dir.path }),
    });
    assert.equal(result.code, 0, result.stderr);
    const out = JSON.parse(result.stdout);
    assert.equal(out.thrown, "PromptUnavailableError");
    assert.match(out.message, /HARMONY_CONFIG_PromptDb/);
    assert.equal(
      out.skeleton,
      '{"host":"<string>","port":5432,"password":"<secret>"}',
    );
  });

  test("a stored value that fails the schema throws ConfigValidationError", async () => {
    await using dir = await tempDir();
    const result = await runFixture(noTtyFixture, ["invalid"], {
      denoFlags: noTtyFlags(dir.path),
      env: baseEnv({ HARMONY_DATA_DIR: dir.path }),
    });
    assert.equal(result.code, 0, result.stderr);
    const out = JSON.parse(result.stdout);
    assert.equal(out.thrown, "ConfigValidationError");
    assert.deepEqual(out.issues.map((i: { path: string }) => i.path), [
      "host",
    ]);
    assert.ok(!result.stdout.includes("hunter2-stored"));
  });
});

describe("skeleton", () => {
  test("shows placeholders, defaults, optional fields, arrays and secrets as <secret>", () => {
    const schema = z.object({
      name: z.string(),
      port: z.number().int().min(1),
      ratio: z.number().optional(),
      mode: z.enum(["a", "b"]),
      on: z.boolean().default(false),
      tags: z.array(z.string()),
      db: z.object({ password: secret(z.string().default("changeme")) }),
      tokens: z.array(secret(z.string())).default(["canary-skeleton-1"]),
      byHost: z.record(z.string(), secret(z.string())).default({
        h: "canary-skeleton-2",
      }),
      pre: z.preprocess((v) => v, z.object({ pw: secret(z.string()) }))
        .default({ pw: "canary-skeleton-3" }),
      keys: z.array(secret(z.string())),
    });
    assert.deepEqual(JSON.parse(skeleton(schema)), {
      name: "<string>",
      port: "<integer>",
      ratio: "<number, optional>",
      mode: "<a|b>",
      on: false,
      tags: ["<string>"],
      db: { password: "<secret>" },
      tokens: "<secret>",
      byHost: "<secret>",
      pre: "<secret>",
      keys: "<secret>",
    });
    assert.ok(!skeleton(schema).includes("canary-skeleton"));
  });
});

describe("fields that hold secrets inside them", () => {
  const CANARY = "canary-prompt-5b1d9e";

  test("lists and records of secrets are typed masked and never drawn", async () => {
    const Keys = defineConfig({
      key: "Keys",
      schema: z.object({
        tokens: z.array(secret(z.string().min(3))),
        byHost: z.record(z.string(), secret(z.string())),
      }),
    });
    const { manager, term } = promptingManager(new MemorySource());
    const pending = manager.getOrPrompt(Keys);
    await term.answer("? tokens (comma-separated)", `${CANARY}-a, x`);
    await term.waitFor("Item 2:");
    term.type(KEY.backspace + `${CANARY}-b` + KEY.enter);
    await term.answer(
      "? byHost (JSON)",
      JSON.stringify({ db: `${CANARY}-c` }),
    );
    assert.deepEqual(await pending, {
      tokens: [`${CANARY}-a`, `${CANARY}-b`],
      byHost: { db: `${CANARY}-c` },
    });
    assert.ok(term.text.includes("*****"), "typing shows a mask");
    assert.ok(!term.raw.includes(CANARY), "the output holds a secret");
  });

  test("a secret list's default is not drawn, and Enter keeps it", async () => {
    const Keys = defineConfig({
      key: "Keys",
      schema: z.object({
        tokens: z.array(secret(z.string())).default([`${CANARY}-default`]),
        name: z.string(),
      }),
    });
    const { manager, term } = promptingManager(new MemorySource());
    const pending = manager.getOrPrompt(Keys);
    await term.answer(
      "? tokens (comma-separated) (leave empty for the default)",
      "",
    );
    await term.answer("? name", "svc");
    assert.deepEqual(await pending, {
      tokens: [`${CANARY}-default`],
      name: "svc",
    });
    assert.ok(!term.raw.includes(CANARY), "the output holds the default");
  });

  test("asked again after a branch switch: stored secret lists and records are kept without being drawn", async () => {
    const Db = defineConfig({
      key: "Db",
      schema: z.object({
        port: z.number().int(),
        tokens: z.array(secret(z.string())),
        byHost: z.record(z.string(), secret(z.string())),
        pre: z.preprocess(
          (raw) => raw,
          z.object({ password: secret(z.string()) }),
        ),
      }),
    });
    const stored = {
      port: "fivefourthreetwo",
      tokens: [`${CANARY}-token`],
      byHost: { db: `${CANARY}-host` },
      pre: { password: `${CANARY}-pre` },
    };
    const memory = new MemorySource({ Db: stored });
    const { manager, term } = promptingManager(memory);
    const pending = manager.getOrPrompt(Db);
    await term.waitFor("no longer matches");
    await term.answer("? port", "5432");
    const keep = "(leave empty to keep the current value)";
    await term.answer(`? tokens (comma-separated) ${keep}`, "");
    await term.answer(`? byHost (JSON) ${keep}`, "");
    await term.answer(`? pre (JSON) ${keep}`, "");
    const expected = { ...stored, port: 5432 };
    assert.deepEqual(await pending, expected);
    assert.deepEqual(await memory.get("Db"), expected);
    assert.ok(!term.raw.includes(CANARY), "the output holds a stored secret");
  });
});

describe("dates and defaults as a person types them", () => {
  test("a date field takes an ISO date as typed, not JSON", async () => {
    const Window = defineConfig({
      key: "Window",
      schema: z.object({
        since: z.coerce.date().describe("Since"),
        until: z.coerce.date().describe("Until"),
      }),
    });
    const { manager, term } = promptingManager(new MemorySource());
    const pending = manager.getOrPrompt(Window);
    await term.answer("? since: Since (YYYY-MM-DD)", "May 1st");
    await term.waitFor("Enter a date as YYYY-MM-DD");
    term.type(KEY.backspace.repeat(7) + "2024-05-01" + KEY.enter);
    await term.answer("? until: Until (YYYY-MM-DD)", "2024-06-30T12:00:00Z");
    const value = await pending;
    assert.deepEqual(value, {
      since: new Date("2024-05-01"),
      until: new Date("2024-06-30T12:00:00Z"),
    });
    assert.ok(!term.text.includes("Enter valid JSON"), term.text);
  });

  test("a z.date() field, which JSON cannot hold, is refused before anything is asked", async () => {
    const Window = defineConfig({
      key: "Window",
      schema: z.object({ name: z.string(), until: z.date() }),
    });
    const memory = new MemorySource();
    const { manager, term } = promptingManager(memory);
    await assert.rejects(manager.getOrPrompt(Window), (error) => {
      assert.ok(error instanceof ConfigValidationError);
      assert.deepEqual(error.issues.map((issue) => issue.path), ["until"]);
      assert.match(error.message, /z\.coerce\.date\(\).*nothing was asked/);
      return true;
    });
    assert.ok(!term.text.includes("? name"), term.text);
    assert.deepEqual(await memory.keys(), []);
  });

  test("a secret with a default says an empty answer keeps the default, not a current value, on a first run", async () => {
    const Api = defineConfig({
      key: "Api",
      schema: z.object({
        url: z.string(),
        token: secret(z.string().min(4)).default("public-demo").describe(
          "Token",
        ),
      }),
    });
    const { manager, term } = promptingManager(new MemorySource());
    const pending = manager.getOrPrompt(Api);
    await term.answer("? url", "https://api.example");
    await term.answer("? token: Token (leave empty for the default)", "");
    assert.deepEqual(await pending, {
      url: "https://api.example",
      token: "public-demo",
    });
    assert.ok(!term.text.includes("current value"), term.text);
    assert.ok(!term.raw.includes("public-demo"), "the default was drawn");
  });
});
