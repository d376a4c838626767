import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { describe, test } from "node:test";
import { SqliteSource } from "../../mod.ts";
import { baseEnv, runFixture } from "../_helpers/subprocess.ts";
import { tempDir } from "../_helpers/temp.ts";

const fixture = new URL("../_fixtures/env_invalid_utf8.ts", import.meta.url);
const CANARY = `canary-${randomUUID()}`;

describe("EnvSource and a variable that is not UTF-8", () => {
  test("is a ConfigValidationError naming the variable, never its content; unsetting it lets SQLite answer", async () => {
    await using dir = await tempDir();
    const dbPath = join(dir.path, "config.db");
    {
      using sqlite = await SqliteSource.open(dbPath);
      await sqlite.set("Db", { host: "sqlite", password: "stored" });
    }
    // A real process environment holding the byte 0xFF, set by bash: the
    // variable is JSON whose secret field holds the canary and the byte.
    const result = await runFixture(fixture, [dbPath], {
      denoFlags: [
        "--no-prompt",
        "--allow-env=HARMONY_CONFIG_*",
        `--allow-read=${dir.path}`,
        `--allow-write=${dir.path}`,
      ],
      env: baseEnv(),
      rawEnv: {
        HARMONY_CONFIG_Db: `{"host":"env","password":"${CANARY}-\\xff-end"}`,
      },
    });
    assert.equal(result.code, 0, result.stderr);
    assert.ok(!(result.stdout + result.stderr).includes(CANARY), result.stdout);
    const out = JSON.parse(result.stdout);

    // get(): typed, naming the variable and the fix, holding nothing of it.
    assert.equal(out.get.error?.name, "ConfigValidationError", result.stdout);
    assert.equal(out.get.error.typed, true);
    assert.equal(out.get.error.key, "Db");
    assert.equal(out.get.error.source, "HARMONY_CONFIG_Db");
    assert.deepEqual(out.get.error.issues, [{
      path: "",
      message: "Not valid UTF-8 text",
    }]);
    assert.match(out.get.error.message, /unset HARMONY_CONFIG_Db/);
    assert.equal(out.get.error.cause, null);
    assert.deepEqual(out.record.error?.issues, out.get.error.issues);

    // explain(): the env step is invalid, and SQLite behind it still says
    // what it holds; nothing answers, as get() would not either.
    assert.equal(out.explain.answeredBy, undefined);
    assert.deepEqual(
      out.explain.steps.map((s: { status: string; winner: boolean }) => [
        s.status,
        s.winner,
      ]),
      [["invalid", false], ["hit", false]],
    );
    assert.deepEqual(out.explain.steps[1].value, {
      host: "sqlite",
      password: "<redacted>",
    });

    // The broken variable can still be unset, and then SQLite answers.
    assert.equal(out.deleted.value, true);
    assert.deepEqual(out.after.value, { host: "sqlite", password: "stored" });
  });
});
