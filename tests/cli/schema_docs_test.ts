/**
 * `harmony-config schema [KEY]` and `harmony-config docs` through real
 * processes (Deno; on Node the installed package's bin): the JSON Schema of
 * the stored shape as `toJsonSchema` gives it, one document for several
 * definitions, and a Markdown (or JSON) reference of every definition that
 * never shows a secret's default.
 */
import assert from "node:assert/strict";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { toJsonSchema } from "../../mod.ts";
import { Api, Postgres } from "../_fixtures/cli_project_schema.ts";
import { BROAD_FLAGS, runHarmonyConfig as cli } from "../_helpers/cli.ts";
import { isDeno } from "../_helpers/subprocess.ts";
import { tempDir } from "../_helpers/temp.ts";

const MODULE = fileURLToPath(
  new URL(
    `../_fixtures/cli_project_schema.${isDeno ? "ts" : "js"}`,
    import.meta.url,
  ),
);
/** The default of the fixture's secret password: never shown. */
const SECRET_DEFAULT = "dev-only-password";

describe("harmony-config schema", () => {
  it("prints toJsonSchema of KEY, and one document with every key under $defs without KEY", async () => {
    await using data = await tempDir();
    const env = { HARMONY_DATA_DIR: data.path };
    const schema = ["--schema", MODULE];
    const [one, all, missing, none] = await Promise.all([
      cli(BROAD_FLAGS, ["schema", "PostgresConfig", ...schema], { env }),
      cli(BROAD_FLAGS, ["schema", ...schema], { env }),
      cli(BROAD_FLAGS, ["schema", "Nope", ...schema], { env }),
      cli(BROAD_FLAGS, ["schema"], { env }),
    ]);
    assert.equal(one.code, 0, one.stderr);
    assert.deepEqual(JSON.parse(one.stdout), toJsonSchema(Postgres));
    assert.equal(all.code, 0, all.stderr);
    const bundle = JSON.parse(all.stdout);
    assert.equal(
      bundle.$schema,
      "https://json-schema.org/draft/2020-12/schema",
    );
    assert.deepEqual(Object.keys(bundle.$defs), ["Api", "PostgresConfig"]);
    assert.deepEqual(bundle.$defs.Api, {
      $id: "Api.schema.json",
      ...toJsonSchema(Api),
    });
    assert.equal(missing.code, 3);
    assert.match(
      missing.stderr,
      /has no definition of key Nope: use one of Api, PostgresConfig/,
    );
    assert.equal(none.code, 2);
    assert.match(none.stderr, /schema needs the definitions: pass --schema/);
    for (const result of [one, all]) {
      assert.ok(!result.stdout.includes(SECRET_DEFAULT));
    }
  });

  it("finds the definitions through the project's setting", async () => {
    await using dir = await tempDir();
    const cwd = join(dir.path, "project");
    await mkdir(cwd);
    await writeFile(
      join(cwd, "deno.json"),
      JSON.stringify({ "harmony-config": { schema: `${MODULE}#Api` } }),
    );
    const result = await cli(BROAD_FLAGS, ["schema"], {
      env: { HARMONY_DATA_DIR: dir.path },
      cwd,
    });
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(JSON.parse(result.stdout), toJsonSchema(Api));
  });
});

describe("harmony-config docs", () => {
  it("prints a Markdown reference: env vars, per-field vars in fields mode, where values are stored, every field", async () => {
    await using data = await tempDir();
    const result = await cli(BROAD_FLAGS, ["docs", "--schema", MODULE], {
      env: { HARMONY_DATA_DIR: data.path },
    });
    assert.equal(result.code, 0, result.stderr);
    const text = result.stdout;
    assert.match(text, /^# Configuration reference\n/);
    assert.match(
      text,
      /\n## PostgresConfig\n\nConnection to the main database\n/,
    );
    assert.match(
      text,
      /- Env var: `HARMONY_CONFIG_PostgresConfig` \(the whole value, as JSON\)/,
    );
    assert.match(
      text,
      /- Layering: fields: each field comes from the first source/,
    );
    assert.match(
      text,
      /- Layering: whole: the first source that has the key answers/,
    );
    const db = join(data.path, "config", "config.db");
    assert.ok(
      text.includes(`\`${db}#PostgresConfig\` (sqlite)`),
      text,
    );
    assert.match(
      text,
      /\| Field \| Type \| Required \| Default \| Secret \| Env var \| Description \|/,
    );
    assert.ok(
      text.includes(
        "| `host` | string | yes |  | no | `HARMONY_CONFIG_PostgresConfig__host` | Host name or address |",
      ),
      text,
    );
    assert.ok(
      text.includes(
        "| `port` | integer (≥ 1) | no | `5432` | no | `HARMONY_CONFIG_PostgresConfig__port` |  |",
      ),
      text,
    );
    // The secret's default stays out; that it is secret is said.
    assert.ok(
      text.includes(
        "| `password` | string (8+ chars) | no |  | yes | `HARMONY_CONFIG_PostgresConfig__password` |  |",
      ),
      text,
    );
    assert.ok(text.includes("`HARMONY_CONFIG_PostgresConfig__pool__max`"));
    // Api is whole-value: no per-field column.
    assert.ok(
      text.includes("| `token` | string | yes |  | yes |  |"),
      text,
    );
    assert.ok(!text.includes(SECRET_DEFAULT));
  });

  it("--json gives the same for tools, with each definition's JSON Schema", async () => {
    await using data = await tempDir();
    const result = await cli(
      BROAD_FLAGS,
      ["docs", "--schema", MODULE, "--json"],
      { env: { HARMONY_DATA_DIR: data.path } },
    );
    assert.equal(result.code, 0, result.stderr);
    assert.ok(!result.stdout.includes(SECRET_DEFAULT));
    const document = JSON.parse(result.stdout);
    assert.equal(document.module, MODULE);
    const pg = document.definitions.find((d: { key: string }) =>
      d.key === "PostgresConfig"
    );
    assert.equal(pg.layering, "fields");
    assert.equal(pg.envVar, "HARMONY_CONFIG_PostgresConfig");
    assert.deepEqual(pg.jsonSchema, toJsonSchema(Postgres));
    assert.deepEqual(
      pg.fields.map((f: Record<string, unknown>) => [
        f.path,
        f.required,
        f.default,
        f.secret,
        f.envVar,
      ]),
      [
        ["host", true, undefined, false, "HARMONY_CONFIG_PostgresConfig__host"],
        ["port", false, "5432", false, "HARMONY_CONFIG_PostgresConfig__port"],
        [
          "password",
          false,
          undefined,
          true,
          "HARMONY_CONFIG_PostgresConfig__password",
        ],
        ["tags", false, "[]", false, "HARMONY_CONFIG_PostgresConfig__tags"],
        [
          "pool",
          false,
          undefined,
          false,
          "HARMONY_CONFIG_PostgresConfig__pool",
        ],
        [
          "pool.max",
          false,
          "10",
          false,
          "HARMONY_CONFIG_PostgresConfig__pool__max",
        ],
        [
          "pool.idle",
          true,
          undefined,
          false,
          "HARMONY_CONFIG_PostgresConfig__pool__idle",
        ],
      ],
    );
    assert.deepEqual(
      pg.storedIn.map((s: { source: string }) => s.source.split(":")[0]),
      ["env", "sqlite"],
    );
  });
});
