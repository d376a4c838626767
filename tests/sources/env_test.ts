import assert from "node:assert/strict";
import process from "node:process";
import { describe, test } from "node:test";
import { z } from "zod";
import {
  ConfigManager,
  ConfigValidationError,
  defineConfig,
  EnvSource,
  InvalidKeyError,
  MemorySource,
} from "../../mod.ts";

describe("EnvSource", () => {
  test("reads HARMONY_CONFIG_<KEY> as JSON, keeping the key's case", async () => {
    const env = {
      HARMONY_CONFIG_PostgresConfig: '{"host":"db"}',
      HARMONY_CONFIG_postgresconfig: '"lower"',
    };
    const source = new EnvSource({ env });
    assert.equal(EnvSource.DEFAULT_PREFIX, "HARMONY_CONFIG_");
    assert.deepEqual(await source.get("PostgresConfig"), { host: "db" });
    assert.equal(await source.get("postgresconfig"), "lower");
    assert.equal(await source.get("Missing"), undefined);
    assert.equal(
      source.locate("PostgresConfig"),
      "HARMONY_CONFIG_PostgresConfig",
    );
    assert.equal(source.persists, false);
  });

  test("reads the environment at every get, seeing variables set later", async () => {
    const env: Record<string, string | undefined> = {};
    const source = new EnvSource({ env });
    assert.equal(await source.get("Late"), undefined);
    env.HARMONY_CONFIG_Late = "42";
    assert.equal(await source.get("Late"), 42);
  });

  test("reads the real process environment by default", async () => {
    const name = `HARMONY_CONFIG_EnvTest${process.pid}`;
    process.env[name] = '{"real":true}';
    try {
      assert.deepEqual(await new EnvSource().get(`EnvTest${process.pid}`), {
        real: true,
      });
    } finally {
      delete process.env[name];
    }
  });

  test("a fields-mode field whose variable no environment can hold (= or NUL in its name) is absent, and the rest resolves", async () => {
    const Odd = defineConfig({
      key: "EnvOdd",
      schema: z.object({
        "a=b": z.string().optional(),
        "c\u0000d": z.string().optional(),
        host: z.string(),
      }),
      layering: "fields",
    });
    const name = "HARMONY_CONFIG_EnvOdd__host";
    process.env[name] = "from-env";
    try {
      // The real process environment: Deno refuses such names outright.
      await using manager = new ConfigManager([
        new EnvSource(),
        new MemorySource({ EnvOdd: { "a=b": "memory" } }),
      ]);
      assert.deepEqual(await manager.get(Odd), {
        "a=b": "memory",
        host: "from-env",
      });
    } finally {
      delete process.env[name];
    }
  });

  test("invalid JSON names the variable, never its content", async () => {
    const source = new EnvSource({
      env: { HARMONY_CONFIG_Db: "host=db password=CANARY-ENV" },
    });
    await assert.rejects(source.get("Db"), (error) => {
      assert.ok(error instanceof ConfigValidationError);
      assert.equal(error.key, "Db");
      assert.equal(error.source, "HARMONY_CONFIG_Db");
      assert.match(error.message, /set HARMONY_CONFIG_Db to valid JSON/);
      assert.ok(!error.message.includes("CANARY-ENV"));
      assert.equal(error.cause, undefined);
      return true;
    });
  });

  test("set changes the variable in this process; delete unsets it", async () => {
    const env: Record<string, string | undefined> = {};
    const source = new EnvSource({ env });
    await source.set("Port", 8080);
    assert.equal(env.HARMONY_CONFIG_Port, "8080");
    assert.equal(await source.get("Port"), 8080);
    assert.equal(await source.delete("Port"), true);
    assert.equal(await source.delete("Port"), false);
    assert.equal(env.HARMONY_CONFIG_Port, undefined);
  });

  test("keys lists the prefixed variables; a custom prefix works", async () => {
    const env = {
      APP_A: "1",
      APP_B: "2",
      OTHER: "3",
      "APP_not-a-key": "4",
    };
    const source = new EnvSource({ prefix: "APP_", env });
    assert.deepEqual((await source.keys()).sort(), ["A", "B"]);
    assert.deepEqual(source.permissions(), [{
      name: "env",
      variable: "APP_*",
    }]);
  });

  test("rejects invalid keys", async () => {
    await assert.rejects(
      new EnvSource({ env: {} }).get("A-B"),
      InvalidKeyError,
    );
  });

  test("stamp is the variable's text; onChange hears this source's own set and delete of the key", async () => {
    const env: Record<string, string | undefined> = {
      HARMONY_CONFIG_Port: "8080",
    };
    const source = new EnvSource({ env });
    assert.equal(source.stamp("Port"), "8080");
    assert.equal(source.stamp("Host"), null);
    env.HARMONY_CONFIG_Port = "9090"; // behind the source's back
    assert.equal(source.stamp("Port"), "9090");
    const heard: number[] = [];
    const stop = source.onChange("Port", () => heard.push(heard.length));
    await source.set("Port", 1);
    await source.set("Host", "x");
    await source.delete("Port");
    await source.delete("Port"); // not there: no change
    assert.deepEqual(heard, [0, 1]);
    stop();
    await source.set("Port", 2);
    assert.deepEqual(heard, [0, 1]);
  });
});

describe("EnvSource with an empty prefix over a record", () => {
  test("keys named like Object.prototype's members are variables like any other", async () => {
    const env: Record<string, string | undefined> = {};
    const source = new EnvSource({ prefix: "", env });
    for (
      const key of ["constructor", "toString", "hasOwnProperty", "__proto__"]
    ) {
      assert.equal(await source.get(key), undefined, key);
      await source.set(key, { set: key });
      assert.deepEqual(await source.get(key), { set: key }, key);
    }
    assert.deepEqual(
      (await source.keys()).sort(),
      ["__proto__", "constructor", "hasOwnProperty", "toString"],
    );
    assert.equal(Object.getPrototypeOf(env), Object.prototype);
  });
});
