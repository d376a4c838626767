import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { z } from "zod";
import {
  ConfigError,
  ConfigNotFoundError,
  ConfigPermissionError,
  ConfigSourceError,
  ConfigValidationError,
  defineConfig,
  InvalidKeyError,
  PromptCancelledError,
  PromptUnavailableError,
  SourceUnavailableError,
  validateKey,
} from "../mod.ts";
import { MAX_KEY_LENGTH } from "../_internal/key.ts";

describe("errors", () => {
  test("every error extends ConfigError and Error, with its own name", () => {
    const errors = [
      new ConfigNotFoundError("K", ["env"]),
      new ConfigValidationError("K", "env", []),
      new InvalidKeyError("bad"),
      new ConfigPermissionError("env", "read access to X", "--allow-env=X"),
      new ConfigSourceError("failed"),
      new SourceUnavailableError("store", "sealed"),
      new PromptCancelledError("K"),
      new PromptUnavailableError("K", "{}"),
    ];
    for (const error of errors) {
      assert.ok(error instanceof ConfigError);
      assert.ok(error instanceof Error);
      assert.equal(error.name, error.constructor.name);
      assert.doesNotMatch(error.message, /\.$/, "no trailing period");
    }
  });

  test("messages name the key, the source and the fix", () => {
    const notFound = new ConfigNotFoundError("Db", ["env", "sqlite:/d/c.db"], {
      fix: "set HARMONY_CONFIG_Db or run getOrPrompt in a terminal",
    });
    assert.equal(
      notFound.message,
      'No value for key "Db" in env, sqlite:/d/c.db: set HARMONY_CONFIG_Db or run getOrPrompt in a terminal',
    );
    const denied = new ConfigPermissionError(
      "sqlite:/d/c.db",
      "write access to /d/c.db",
      "--allow-write=/d",
      { key: "Db" },
    );
    assert.equal(
      denied.message,
      'sqlite:/d/c.db needs write access to /d/c.db to read key "Db": add --allow-write=/d',
    );
    assert.equal(denied.key, "Db");
    assert.equal(denied.source, "sqlite:/d/c.db");
  });
});

describe("keys", () => {
  test("accepts identifiers like Rust struct names", () => {
    for (
      const key of [
        "PostgresConfig",
        "_private",
        "a1",
        "A".repeat(MAX_KEY_LENGTH),
      ]
    ) {
      assert.equal(validateKey(key), key);
    }
  });

  test("rejects traversal, separators, NUL, empty, overlong and unicode keys", () => {
    for (
      const key of [
        "../x",
        "/abs",
        "a/b",
        "a\\b",
        "a\0b",
        "",
        "x".repeat(1000),
        "clé",
        "1abc",
        "a.b",
        "a-b",
      ]
    ) {
      assert.throws(
        () => validateKey(key),
        InvalidKeyError,
        JSON.stringify(key),
      );
      assert.throws(
        () => defineConfig({ key, schema: z.string() }),
        InvalidKeyError,
      );
    }
  });

  test("never echoes control characters from a rejected key", () => {
    assert.throws(() => validateKey("a\x1b[31mred"), (error: Error) => {
      assert.ok(!error.message.includes("\x1b"));
      return true;
    });
  });
});
