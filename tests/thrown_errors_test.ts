/**
 * An error thrown by code the library does not own (a transform, a
 * refinement, a third-party source) is named by its class and code only.
 * Its `name` and `code` are properties like its message: code may set them
 * to anything, a value included, so they are shown only when they have the
 * shape of a class name and of an error code.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { describe, test } from "node:test";
import { inspect } from "node:util";
import { z } from "zod";
import {
  ConfigError,
  ConfigManager,
  type ConfigSource,
  defineConfig,
  type ExplainStep,
  MemorySource,
  secret,
  validate,
} from "../mod.ts";
import { rejection } from "./_helpers/rejection.ts";

/** Every text an error and its causes show. */
function shown(error: unknown): string {
  const parts: string[] = [];
  for (let e = error, depth = 0; e && depth < 10; depth++) {
    parts.push(String(e), (e as Error).stack ?? "", JSON.stringify(e) ?? "");
    parts.push(inspect(e, { depth: 10, showHidden: true }));
    e = (e as Error).cause;
  }
  return parts.join("\n");
}

/** A source that throws `error` on every read, as a broken client would. */
function throwingSource(error: Error): ConfigSource {
  const fail = (): Promise<never> => Promise.reject(error);
  return {
    name: "custom",
    persists: false,
    get: fail,
    set: fail,
    delete: fail,
    keys: fail,
  };
}

/** A client error whose name and code quote a password, as some drivers' do. */
function errorNamedAfterAValue(): { canary: string; thrown: Error } {
  const canary = `CANARY_${randomUUID().replaceAll("-", "_").toUpperCase()}`;
  const thrown = Object.assign(new TypeError(`connect with ${canary} failed`), {
    code: `password=${canary}`,
  });
  thrown.name = `AuthError: password ${canary}`;
  return { canary, thrown };
}

describe("errors thrown by other code", () => {
  test("a refinement that sets its error's name to the value shows neither, in get, explain and validate", async () => {
    const canary = `tok${randomUUID().replaceAll("-", "")}`;
    const schema = z.object({
      token: secret(z.string()).refine((value) => {
        const error = new Error("rejected");
        error.name = value; // a library that names errors after their input
        throw error;
      }),
    });
    const Api = defineConfig({ key: "Api", schema });
    const manager = new ConfigManager([
      new MemorySource({ Api: { token: canary } }),
    ]);
    const error = await rejection(manager.get(Api));
    assert.ok(error instanceof ConfigError, String(error));
    assert.match(error.message, /threw Error/);
    const explanation = await manager.explain(Api);
    const result = await validate(schema, { token: canary });
    for (
      const [channel, text] of [
        ["get", shown(error)],
        ["explain", JSON.stringify(explanation)],
        ["validate", JSON.stringify(result)],
      ]
    ) {
      assert.ok(!text!.includes(canary), `${channel} shows the value`);
    }
  });

  test("a source whose error carries a value as its name and code: explain() shows neither", async () => {
    const { canary, thrown } = errorNamedAfterAValue();
    const Db = defineConfig({ key: "Db", schema: z.string() });
    const manager = new ConfigManager([throwingSource(thrown)]);
    const explanation = await manager.explain(Db);
    assert.ok(!JSON.stringify(explanation).includes(canary));
    assert.match(String(explanation.steps[0]?.reason), /TypeError/);
  });

  test(
    "a source that throws something other than a ConfigError: get() rejects with a ConfigError naming the source and key, holding nothing of the error",
    async () => {
      const { canary, thrown } = errorNamedAfterAValue();
      const Db = defineConfig({ key: "Db", schema: z.string() });
      const manager = new ConfigManager([throwingSource(thrown)]);
      const error = await rejection(manager.get(Db));
      assert.ok(error instanceof ConfigError, String(error));
      assert.equal(error.key, "Db");
      assert.match(error.message, /custom/);
      assert.ok(!shown(error).includes(canary), shown(error));
    },
  );

  test("every other call the manager makes to a source (getSync, set, delete, a write-back's compareAndSet) wraps its error the same way", async () => {
    const { canary, thrown } = errorNamedAfterAValue();
    const fail = (): never => {
      throw thrown;
    };
    const Db = defineConfig({ key: "Db", schema: z.string() });
    const checkWrapped = (error: unknown, call: string): void => {
      assert.ok(error instanceof ConfigError, `${call}: ${String(error)}`);
      assert.equal(error.key, "Db", call);
      assert.match(error.message, /^custom failed for key "Db" \(TypeError\)/);
      assert.ok(!shown(error).includes(canary), `${call}: ${shown(error)}`);
    };
    const broken: ConfigSource = {
      ...throwingSource(thrown),
      persists: true,
      getSync: fail,
    };
    const manager = new ConfigManager([broken]);
    checkWrapped(await rejection(manager.get(Db)), "getSync");
    checkWrapped(await rejection(manager.set(Db, "x")), "set");
    checkWrapped(await rejection(manager.delete(Db)), "delete");

    // A write-back that throws never fails the read; its note says why,
    // in the same words.
    const Port = defineConfig({
      key: "Port",
      schema: z.number(),
      migrate: (old) => Number(old),
    });
    const steps: ExplainStep[] = [];
    const migrating = new ConfigManager([{
      ...throwingSource(thrown),
      persists: true,
      get: () => Promise.resolve("8080"),
      compareAndSet: () => Promise.reject(thrown),
    }]);
    const resolution = await migrating.resolve(Port, { steps });
    assert.equal(resolution.kind, "found");
    assert.match(
      String(steps[0]?.reason),
      /not written back: custom failed for key "Port" \(TypeError\)/,
    );
    assert.ok(!JSON.stringify(steps).includes(canary));
  });

  test("field-level layering wraps a source's own error the same way, reading and writing", async () => {
    const { canary, thrown } = errorNamedAfterAValue();
    const Db = defineConfig({
      key: "Db",
      schema: z.object({ host: z.string() }),
      layering: "fields",
    });
    const manager = new ConfigManager([{
      ...throwingSource(thrown),
      persists: true,
    }]);
    for (
      const [call, pending] of [
        ["get", manager.get(Db)],
        ["set", manager.set(Db, { host: "db" })],
      ] as const
    ) {
      const error = await rejection(pending);
      assert.ok(error instanceof ConfigError, `${call}: ${String(error)}`);
      assert.equal(error.key, "Db", call);
      assert.match(error.message, /^custom failed for key "Db" \(TypeError\)/);
      assert.ok(!shown(error).includes(canary), `${call}: ${shown(error)}`);
    }
  });

  test("a class's own name and an error code are still shown", async () => {
    class GatewayError extends Error {
      override name = "GatewayError";
    }
    const Db = defineConfig({ key: "Db", schema: z.string() });
    const thrown = Object.assign(new GatewayError("down"), {
      code: "ECONNREFUSED",
    });
    const explanation = await new ConfigManager([throwingSource(thrown)])
      .explain(Db);
    assert.match(
      String(explanation.steps[0]?.reason),
      /GatewayError \(ECONNREFUSED\)/,
    );
  });
});
