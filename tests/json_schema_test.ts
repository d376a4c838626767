/**
 * `toJsonSchema(def)`: the JSON Schema 2020-12 of the stored shape, checked
 * with a real validator (Ajv's 2020-12 dialect, strict) against what the
 * sources really store: the value `set` wrote to a SQLite file.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import { Ajv2020 } from "ajv/dist/2020.js";
import * as formats from "ajv-formats";
import { z } from "zod";
import {
  ConfigManager,
  defineConfig,
  secret,
  SqliteSource,
  toJsonSchema,
} from "../mod.ts";
import { storedText } from "./_helpers/sqlite_rows.ts";
import { tempDir } from "./_helpers/temp.ts";

const CANARY = "default-secret-canary-7f3a";

const Service = defineConfig({
  key: "Service",
  description: "The service's own settings",
  schema: z.object({
    host: z.string().describe("Where it listens"),
    port: z.number().int().min(1).max(65535).default(8080),
    password: secret(
      z.string().min(8).default(CANARY).meta({
        examples: [CANARY],
      }),
    ),
    // Codecs and transforms: what is stored is their input side.
    startedAt: z.codec(z.iso.datetime(), z.date(), {
      decode: (text) => new Date(text),
      encode: (date) => date.toISOString(),
    }),
    timeoutMs: z.number().transform((seconds) => seconds * 1000),
    mode: z.enum(["fast", "safe"]).default("safe"),
    tags: z.array(z.string()).default([]),
    // An object whose default holds a secret: that default never shows.
    admin: z.object({ user: z.string(), token: secret(z.string()) }).default({
      user: "root",
      token: CANARY,
    }),
    keys: z.array(secret(z.string())).optional(),
  }),
});

/** A strict 2020-12 validator (formats checked) that knows the library's keyword. */
function validator(): Ajv2020 {
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  ajv.addKeyword("x-harmony-secret");
  // A CommonJS module: its plugin is `default`, or `default.default`,
  // depending on the side of the interop this runtime gives.
  type Plugin = (ajv: Ajv2020) => unknown;
  const exported = formats as unknown as {
    default: Plugin | { default: Plugin };
  };
  const plugin = typeof exported.default === "function"
    ? exported.default
    : exported.default.default;
  plugin(ajv);
  return ajv;
}

type Properties = Record<string, Record<string, unknown>>;

describe("toJsonSchema", () => {
  it("describes the stored shape in JSON Schema 2020-12, with titles, descriptions and defaults", () => {
    const schema = toJsonSchema(Service);
    assert.equal(
      schema.$schema,
      "https://json-schema.org/draft/2020-12/schema",
    );
    assert.equal(schema.title, "Service");
    assert.equal(schema.description, "The service's own settings");
    const properties = schema.properties as Properties;
    assert.equal(properties.host?.description, "Where it listens");
    assert.equal(properties.port?.default, 8080);
    assert.deepEqual(properties.mode?.enum, ["fast", "safe"]);
    // The input side: an ISO string, a number of seconds.
    assert.equal(properties.startedAt?.type, "string");
    assert.equal(properties.startedAt?.format, "date-time");
    assert.equal(properties.timeoutMs?.type, "number");
    assert.deepEqual(
      [...(schema.required as string[])].sort(),
      ["host", "startedAt", "timeoutMs"],
    );
    assert.doesNotThrow(() => validator().compile(schema));
  });

  it("marks secrets writeOnly and x-harmony-secret, and never shows a secret's default or example", () => {
    const schema = toJsonSchema(Service);
    const properties = schema.properties as Properties;
    assert.equal(properties.password?.writeOnly, true);
    assert.equal(properties.password?.["x-harmony-secret"], true);
    assert.equal(properties.password?.secret, undefined); // zod's copy of the mark is gone
    assert.equal(properties.password?.minLength, 8); // what the schema declares stays
    const admin = properties.admin as { properties: Properties };
    assert.equal(admin.properties.token?.["x-harmony-secret"], true);
    const keys = properties.keys as { items: Record<string, unknown> };
    assert.equal(keys.items.writeOnly, true);
    assert.ok(!JSON.stringify(schema).includes(CANARY), JSON.stringify(schema));
    assert.ok(!("default" in (properties.admin ?? {})));
  });

  it("drops OpenAPI's singular example too, on a secret and on what holds one", () => {
    const Token = defineConfig({
      key: "Token",
      schema: z.object({
        token: secret(z.string()).meta({ example: CANARY }),
        login: z.object({ user: z.string(), pass: secret(z.string()) }).meta({
          example: { user: "root", pass: CANARY },
        }),
        user: z.string().meta({ example: "root" }),
      }),
    });
    const schema = toJsonSchema(Token);
    assert.ok(!JSON.stringify(schema).includes(CANARY), JSON.stringify(schema));
    // Not a secret: its example stays.
    assert.equal((schema.properties as Properties).user?.example, "root");
  });

  it("accepts what set stores in SQLite, and rejects a value of the wrong shape", async () => {
    await using dir = await tempDir();
    const dbPath = join(dir.path, "config.db");
    {
      await using manager = new ConfigManager([
        await SqliteSource.open(dbPath),
      ]);
      await manager.set(Service, {
        host: "0.0.0.0",
        password: "a-long-password",
        startedAt: "2024-05-01T10:00:00.000Z",
        timeoutMs: 5,
      });
    }
    const text = storedText(dbPath, "Service");
    assert.ok(text !== undefined, "no Service row");
    const check = validator().compile(toJsonSchema(Service));
    const stored: unknown = JSON.parse(text);
    assert.ok(check(stored), JSON.stringify(check.errors));
    assert.equal(check({ host: 1, startedAt: "x", timeoutMs: "5" }), false);
  });

  it("keeps the definition's layering out of the schema: a fields-mode definition has the same stored shape", () => {
    const Fields = defineConfig({
      key: "Service",
      description: "The service's own settings",
      schema: Service.schema,
      layering: "fields",
    });
    assert.deepEqual(toJsonSchema(Fields), toJsonSchema(Service));
  });

  it("gives a schema that is not an object, and one that recurses, a document a validator compiles", () => {
    const Port = defineConfig({ key: "Port", schema: z.number().int() });
    assert.deepEqual(toJsonSchema(Port), {
      $schema: "https://json-schema.org/draft/2020-12/schema",
      title: "Port",
      type: "integer",
      minimum: Number.MIN_SAFE_INTEGER,
      maximum: Number.MAX_SAFE_INTEGER,
    });
    interface Tree {
      name: string;
      children: Tree[];
    }
    const TreeSchema: z.ZodType<Tree> = z.object({
      name: z.string(),
      get children() {
        return z.array(TreeSchema);
      },
    });
    const Nested = defineConfig({ key: "Tree", schema: TreeSchema });
    const check = validator().compile(toJsonSchema(Nested));
    assert.ok(check({ name: "a", children: [{ name: "b", children: [] }] }));
    assert.equal(
      check({ name: "a", children: [{ name: 1, children: [] }] }),
      false,
    );
  });
});
