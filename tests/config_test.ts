import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { describe, test } from "node:test";
import { z } from "zod";
import { z as zod40 } from "zod40";
import { z as zod41 } from "zod41";
import { z as zod43 } from "zod43";
import {
  ConfigError,
  ConfigManager,
  defineConfig,
  MemorySource,
  REDACTED,
  secret,
} from "../mod.ts";
import { SUPPORTED_ZOD_RANGE } from "../_internal/zod_copy.ts";

const CANARY = "canary-zod-copy";

/** The schema a zod copy builds, typed as the library's zod (the shapes match). */
function dbSchema(
  zodCopy: typeof zod40 | typeof zod41 | typeof zod43,
): z.ZodType {
  const copy = zodCopy as typeof zod40;
  return copy.object({
    user: copy.string(),
    password: copy.string().meta({ secret: true }),
  }) as unknown as z.ZodType;
}

function refusal(versions: RegExp): (error: unknown) => boolean {
  return (error) => {
    assert.ok(error instanceof ConfigError, String(error));
    assert.match(error.message, versions);
    assert.match(error.message, /zod \^4\.1\.13 \(its peer dependency\)/);
    assert.match(error.message, /zod 4\.\d+\.\d+ and supports/);
    assert.ok(!error.message.includes(CANARY));
    return true;
  };
}

describe("defineConfig refuses a schema from a zod it cannot read secret marks from", () => {
  test("zod 4.0 (also what zod 3.25's zod/v4 reports): unsupported, with both versions named", () => {
    assert.throws(
      () => defineConfig({ key: "Db", schema: dbSchema(zod40) }),
      refusal(
        /comes from zod 4\.0\.17, which @harmony\/config does not support/,
      ),
    );
  });

  test("a second copy of a supported zod with its own registry (4.1.0 to 4.1.12)", () => {
    assert.throws(
      () => defineConfig({ key: "Db", schema: dbSchema(zod41) }),
      (error) => {
        refusal(/second copy of zod \(4\.1\.12\)/)(error);
        assert.equal((error as ConfigError).key, "Db");
        return true;
      },
    );
  });

  test("a foreign schema nested inside one of the library's zod is found too", () => {
    const schema = z.object({
      name: z.string(),
      db: z.array(dbSchema(zod41)).optional(),
    });
    assert.throws(
      () => defineConfig({ key: "App", schema }),
      refusal(/4\.1\.12/),
    );
  });

  test("a second copy that shares zod's global registry (4.1.13 and later) is accepted, and its secrets masked", async () => {
    const Db = defineConfig({ key: "Db", schema: dbSchema(zod43) });
    const manager = new ConfigManager([
      new MemorySource({ Db: { user: "app", password: CANARY } }),
    ]);
    const how = await manager.explain(Db);
    assert.deepEqual(how.value, { user: "app", password: REDACTED });
    assert.ok(!JSON.stringify(how).includes(CANARY));
  });

  test("the library's own zod is accepted", () => {
    const Db = defineConfig({
      key: "Db",
      schema: z.object({ password: secret(z.string()) }),
    });
    assert.equal(Db.key, "Db");
  });

  test("a zod 3 schema, or anything else, is refused as not a zod 4 schema", () => {
    const notZod = { parse: (v: unknown) => v } as unknown as z.ZodType;
    assert.throws(
      () => defineConfig({ key: "Db", schema: notZod }),
      (error) =>
        error instanceof ConfigError &&
        /is not a zod 4 schema/.test(error.message),
    );
  });

  test("the supported range is the one deno.json (and so the npm peer dependency) states", async () => {
    const config = JSON.parse(
      await readFile(new URL("../deno.json", import.meta.url), "utf8"),
    ) as { imports: Record<string, string> };
    const range = /^npm:zod@(.+)$/.exec(config.imports.zod ?? "")?.[1];
    assert.equal(
      range?.replace(/^\^(\d+\.\d+)$/, "^$1.0"),
      SUPPORTED_ZOD_RANGE,
    );
  });
});
