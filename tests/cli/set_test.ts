/**
 * `harmony-config set` through the real CLI: the value as people give it
 * (a byte order mark from a Windows editor, empty stdin, a syntax error),
 * and errors in the CLI's words: a value that fails `--schema`, a data dir
 * whose config.db is not a database.
 */
import assert from "node:assert/strict";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { SqliteSource } from "../../mod.ts";
import { parseJsonInput } from "../../cli/json_input.ts";
import { UsageError } from "../../cli/errors.ts";
import { ROOT, runCli, scopedFlags } from "../_helpers/cli.ts";
import { isDeno } from "../_helpers/subprocess.ts";
import { tempDir } from "../_helpers/temp.ts";

const SCHEMA = fileURLToPath(
  new URL(`../_fixtures/cli_schema.${isDeno ? "ts" : "js"}`, import.meta.url),
);
const CANARY = "canary-set-9d2e-never-print-me";

async function stored(dataDir: string, key: string): Promise<unknown> {
  using sqlite = await SqliteSource.open(join(dataDir, "config", "config.db"));
  return await sqlite.get(key);
}

describe("harmony-config set: the value as typed", () => {
  it("accepts a byte order mark at the start of stdin", async () => {
    await using data = await tempDir();
    const result = await runCli(scopedFlags(data.path, ROOT), [
      "set",
      "Port",
      "-",
    ], {
      env: { HARMONY_DATA_DIR: data.path },
      stdin: '\uFEFF{"port": 8080}\n',
    });
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(await stored(data.path, "Port"), { port: 8080 });
  });

  it("says empty input for empty stdin, not that a string needs quotes", async () => {
    await using data = await tempDir();
    for (const stdin of ["", "\n", "\uFEFF"]) {
      const result = await runCli(scopedFlags(data.path, ROOT), [
        "set",
        "Port",
        "-",
      ], {
        env: { HARMONY_DATA_DIR: data.path },
        stdin,
      });
      assert.equal(result.code, 2, result.stderr);
      assert.match(
        result.stderr,
        /The value for key "Port" read from stdin is empty input: pass a JSON value/,
      );
      assert.doesNotMatch(result.stderr, /needs quotes/);
    }
  });

  it("gives the line and column of a syntax error, never the text", () => {
    const failure = (text: string): string => {
      try {
        parseJsonInput(text, "Db", "stdin");
      } catch (error) {
        assert.ok(error instanceof UsageError);
        return error.message;
      }
      throw new Error("expected a UsageError");
    };
    assert.match(
      failure(`{\n  "password": "${CANARY}",\n}`),
      /is not valid JSON \(line 3, column 1\): fix the JSON there$/,
    );
    assert.match(
      failure(CANARY),
      /is not valid JSON: a string needs quotes, as in '"text"'$/,
    );
    assert.match(failure('{"a":'), /\(it ends too early\)/);
    for (const text of [`{"p": "${CANARY}",}`, CANARY]) {
      assert.ok(!failure(text).includes(CANARY));
    }
    assert.deepEqual(parseJsonInput('\uFEFF"x"', "A", "argument"), "x");
  });

  it("reports a value that fails --schema in the CLI's words", async () => {
    await using data = await tempDir();
    const result = await runCli(scopedFlags(data.path, ROOT), [
      "set",
      "--schema",
      `${SCHEMA}#Db`,
      JSON.stringify({ host: 5, password: CANARY }),
    ], { env: { HARMONY_DATA_DIR: data.path } });
    assert.equal(result.code, 1, result.stderr);
    assert.match(
      result.stderr,
      /Invalid value for key "Db" in the JSON given to set: host: .*: pass a value that matches the schema of .*cli_schema\.(ts|js)#Db; nothing was stored/,
    );
    assert.doesNotMatch(result.stderr, /set\(\)/);
    assert.ok(!result.stderr.includes(CANARY));
    assert.equal(await stored(data.path, "Db"), undefined);
  });
});

describe("harmony-config and a config.db that is not a database", () => {
  it("says a directory is in the way, in the CLI's terms", async () => {
    await using data = await tempDir();
    await mkdir(join(data.path, "config", "config.db"), { recursive: true });
    const result = await runCli(scopedFlags(data.path, ROOT), ["get", "Db"], {
      env: { HARMONY_DATA_DIR: data.path },
    });
    assert.equal(result.code, 1, result.stderr);
    assert.match(
      result.stderr,
      /config\.db is a directory, not a SQLite database, and was left untouched: move it away, or set HARMONY_DATA_DIR/,
    );
    assert.doesNotMatch(result.stderr, /readable and writable|SqliteSource/);
  });

  it("says another kind of file is not a database, without library words", async () => {
    await using data = await tempDir();
    await mkdir(join(data.path, "config"));
    await writeFile(
      join(data.path, "config", "config.db"),
      "not a database, just text\n".repeat(100),
    );
    const result = await runCli(scopedFlags(data.path, ROOT), ["list"], {
      env: { HARMONY_DATA_DIR: data.path },
    });
    assert.equal(result.code, 1, result.stderr);
    assert.match(
      result.stderr,
      /config\.db is not a SQLite database, and was left untouched: move it away, or set HARMONY_DATA_DIR/,
    );
    assert.doesNotMatch(result.stderr, /SqliteSource/);
  });
});
