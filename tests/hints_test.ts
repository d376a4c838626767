/**
 * The advice of "no value" and "invalid value" errors, built from the
 * chain and from who reads it (the hint parts of `_internal/resolver.ts`
 * and each source's `hint()`): no getOrPrompt without a prompting source,
 * no HARMONY_CONFIG_ without an env source, the CLI's own commands in the
 * CLI, and no "add a migrate()" when one exists and failed.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import {
  ConfigManager,
  ConfigNotFoundError,
  ConfigValidationError,
  defineConfig,
  EnvSource,
  LocalFileSource,
  MemorySource,
  PromptSource,
  SqliteSource,
} from "../mod.ts";
import { ROOT, runCli, scopedFlags } from "./_helpers/cli.ts";
import { isDeno } from "./_helpers/subprocess.ts";
import { tempDir } from "./_helpers/temp.ts";

const Port = defineConfig({ key: "Port", schema: z.number() });

async function notFoundFix(manager: ConfigManager): Promise<string> {
  try {
    await manager.get(Port);
  } catch (error) {
    assert.ok(error instanceof ConfigNotFoundError, String(error));
    const message = error.message;
    return message.slice(message.indexOf(": ") + 2);
  }
  throw new Error("expected ConfigNotFoundError");
}

describe("ConfigNotFoundError's advice comes from the chain", () => {
  test("env and a store: the env var and set(); no getOrPrompt", async () => {
    await using dir = await tempDir();
    await using manager = new ConfigManager([
      new EnvSource({ env: {} }),
      await SqliteSource.open(join(dir.path, "config.db")),
    ]);
    assert.equal(
      await notFoundFix(manager),
      "set HARMONY_CONFIG_Port or store one with set()",
    );
  });

  test("no env source: no HARMONY_CONFIG_ variable", async () => {
    await using manager = new ConfigManager([
      new MemorySource(),
      new PromptSource(),
    ]);
    assert.equal(
      await notFoundFix(manager),
      "store one with set() or run getOrPrompt in a terminal",
    );
  });

  test("a file dir: the file to write; the prompt only where the chain has one", async () => {
    await using dir = await tempDir();
    await using manager = new ConfigManager([
      new EnvSource({ prefix: "APP_", env: {} }),
      new LocalFileSource(dir.path),
      new PromptSource(),
    ]);
    assert.equal(
      await notFoundFix(manager),
      `set APP_Port, write the value as JSON to ${
        join(dir.path, "Port.json")
      } or run getOrPrompt in a terminal`,
    );
  });
});

describe("ConfigValidationError's advice knows the definition's migrate()", () => {
  test("no migrate(): suggests adding one", async () => {
    await using manager = new ConfigManager([new MemorySource({ Port: "x" })]);
    await assert.rejects(
      manager.get(Port),
      /correct or delete the value at memory:Port, or add a migrate\(\) to the definition of "Port"$/,
    );
  });

  test("a migrate() that threw: says so, never suggests adding one", async () => {
    const Migrating = defineConfig({
      key: "Port",
      schema: z.number(),
      migrate: () => {
        throw new TypeError("old shape unknown");
      },
    });
    await using manager = new ConfigManager([new MemorySource({ Port: "x" })]);
    await assert.rejects(manager.get(Migrating), (error) => {
      assert.ok(error instanceof ConfigValidationError);
      assert.doesNotMatch(error.message, /add a migrate/);
      assert.match(
        error.message,
        /or fix the migrate\(\) of the definition of "Port" \(migrate\(\) threw TypeError\)$/,
      );
      return true;
    });
  });

  test("a migrate() whose result fails too: says so", async () => {
    const Migrating = defineConfig({
      key: "Port",
      schema: z.number(),
      migrate: (old) => old,
    });
    await using manager = new ConfigManager([new MemorySource({ Port: "x" })]);
    await assert.rejects(
      manager.get(Migrating),
      /fix the migrate\(\) of the definition of "Port" \(migrate\(\) returned a value that fails the schema too\)$/,
    );
  });
});

describe("the CLI's advice names its own commands", () => {
  const schema = fileURLToPath(
    new URL(`./_fixtures/cli_schema.${isDeno ? "ts" : "js"}`, import.meta.url),
  );

  test("get and explain of a missing key say harmony-config set, never set() or getOrPrompt", async () => {
    await using data = await tempDir();
    const env = { HARMONY_DATA_DIR: data.path };
    const [get, explain] = await Promise.all([
      runCli(scopedFlags(data.path, ROOT), ["get", "Nope"], { env }),
      runCli(scopedFlags(data.path, ROOT), ["explain", "Nope"], { env }),
    ]);
    for (const result of [get, explain]) {
      assert.equal(result.code, 3, result.stderr);
      const text = result.stdout + result.stderr;
      assert.match(
        text,
        /No value for key "Nope" in env, sqlite:\S+: set HARMONY_CONFIG_Nope or run harmony-config set Nope '<json>'$/m,
      );
      assert.doesNotMatch(text, /set\(\)|getOrPrompt/);
    }
  });

  test("with --schema it offers get --prompt in a terminal", async () => {
    await using data = await tempDir();
    const result = await runCli(
      scopedFlags(data.path, ROOT),
      ["get", "--schema", `${schema}#Db`],
      { env: { HARMONY_DATA_DIR: data.path } },
    );
    assert.equal(result.code, 3, result.stderr);
    assert.match(
      result.stderr,
      new RegExp(
        `set HARMONY_CONFIG_Db, run harmony-config set Db '<json>' --schema \\S+#Db or run harmony-config get Db --prompt --schema \\S+#Db in a terminal$`,
        "m",
      ),
    );
  });

  test("get --prompt without a terminal says harmony-config set, not set()", async () => {
    await using data = await tempDir();
    const result = await runCli(
      scopedFlags(data.path, ROOT),
      ["get", "--schema", `${schema}#Db`, "--prompt"],
      { env: { HARMONY_DATA_DIR: data.path } },
    );
    assert.equal(result.code, 1, result.stderr);
    assert.match(
      result.stderr,
      /no terminal to ask for it: set HARMONY_CONFIG_Db='\{.*\}' or run harmony-config set Db '<json>' --schema \S+ or run in a terminal$/m,
    );
    assert.doesNotMatch(result.stderr, /set\(\)/);
  });
});
